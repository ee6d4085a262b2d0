// Bad-input rows: `watch` (addresses read every interval, physical ones too) and `log --follow`. See ../bad-input-cases.ts for the fields
// and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";
import { runCli, simEnv } from "../../helpers/cli.ts";
import { PL031 } from "./devices.ts";

/** A case's own board with the PL011 bound too (the console UART: bound with --force). */
function withUart(stateDir: string): void {
  const r = runCli(["bind", "9000000.pl011", "--force"], { env: simEnv(stateDir) });
  if (r.code !== 0) throw new Error(`bind 9000000.pl011: ${r.stderr}`);
}

export const WATCH: BadInputCase[] = [
  { args: ["watch", PL031], exit: 2, says: "missing required args", why: "watch without an address" },
  { args: ["watch", PL031, "RTCDR", "RTCDX"], exit: 2, says: "map pl031 has no register 'RTCDX' (USAGE) — did you mean RTCDR", why: "watch of an unknown register name, refused before the first sample" },
  { args: ["watch", PL031, "RTCICR"], exit: 2, says: "RTCICR is write-only (WO): reading it shows nothing of what was written (USAGE) — watch a register that shows the device's state", why: "watch of a write-only register" },
  { args: ["watch", PL031, "0:0x2000"], exit: 2, says: "0x2000", why: "watch of an offset past the end of the region" },
  { args: ["watch", PL031, "RTCDR", "--interval", "0"], exit: 2, says: "--interval", why: "watch with a zero interval" },
  { args: ["watch", PL031, "RTCDR", "--count", "-1"], exit: 2, says: "--count", why: "watch with a negative sample count" },
  { args: ["watch", "9000000.pl011", "UARTDR"], exit: 2, says: "UARTDR is read-to-clear (RC): every sample would clear what it holds (USAGE) — watch a register whose read changes nothing, or give --read-clear", why: "watch of a read-to-clear register (a FIFO pop) without --read-clear", setup: withUart },
  { args: ["watch", "9000000.pl011", "0:0x0"], exit: 2, says: "0:0x00000000.l (UARTDR) is read-to-clear (RC)", why: "watch of an offset that hits a read-to-clear register", setup: withUart },
  { args: ["watch", "@0x09010000", "@0x0a000000"], exit: 2, says: "watch reads one device, and @0x09010000 is in 9010000.pl031 but @0x0a000000 is in a000000.virtio_mmio (USAGE) — run one watch per device", why: "watch of physical addresses in two devices without DEVICE (one watch holds one open session)" },
  { args: ["watch", PL031, "@0x0a000000"], exit: 2, says: "physical address 0xa000000 is not in 9010000.pl031 (region 0 0x9010000-0x9010fff) (USAGE)", why: "watch DEVICE with a physical address outside DEVICE" },
  { args: ["watch", "@0x09010000", "RTCDR"], exit: 2, says: "watch needs a DEVICE before a register address", why: "watch of a register name without DEVICE (only physical addresses find their device)" },
  { args: ["watch", "@0x09000000"], exit: 3, says: "physical address 0x9000000 is in 9000000.pl011, which is not bound to VFIO", why: "watch of a physical address in a device not bound to VFIO" },
];
