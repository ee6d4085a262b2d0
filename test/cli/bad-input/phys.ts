// Bad-input rows: physical addresses (`@0x...`, `--phys`) in read, write, poll, expect and run. The shared board has
// 9010000.pl031 (0x9010000-0x9010fff) and a000000.virtio_mmio bound; 9000000.pl011 (0x9000000) is not.
import type { BadInputCase } from "../bad-input-cases.ts";
import { PL031 } from "./devices.ts";

export const PHYS: BadInputCase[] = [
  { args: ["read", "@0x1000"], exit: 3, says: "no device has a region at physical address 0x1000 (NOT_FOUND)", why: "a physical address no device covers" },
  { args: ["read", "@0x09000018"], exit: 3, says: "physical address 0x9000018 is in 9000000.pl011, which is not bound to VFIO (driver: uart-pl011) (NOT_FOUND) — bind it first: vfio-plat bind 9000000.pl011", why: "a physical address of a device that is not bound to VFIO: named, with the bind to run" },
  { args: ["read", "a000000.virtio_mmio", "@0x09010ff0"], exit: 2, says: "physical address 0x9010ff0 is not in a000000.virtio_mmio (region 0 0xa000000-0xa0001ff) (USAGE)", why: "DEVICE given, and the physical address is outside it (its windows named)" },
  { args: ["read", "@0x09010ff8", "4"], exit: 2, says: "offset 0x1004 + 4 is outside region 0 of 9010000.pl031 (size 0x1000)", why: "a dump from a physical address that runs past its region's end (checked as one from an offset; an aligned single access cannot straddle a region of power-of-two size)" },
  { args: ["read", "@0x09010ff1"], exit: 2, says: "physical address 0x9010ff1 is not aligned for a 32-bit access (USAGE) — use a multiple of 4 (e.g. @0x9010ff0)", why: "a physical address not aligned for the width, refused before any device is looked at" },
  { args: ["read", "@0:0x10"], exit: 2, says: "invalid physical address '@0:0x10': a physical address has no REGION: part", why: "REGION: with a physical address" },
  { args: ["read", "@RTCDR"], exit: 2, says: "invalid physical address '@RTCDR': a register name is not a physical address", why: "a register name marked as physical" },
  { args: ["read", "@"], exit: 2, says: "invalid physical address '@': no number after '@'", why: "'@' alone" },
  { args: ["read", "--phys", PL031, "RTCDR"], exit: 2, says: "invalid physical address 'RTCDR'", why: "--phys with a register name" },
  { args: ["read", "0x09010ff0"], exit: 2, says: "missing required args for read: <address>", why: "a bare physical number without --phys or '@' is a device name: the address is missing" },
  { args: ["write", "@0x09010010", "0x100000000"], exit: 2, says: "value '0x100000000' does not fit a 32-bit access", why: "write to a physical address: a bad value is refused before the device lookup" },
  { args: ["expect", "@0x09010ff0.b", "0x0e"], exit: 8, says: "0:0x00000ff0.b is 0x0d, expected 0x0e", why: "expect at a physical address: the mismatch names the region offset it resolved to" },
  { args: ["run", PL031, "-e", "read @0x09010ff0; read @0x09000000"], exit: 2, says: "line 2: physical address 0x9000000 is not in 9010000.pl031", why: "script: a physical address outside the script's device, refused before line 1 runs" },
];
