// Bad-input rows: the first rows (read, write, irq, reset, bind, run, list). See ../bad-input-cases.ts for the fields and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";

// Not every area names both devices (void keeps the unused-import check quiet until it does).
import { PL031, VIRTIO } from "./devices.ts";
void PL031, VIRTIO;

export const BASICS: BadInputCase[] = [
  { args: ["frob"], exit: 2, says: "unknown command 'frob'", why: "unknown command" },
  { args: ["--iommu-mode", "cdev", "list"], exit: 2, says: "invalid --iommu-mode 'cdev': expected auto, group, iommufd", why: "unknown --iommu-mode (one refusal for every word option)" },
  { args: [], exit: 2, says: "no command given", why: "no arguments at all" },
  { args: ["read"], exit: 2, says: "missing required args", why: "read without a device" },
  { args: ["read", PL031], exit: 2, says: "missing required args", why: "read without an address" },
  { args: ["read", PL031, "0:010"], exit: 2, says: "ambiguous", why: "leading-zero decimal (octal in C tools)" },
  { args: ["read", PL031, "0:0x1g"], exit: 2, says: "0x1g", why: "junk in a number" },
  { args: ["read", PL031, "0:0x10h"], exit: 2, says: "width", why: "devmem width letter" },
  { args: ["read", PL031, "0:0x2.l"], exit: 2, says: "not aligned", why: "unaligned 32-bit offset" },
  { args: ["read", PL031, "0:0x1000.l"], exit: 2, says: "outside region 0", why: "offset past the 4 KiB region" },
  { args: ["read", PL031, "5:0x0"], exit: 2, says: "has no region 5", why: "region index the device lacks" },
  { args: ["read", PL031, "regs:0x0"], exit: 2, says: "no region named 'regs'", why: "region name not in reg-names" },
  { args: ["read", PL031, "0:0x0", "0"], exit: 2, says: "count", why: "dump count of zero" },
  { args: ["read", PL031, "0:0x0", "--width", "12"], exit: 2, says: "width", why: "width that is not 8/16/32/64" },
  { args: ["read", PL031, "0:0x0.l", "--width", "16"], exit: 2, says: "conflict", why: "suffix and --width disagree" },
  { args: ["read", VIRTIO, "0:0x0.q"], exit: 6, says: "cannot be mmap", why: "64-bit access on a region without MMAP" },
  { args: ["read", "nosuch.dev", "0:0"], exit: 3, says: "no device 'nosuch.dev'", why: "unknown device" },
  { args: ["read", "9010000.pl03", "0:0"], exit: 3, says: "did you mean 9010000.pl031", why: "typo gets a suggestion" },
  { args: ["read", "../../etc", "0:0"], exit: 2, says: "invalid device", why: "path traversal in a device name" },
  { args: ["read", "*", "0:0"], exit: 2, says: "matches", why: "glob matching several devices" },
  { args: ["read", "9000000.pl011", "0:0"], exit: 3, says: "not bound to VFIO", why: "device still on its kernel driver" },
  { args: ["write", PL031, "0:0x10.b", "0x100"], exit: 2, says: "fit", why: "value wider than the access" },
  { args: ["write", PL031, "0:0x10"], exit: 2, says: "write needs an address and a value", why: "write without a value (nor --fill or --from)" },
  { args: ["write", PL031, "0:0x10", "1:2:3"], exit: 2, says: "more than one ':'", why: "malformed VALUE:MASK" },
  { args: ["write", PL031, "0:0xfe0", "1", "--readback"], exit: 8, says: "MISMATCH", why: "read-only ID register read back" },
  { args: ["irq", PL031, "3"], exit: 2, says: "has no interrupt 3", why: "interrupt index the device lacks" },
  { args: ["irq", PL031, "0", "--timeout", "150ms"], exit: 7, says: "no interrupt 0", why: "nothing fired before the timeout", partialStdout: true },
  { args: ["irq", PL031, "0", "--timeout", "5x"], exit: 2, says: "timeout", why: "malformed period" },
  { args: ["irq", PL031, "0", "--count", "many"], exit: 2, says: "count", why: "malformed count" },
  { args: ["reset", PL031], exit: 6, says: "no reset function", why: "vfio-amba device without reset" },
  { args: ["bind", "9000000.pl011"], exit: 5, says: "system console", why: "binding the console without --force" },
  { args: ["bind", "nosuch"], exit: 3, says: "no device 'nosuch'", why: "bind an unknown device" },
  { args: ["run", PL031, "-e", "frob 1"], exit: 2, says: "line 1: unknown verb", why: "bad script line" },
  { args: ["run", PL031, "-e", "read 0:0x0; expect 0:0xfe0.b 0x99"], exit: 8, says: "line 2:", why: "script expectation failed", partialStdout: true },
  { args: ["run", PL031, "/nonexistent.vfio"], exit: 2, says: "cannot read script", why: "missing script file" },
  { args: ["run", VIRTIO, "-e", "irq arm 0; irq unmask 0"], exit: 1, says: "(EINVAL) — the interrupt does not offer this action: mask and unmask need MASKABLE", why: "unmask of an edge interrupt", partialStdout: true },
  { args: ["list", "--bus", "usb"], exit: 2, says: "invalid --bus 'usb': expected platform, amba, pci", why: "list filter on a bus vfio-plat does not know" },
  { args: ["list", PL031, "nosuch.dev"], exit: 3, says: "no device 'nosuch.dev'", why: "list filter naming a device that is not there" },
  { args: ["list", "--group", "-1"], exit: 2, says: "--group", why: "list filter on a negative IOMMU group" },
  { args: ["list", "--bogus-flag"], exit: 2, says: "unknown option '--bogus-flag'", why: "unknown option" },
];
