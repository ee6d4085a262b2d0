// The host layer's refusals as facts: what was asked, what the host has, and a machine-readable reason. The CLI turns
// each into words and advice (src/cli/output/library-words.ts); nothing here names a command-line flag or command.
import { BusyError, DeviceNotFoundError, UnsupportedError, InvalidArgumentError, VfioError } from "../vfio/errors.ts";

/** Why a bind was refused before anything changed. */
export type BindRefusal =
  /** `driver` is a VFIO driver, but not the one of `bus` (`target`). */
  | { reason: "wrong-vfio-driver"; driver: string; bus: string; target: string }
  /** One `driver` was asked for devices on several `buses` (each bus has its own VFIO driver). */
  | { reason: "mixed-buses"; driver: string; buses: string[] }
  /** `driver` is no VFIO driver at all. */
  | { reason: "not-vfio-driver"; driver: string; bus: string; target: string }
  /** The kernel has no `target` driver; `realWithoutVfio`: a real host without /dev/vfio/vfio at all. */
  | { reason: "no-vfio-driver"; target: string; realWithoutVfio: boolean }
  /** The kernel uses `device` (a console, a link): binding it takes that away. */
  | { reason: "in-use"; device: string; users: string[] }
  /** `device`'s driver cannot be unbound from user space (no sysfs unbind file: suppress_bind_attrs, e.g. an SMMU). */
  | { reason: "no-unbind"; device: string; driver: string };

/** A driver name that does not fit the device's bus (InvalidArgumentError: exit 2 in the CLI). */
export class BindDriverError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly refusal: BindRefusal,
  ) {
    super(message);
  }
}

/** No VFIO driver for the bus on this kernel (UnsupportedError: exit 6 in the CLI). */
export class BindUnsupportedError extends UnsupportedError {
  constructor(
    message: string,
    readonly refusal: BindRefusal,
    hint?: string,
  ) {
    super(message, hint);
  }
}

/** The kernel uses the device, or keeps it bound to its driver (BusyError: exit 5 in the CLI). */
export class BindBusyError extends BusyError {
  constructor(
    message: string,
    readonly refusal: BindRefusal,
  ) {
    super(message);
  }
}

/** Why a device name was refused. */
export type DeviceNameRefusal =
  /** `name` cannot be a sysfs device name (it would be unsafe in a path). */
  | { reason: "invalid-name"; name: string }
  /** Nothing matches `spec`; `close` holds up to three known names near it. */
  | { reason: "no-such-device"; spec: string; close: string[] };

/** A device name that is not one (InvalidArgumentError: exit 2 in the CLI). */
export class DeviceNameError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly refusal: DeviceNameRefusal,
  ) {
    super(message);
  }
}

/** No device by that name (DeviceNotFoundError: exit 3 in the CLI). */
export class NoSuchDeviceError extends DeviceNotFoundError {
  constructor(
    message: string,
    readonly refusal: DeviceNameRefusal,
  ) {
    super(message);
  }
}

/**
 * `device`'s IOMMU group is not viable: `blockers` (other members) are bound to kernel drivers that own the group's
 * DMA, so the kernel refuses VFIO the group (VfioError: exit 1 in the CLI).
 */
export class GroupNotViableError extends VfioError {
  constructor(
    override readonly device: string,
    readonly group: number,
    readonly blockers: { name: string; driver: string }[],
  ) {
    super(`group ${group} is not viable`, {
      device,
      detail: `${blockers.map((x) => `${x.name} is on ${x.driver}`).join(", ")} (every device of the group must have no driver, or one that leaves DMA to VFIO: a VFIO driver, pci-stub, pcieport)`,
    });
  }
}
