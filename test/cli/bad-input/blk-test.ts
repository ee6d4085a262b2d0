// Bad-input rows: blk-test. The shared board's virtio-mmio transport is empty (no disk), which blk-test must refuse
// after identifying it and before writing anything; the destructive write needs an explicit --sector.
import type { BadInputCase } from "../bad-input-cases.ts";
import { PL031, VIRTIO } from "./devices.ts";

export const BLK_TEST: BadInputCase[] = [
  { args: ["blk-test"], exit: 2, says: "missing required args for blk-test: <device>", why: "blk-test without a device" },
  { args: ["blk-test", VIRTIO], exit: 2, says: "has no default: name them with --sector", why: "a destructive write with no sector named" },
  { args: ["blk-test", VIRTIO, "--sector", "-1"], exit: 2, says: "invalid --sector '-1'", why: "a negative sector" },
  { args: ["blk-test", VIRTIO, "--sector", "0", "--count", "0"], exit: 2, says: "invalid --count '0'", why: "zero sectors" },
  { args: ["blk-test", VIRTIO, "--sector", "0", "--request-size", "1000"], exit: 2, says: "invalid --request-size '1000': not a multiple of 512", why: "a request that is not whole sectors" },
  { args: ["blk-test", VIRTIO, "--sector", "0", "--request-size", "2M"], exit: 2, says: "invalid --request-size '2M': out of range", why: "a request beyond 1 MiB" },
  { args: ["blk-test", VIRTIO, "--sector", "0", "--timeout", "0"], exit: 2, says: "invalid --timeout '0'", why: "a zero request timeout" },
  { args: ["blk-test", "nosuch.dev", "--sector", "0"], exit: 3, says: "no device 'nosuch.dev'", why: "blk-test on a device the board does not have" },
  { args: ["blk-test", PL031, "--sector", "0"], exit: 6, says: `${PL031} is not a virtio-mmio transport`, why: "blk-test on a device that is not virtio-mmio (an RTC)" },
  { args: ["blk-test", VIRTIO, "--sector", "0"], exit: 6, says: "is an empty virtio-mmio transport (DeviceID 0", why: "blk-test on a transport with no disk plugged in" },
];
