// Errors raised above the kernel boundary. A SyscallError (src/boundary) says what the kernel answered; the classes here
// say what vfio-plat was doing when it happened (`cause` carries the SyscallError), or that the input or the outcome
// was wrong without any kernel involvement. The CLI maps each class and errno code to an exit code and a hint in one
// place (src/cli/output/errors.ts).
import { SyscallError } from "../boundary/syscall-error.ts";

/** A VFIO operation failed; `cause` is usually a SyscallError. Message: "<operation> on <device>: <cause>". */
export class VfioError extends Error {
  override readonly name = "VfioError";
  readonly operation: string;
  readonly device?: string;
  constructor(operation: string, opts: { device?: string; cause?: unknown; detail?: string } = {}) {
    const cause = opts.cause instanceof Error ? opts.cause.message : opts.detail;
    super(`${operation}${opts.device ? ` on ${opts.device}` : ""}${cause ? `: ${cause}` : ""}`, { cause: opts.cause });
    this.operation = operation;
    if (opts.device !== undefined) this.device = opts.device;
  }
  /** The errno code behind this error (`EBUSY`), when a system call caused it. */
  get code(): string | undefined {
    return this.cause instanceof SyscallError ? this.cause.code : undefined;
  }
}

/** A bad argument to a library call (an offset outside a region, an index the device lacks, a name that is not a
 * device), detected before touching anything. `hint` carries facts that help fix it (the known names). */
export class InvalidArgumentError extends Error {
  override readonly name: string = "InvalidArgumentError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The named device does not exist, or is not bound to a VFIO driver. */
export class DeviceNotFoundError extends Error {
  override readonly name = "DeviceNotFoundError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The kernel, device or backend lacks what was asked for (no reset function, no MMAP, no IOMMU). */
export class UnsupportedError extends Error {
  override readonly name = "UnsupportedError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Something is held by someone else (a group open in another process); `pid` names the holder when known. */
export class BusyError extends Error {
  override readonly name = "BusyError";
  constructor(
    message: string,
    readonly hint?: string,
    readonly pid?: number,
  ) {
    super(message);
  }
}

/** A wait ended without the event (interrupt, DMA completion). */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
  constructor(message: string) {
    super(message);
  }
}

/** A read-back or a DMA compare found different data. */
export class VerifyError extends Error {
  override readonly name = "VerifyError";
  constructor(message: string) {
    super(message);
  }
}

/** A wait (interrupt, DMA completion) ended because the caller's AbortSignal fired; `reason` is the signal's reason. */
export class AbortedError extends Error {
  override readonly name: string = "AbortedError";
  constructor(
    readonly reason: unknown,
    message = `aborted${reason !== undefined ? ` (${String(reason)})` : ""}`,
  ) {
    super(message);
  }

  /** The error for an aborted `signal`, carrying its reason. */
  static fromAbort(signal: AbortSignal): AbortedError {
    return new AbortedError(signal.reason);
  }
}

/** Facts behind a refusal to open a device (the CLI words the advice): why, and for which device. */
export interface OpenRefusal {
  device: string;
  /** no-group: not bound to a VFIO driver; no-cdev: the device has no VFIO cdev (noiommu never has one); no-iommufd:
   * the kernel has no /dev/iommu. The last two only when the iommufd path was asked for. */
  reason: "no-group" | "no-cdev" | "no-iommufd";
  noiommu?: boolean;
}

/** A device with no IOMMU group: not bound to a VFIO driver. */
export class NotBoundError extends DeviceNotFoundError {
  constructor(
    message: string,
    readonly refusal: OpenRefusal,
  ) {
    super(message);
  }
}

/** The iommufd path is not available for this device or kernel. */
export class IommufdUnavailableError extends UnsupportedError {
  constructor(
    message: string,
    readonly refusal: OpenRefusal,
  ) {
    super(message);
  }
}

/** A region or interrupt index the device does not have (an invalid argument); `refusal` holds the facts. */
export class NoSuchIndexError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly refusal: { kind: "region" | "interrupt"; device: string; index: number; count: number },
  ) {
    super(message);
  }
}

/**
 * /proc/self/pagemap showed a resident page with PFN 0: the kernel hides physical addresses from a process without
 * CAP_SYS_ADMIN, so a noiommu DMA buffer has no device address. `address` is the process address that was asked about.
 */
export class PagemapHiddenError extends Error {
  override readonly name = "PagemapHiddenError";
  constructor(
    message: string,
    readonly address: bigint,
  ) {
    super(message);
  }
}

/** A page of a pinned buffer was not resident (not present, or swapped) when its physical address was read. */
export class PageNotResidentError extends Error {
  override readonly name = "PageNotResidentError";
  constructor(
    message: string,
    readonly refusal: { address: bigint; reason: "not-present" | "swapped" },
  ) {
    super(message);
  }
}

/**
 * A noiommu DMA buffer that had to be physically contiguous is not: its pages landed in `runs` separate physical runs
 * (the longest `longestRun` bytes). `hugePageSize` is the page size it was built from (0: small pages).
 */
export class PhysicallyDiscontiguousError extends UnsupportedError {
  constructor(
    message: string,
    readonly refusal: { size: number; runs: number; longestRun: number; hugePageSize: number },
  ) {
    super(message);
  }
}
