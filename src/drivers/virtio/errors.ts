// The virtio driver's refusals and failures as facts: a machine-readable reason with the numbers behind it (the
// registers read, the sector asked, the status byte), never advice. The CLI (src/cli/blk-test/blk-words.ts) chooses
// the words, the hint and the exit code.
import { TimeoutError } from "../../vfio/errors.ts";

/** Why the driver refused a request or gave up; `reason` is the discriminator. */
export type VirtioRefusal =
  /** MagicValue is not "virt": not a virtio-mmio transport. */
  | { reason: "not-virtio"; magic: number }
  /** A Version register this driver does not know (it knows 1, legacy, and 2, modern). */
  | { reason: "unknown-version"; version: number }
  /** DeviceID is not the one the driver drives (0: an empty transport, no device plugged in). */
  | { reason: "wrong-device"; deviceId: number; expected: number }
  /** A feature the driver requires is not offered (VIRTIO_F_VERSION_1 on a modern transport). */
  | { reason: "feature-missing"; feature: string; offered: bigint }
  /** The device cleared FEATURES_OK after the driver wrote its features: it refuses that subset. */
  | { reason: "features-refused"; accepted: bigint; status: number }
  /**
   * Queue `queue` cannot be set up: the device offers no such queue (QueueNumMax 0), one too small for a request
   * (a power-of-two size of at least 4: header, data and status, and 2 would leave no data descriptor), it is
   * already in use, or (legacy) the ring lies at or above 2^44, beyond what the 32-bit QueuePFN can name (`address`).
   */
  | { reason: "queue-unavailable"; queue: number; detail: "absent" | "too-small" | "in-use" }
  | { reason: "queue-unavailable"; queue: number; detail: "address-too-high"; address: bigint }
  /** The device set DEVICE_NEEDS_RESET or FAILED in its status (`status` is the whole register). */
  | { reason: "device-status"; status: number; needsReset: boolean; failed: boolean }
  /**
   * remove() could not confirm the reset (a modern device whose Status never read 0, or the register write failed):
   * the device may still use its rings and buffers, so the driver kept them (`keptBytes`) instead of freeing them.
   * `status` is the last Status read, when one was.
   */
  | { reason: "reset-failed"; status?: number; keptBytes: number }
  /** A request came back with a status byte other than OK: 1 IOERR, 2 UNSUPP, anything else is not in the spec. */
  | { reason: "request-failed"; request: string; sector: bigint; status: number }
  /** The device completed a request the driver did not have in flight, or reported a length beyond the buffers. */
  | { reason: "bad-completion"; detail: string }
  /** sectors [sector, sector+count) are not all inside the disk's `capacity`. */
  | { reason: "out-of-range"; sector: bigint; count: number; capacity: bigint }
  /** A write to a disk that offers VIRTIO_BLK_F_RO. */
  | { reason: "read-only" }
  /** FLUSH on a disk that did not offer VIRTIO_BLK_F_FLUSH (it has no volatile cache to flush). */
  | { reason: "no-flush" }
  /** A data length that is not a positive multiple of 512, or outside the buffer. */
  | { reason: "bad-length"; length: number; detail: string }
  /** The data needs more descriptors than the queue or the device's seg_max allow. */
  | { reason: "too-many-segments"; segments: number; max: number }
  /** Called before init(), or after remove(). */
  | { reason: "not-ready" };

/** A refusal or failure of the virtio driver, with its facts in `refusal` and the device's name in `device`. */
export class VirtioError extends Error {
  override readonly name = "VirtioError";
  constructor(
    readonly refusal: VirtioRefusal,
    readonly device: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a request that never completed leaves behind: what it was, how long the driver waited, what the device said. */
export interface VirtioTimeoutFacts {
  device: string;
  request: string;
  sector: bigint;
  timeoutMs: number;
  /** InterruptStatus and Status when the driver gave up. */
  interruptStatus: number;
  status: number;
}

/** A request that did not complete in time (a TimeoutError: exit 7 in the CLI); `facts` holds the registers. */
export class VirtioTimeoutError extends TimeoutError {
  constructor(
    message: string,
    readonly facts: VirtioTimeoutFacts,
  ) {
    super(message);
  }
}
