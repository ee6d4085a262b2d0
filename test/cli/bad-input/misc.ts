// Bad-input rows: completion, list, PCI, the PL330 assembler and other rough edges. See ../bad-input-cases.ts for the fields and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";
import { runCli, simEnv } from "../../helpers/cli.ts";

// Not every area names both devices (void keeps the unused-import check quiet until it does).
import { PL031, VIRTIO } from "./devices.ts";
void PL031, VIRTIO;

/** edu, the simulated board's PCI function: a BAR0 and CONFIG, BAR1-5 and the ROM of size 0, no VGA, no MSI-X, no PCIe. */
const EDU = "0000:00:02.0";

/** A board of the case's own with edu bound to vfio-pci too. */
function bindEdu(stateDir: string): void {
  const r = runCli(["bind", EDU], { env: simEnv(stateDir) });
  if (r.code !== 0) throw new Error(`setup bind ${EDU} failed: ${r.stderr}`);
}

/** `pl330 asm -` with `program` on stdin. */
const asm = (program: string, says: string, why: string): BadInputCase => ({
  args: ["pl330", "asm", "-"],
  stdin: `${program}\n`,
  exit: 2,
  says,
  why: `stdin \`${program.replaceAll("\n", "; ")}\`: ${why}`,
});

export const MISC: BadInputCase[] = [
  asm("DMAADNH SAR, 0", "line 1: DMAADNH immediate 0 is outside -65536..-1", "DMAADNH adds a value in -65536..-1, so 0 and positive values cannot be encoded"),
  asm("DMAADNH DAR, 1", "DMAADNH immediate 1 is outside -65536..-1 (DMAADNH adds a negative value; DMAADDH adds 0..65535)", "a positive DMAADNH value used to encode -65535"),
  asm("DMAADDH SAR, 65536", "DMAADDH immediate 65536 is outside 0..65535", "DMAADDH immediate past 16 bits"),
  asm("DMAADDH DAR, -1", "DMAADDH immediate -1 is outside 0..65535", "negative DMAADDH immediate"),
  asm("DMAMOV SAR, 0x100000000", "DMAMOV immediate 0x100000000 is outside 0..0xffffffff (0..4294967295)", "DMAMOV immediate past 32 bits"),
  asm("DMASEV 32", "DMASEV event 32 is outside 0..31", "event number past the 5-bit field"),
  asm("DMAWFPB 32", "DMAWFPB peripheral 32 is outside 0..31", "peripheral number past the 5-bit field"),
  asm("DMAGO C8, 0x1000", "DMAGO channel C8 is outside 0..7", "DMAGO channel past 3 bits"),
  asm("DMALP lc0, 0\nDMANOP\nDMALPEND", "DMALP iteration count 0 is outside 1..256", "DMALP counts 1..256 (the byte holds count - 1)"),
  asm("DMALP lc2, 4\nDMANOP\nDMALPEND", "DMALP loop counter 'lc2' is not lc0 or lc1", "the DMAC has two loop counters"),
  asm(".byte 0x100", ".byte value 0x100 is outside 0..255", ".byte value past a byte"),
  asm("DMALPFE\nDMALDS\nDMALPENDS lc0", "encodes as 0x29, which the DMAC decodes as DMASTPS; use lc1", "a conditional forever loop on lc0 is DMASTPS"),
  { args: ["pl330", "link", "-"], exit: 2, says: "unknown pl330 action 'link'", why: "pl330 takes asm, disasm or exec" },
  { args: ["pl330", "asm"], exit: 2, says: "pl330 asm needs an input file (or - for stdin)", why: "no program given" },
  { args: ["pl330", "disasm", "--device", PL031], exit: 2, says: "--device needs --length (bytes to read)", why: "disasm --device without --length" },
  {
    args: ["read", EDU, "2:0x0"],
    exit: 6,
    says: `BAR2 (region 2) of ${EDU} is not implemented by this device (size 0)`,
    why: "a BAR edu does not implement",
    setup: bindEdu,
  },
  {
    args: ["write", EDU, "ROM:0x0.b", "1"],
    exit: 6,
    says: `ROM (region 6) of ${EDU} is not implemented by this device (no expansion ROM, size 0)`,
    why: "edu has no expansion ROM",
    setup: bindEdu,
  },
  {
    args: ["read", EDU, "VGA:0x0.b"],
    exit: 6,
    says: `VGA (region 8) of ${EDU} is not available: the function is not a VGA device`,
    why: "vfio-pci refuses the VGA region of a non-VGA function (EINVAL)",
    setup: bindEdu,
  },
  {
    args: ["irq", EDU, "2", "--timeout", "100ms"],
    exit: 6,
    says: `MSI-X (interrupt 2) of ${EDU} is not implemented by this device (no MSI-X capability, count 0)`,
    why: "edu has no MSI-X",
    setup: bindEdu,
  },
  {
    args: ["irq", EDU, "3"],
    exit: 6,
    says: `ERR (interrupt 3) of ${EDU} is not available: error reporting needs a PCI Express function`,
    why: "vfio-pci refuses ERR on a conventional PCI function (EINVAL)",
    setup: bindEdu,
  },
  {
    args: ["run", EDU, "-e", "irq arm 2"],
    exit: 6,
    says: `MSI-X (interrupt 2) of ${EDU} is not implemented by this device`,
    why: "a script arming an interrupt edu does not implement",
    setup: bindEdu,
  },
];
