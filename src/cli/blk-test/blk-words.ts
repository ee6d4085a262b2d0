// The CLI's words for the virtio driver's refusals: the driver (src/drivers/virtio) says what it found as facts
// (`VirtioError.refusal`); this file turns each into the error class that decides the exit code, a message naming
// what the user gave, and advice. The one place a virtio refusal meets command-line words.
import { VirtioError } from "../../drivers/virtio/errors.ts";
import { UnsupportedError } from "../../vfio/errors.ts";
import { UsageError } from "../usage-error.ts";

/** A device that failed while being driven (an I/O error, a device asking for a reset): a failed run, exit 1. */
class VirtioFailedError extends Error {
  override readonly name = "VirtioFailedError";
  constructor(
    message: string,
    readonly hint: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `e` in CLI words when it is a VirtioError, else `e` itself. not-virtio, unknown-version, wrong-device,
 * feature-missing, read-only, no-flush -> UnsupportedError (exit 6); out-of-range, bad-length, too-many-segments ->
 * UsageError (exit 2); features-refused, queue-unavailable, device-status, request-failed, reset-failed, bad-completion ->
 * VirtioFailedError (exit 1); not-ready (a bug of the caller) stays as it is.
 */
export function virtioInWords(e: unknown): unknown {
  if (!(e instanceof VirtioError)) return e;
  const r = e.refusal;
  const failed = (hint: string) => new VirtioFailedError(e.message, hint, { cause: e });
  switch (r.reason) {
    case "not-virtio":
    case "unknown-version":
      return new UnsupportedError(e.message, "blk-test drives a virtio-mmio transport (compatible virtio,mmio); see vfio-plat list");
    case "wrong-device":
      return new UnsupportedError(
        e.message,
        r.deviceId === 0
          ? "plug a disk into it (QEMU: -drive file=IMG,if=none,format=raw,id=d0 -device virtio-blk-device,drive=d0), or find the transport whose DeviceID (0x008) reads 2"
          : "blk-test drives virtio block devices (DeviceID 2)",
      );
    case "feature-missing":
      return new UnsupportedError(e.message, "a modern virtio-mmio device must offer VIRTIO_F_VERSION_1");
    case "read-only":
      return new UnsupportedError(e.message, "the disk is read-only (QEMU: readonly=on on its -drive); give it a writable image");
    case "no-flush":
      return new UnsupportedError(e.message);
    case "out-of-range":
      return new UsageError(
        `sectors ${r.sector}..${r.sector + BigInt(r.count) - 1n} are not all on ${e.device}: it has ${r.capacity} sectors`,
        r.capacity > 0n ? `use --sector and --count within 0..${r.capacity - 1n}` : "the disk is empty",
      );
    case "bad-length":
      return new UsageError(e.message, "use a --request-size that is a multiple of 512");
    case "too-many-segments":
      return new UsageError(e.message, `use a smaller --request-size (at most ${r.max} pieces of memory per request)`);
    case "features-refused":
      return failed("reset the device (unbind and bind it again) and retry");
    case "queue-unavailable":
      if (r.detail === "address-too-high") return failed("give the device a modern transport (QEMU: -global virtio-mmio.force-legacy=false), which takes 64-bit ring addresses");
      if (r.detail === "too-small") return failed("give the device a larger queue (QEMU: queue-size=4 or more on -device virtio-blk-device)");
      return failed("reset the device (unbind and bind it again) and retry");
    case "device-status":
      return failed("the device stopped working: unbind and bind it again (which resets it) and look at the host's log");
    case "request-failed":
      return failed(r.status === 1 ? "the disk's backing store failed the request (IOERR): check the image on the host" : "the device does not implement this request");
    case "reset-failed":
      return failed("the device may still write that memory until it is reset: unbind it and let its kernel driver (virtio-mmio) probe it, which resets it, before running anything else");
    case "bad-completion":
      return failed("the device returned a descriptor it was not given: reset it");
    case "not-ready":
      return e;
  }
}
