// Bad-input rows: run scripts: signals, whole-script checks, script sources. See ../bad-input-cases.ts for the fields and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";
import { PL031, VIRTIO } from "./devices.ts";
import { bindNoiommuDmac } from "./dma-test.ts";

export const SCRIPTS: BadInputCase[] = [
  // The whole script is checked before its first step: none of these writes anything.
  { args: ["run", PL031, "-e", "write 0:0x4 1; write 0:0x4 $t"], exit: 2, says: "line 2: variable $t is not set by any line before this one", why: "script variable used before any read ... as t" },
  { args: ["run", PL031, "-e", "irq wait 0 1s"], exit: 2, says: "interrupt 0 is not armed (USAGE) — arm it first: irq arm 0", why: "irq wait before irq arm" },
  { args: ["run", PL031, "-e", "irq arm 0; irq disarm 0; irq wait 0"], exit: 2, says: "line 3: irq wait 0: interrupt 0 is not armed", why: "irq wait after irq disarm" },
  { args: ["run", PL031, "-e", "write 0:0x4 0x10:0x1"], exit: 2, says: "line 1: value 0x10 has bits outside mask 0x1", why: "script write: value bits outside its mask" },
  { args: ["run", PL031, "-e", "expect 0:0x4 0x3:0x1"], exit: 2, says: "line 1: value 0x3 has bits outside mask 0x1", why: "script expect: value bits outside its mask" },
  { args: ["run", PL031, "-e", "expect 0:0x4 0:0"], exit: 2, says: "line 1: mask '0' is zero", why: "script expect with a zero mask compares nothing" },
  { args: ["run", PL031, "-e", "write 0:0x4.b 0x100"], exit: 2, says: "line 1: value '0x100' does not fit a 8-bit access", why: "script value wider than its access" },
  { args: ["run", PL031, "-e", "read 0:0x0 as x; write 0:0x4.w $x+0x10000"], exit: 2, says: "line 2: added value '0x10000' does not fit a 16-bit access", why: "script variable plus a number that cannot fit" },
  { args: ["run", PL031, "-e", "write 0:0x4 1; read 0:0x1000"], exit: 2, says: "line 2: offset 0x1000 + 4 is outside region 0", why: "script address past the region, refused before line 1 runs" },
  { args: ["run", PL031, "-e", "write 0:0x4 1; read 0:0xff0 8"], exit: 2, says: "line 2: offset 0x100c + 4 is outside region 0", why: "script dump running past the region" },
  { args: ["run", PL031, "-e", "write 0:0x4 1; irq arm 3"], exit: 2, says: "line 2: 9010000.pl031 has no interrupt 3 (it has 1)", why: "script interrupt index the device lacks" },
  { args: ["run", PL031, "-e", "write 0:0x4 1; reset"], exit: 6, says: "line 2: 9010000.pl031 has no reset function", why: "script reset on a device without a reset function, refused before line 1 runs" },
  { args: ["run", VIRTIO, "-e", "write 0:0x70 1; read 0:0x0.q"], exit: 6, says: "line 2: region 0 of a000000.virtio_mmio cannot be mmap'ed", why: "script 64-bit access to a region without mmap" },
  { args: ["run", VIRTIO, "-e", "dma map a 4k; dma expect a zeros 0x800 0x1000"], exit: 2, says: "line 2: dma expect a: 4096 bytes at offset 0x800 run past its 4096 bytes", why: "dma expect range past the buffer" },
  { args: ["run", PL031, "-e", "dma fill a zeros"], exit: 2, says: "line 1: no DMA buffer 'a' is mapped at this line (USAGE) — map it first: dma map a SIZE", why: "dma fill before dma map" },
  { args: ["run", PL031, "-e", "dma map a 4k; dma map a 8k"], exit: 2, says: "line 2: DMA buffer 'a' is already mapped (line 1)", why: "dma map of a name still mapped" },
  // Where a fixed IOVA may go is the kernel's call (exit 1 with its errno); the error adds the reason and the line.
  { args: ["run", VIRTIO, "-e", "dma map a 4k at 0x8000000"], exit: 1, says: "(EINVAL) — IOVA 0x8000000-0x8000fff is outside the usable IOVA ranges", why: "dma map at an IOVA in the reserved MSI window" },
  { args: ["run", VIRTIO, "-e", "dma map a 4k at 0x1800"], exit: 1, says: "line 1: dma map a at 0x1800", why: "dma map at an unaligned IOVA (reason: not aligned to the IOMMU page size)" },
  { args: ["run", VIRTIO, "-e", "dma map a 8k at 0x10000; dma map b 4k at 0x11000"], exit: 1, says: "(EEXIST) — IOVA 0x11000-0x11fff overlaps buffer 'a'", why: "dma map at an IOVA another buffer holds", partialStdout: true },
  { args: ["run", VIRTIO, "-e", "dma map a 4k; dma map b 4k at 0x1000"], exit: 1, says: "(EEXIST) — IOVA 0x1000-0x1fff overlaps buffer 'a'", why: "dma map at the IOVA an earlier automatic mapping took", partialStdout: true },
  { args: ["run", PL031, "-"], stdin: "write 0:0x4 1\nwrite 0:0x4 $z\n", exit: 2, says: "line 2: variable $z is not set", why: "script from stdin checked whole too" },
  // Variables known only at run time: the sum is checked before its write, shown in decimal and hex.
  { args: ["run", PL031, "-e", "read 0:0x0 as x; write 0:0x4 $x+0xffffffff"], exit: 2, says: "does not fit a 32-bit access", why: "script variable sum past the access width", partialStdout: true },
  // One script source: two are refused, never one silently dropped.
  { args: ["run", PL031, "/nonexistent.vfio", "-e", "read 0:0x0"], exit: 2, says: "two script sources: FILE '/nonexistent.vfio' and -e", why: "script FILE and -e both given" },
  { args: ["run", PL031, "-", "-e", "read 0:0x0"], stdin: "read 0:0x4\n", exit: 2, says: "two script sources: - (stdin) and -e", why: "script - (stdin) and -e both given" },
  { args: ["run", PL031, "/nonexistent.vfio", "-"], stdin: "read 0:0x4\n", exit: 2, says: "too many arguments for run: '-'", why: "script FILE and - (stdin) both given" },
  { args: ["run", PL031, "-e", "read 0:0x0", "-e", "read 0:0x4"], exit: 2, says: "option --execute given twice", why: "-e given twice" },
  { args: ["run", PL031, "--execute", "write 0:0x4 1", "-e", "read 0:0x4"], exit: 2, says: "option --execute given twice", why: "--execute and -e both given (one option, two spellings)" },
  { args: ["run", PL031, "-e", "99999999999999999999"], exit: 2, says: "line 1: unknown verb '99999999999999999999'", why: "number-like -e text echoed exactly as typed" },
  { args: ["run", PL031, "/"], exit: 2, says: "cannot read script /: Is a directory (EISDIR)", why: "script path is a directory" },
  { args: ["run", PL031, "-e", ""], exit: 2, says: "the script from -e has no steps", why: "an empty -e (a shell variable left unset)" },
  { args: ["run", PL031, "-"], stdin: "# only a comment\n\n", exit: 2, says: "the script from stdin has no steps", why: "a script of comments only" },
  {
    args: ["run", "2c0a0000.dma", "-e", "dma map a 4k at 0x40000000"],
    exit: 2,
    says: "line 1: dma map a at 0x40000000: on a noiommu container the device sees the buffer at its physical address",
    why: "dma map at a chosen address on a noiommu container (virt-noiommu's PL330): the kernel chooses physical addresses",
    env: { VFIO_PLAT_SIM_BOARD: "virt-noiommu" },
    setup: bindNoiommuDmac,
  },
];
