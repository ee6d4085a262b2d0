// A VFIO group (/dev/vfio/N, or /dev/vfio/noiommu-N without an IOMMU): the unit of ownership. Only one process may
// hold it open; it must be viable (every device in it bound to a vfio driver) and attached to a container before any
// device fd can be had from it.
import type { Fd, KernelBoundary } from "../boundary/kernel-boundary.ts";
import { O_CLOEXEC, O_RDWR } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import { VFIO_GROUP_FLAGS_CONTAINER_SET, VFIO_GROUP_FLAGS_VIABLE } from "./abi/constants.ts";
import { GROUP_IOCTLS } from "./abi/ioctls.ts";
import { vfio_group_status } from "./abi/structs.ts";
import type { Container } from "./container.ts";
import { Device } from "./device.ts";
import { BusyError, VfioError } from "./errors.ts";
import { closeOwnedFd, vfioIoctl } from "./ioctl-call.ts";

export interface GroupStatus {
  viable: boolean;
  containerSet: boolean;
  flags: number;
}

/** `/dev/vfio/N` or `/dev/vfio/noiommu-N` for group N. */
export function groupNodePath(group: number, noiommu: boolean): string {
  return noiommu ? `/dev/vfio/noiommu-${group}` : `/dev/vfio/${group}`;
}

export class Group {
  private closed = false;
  private container: Container | undefined;

  private constructor(
    private readonly b: KernelBoundary,
    readonly fd: Fd,
    readonly path: string,
  ) {}

  /** True for a noiommu group node. */
  get noiommu(): boolean {
    return this.path.includes("/noiommu-");
  }

  /**
   * Open a group node. @throws BusyError when another process holds it (EBUSY), VfioError otherwise (ENOENT: not
   * bound; EACCES/EPERM: permissions or CAP_SYS_RAWIO for noiommu)
   */
  static open(b: KernelBoundary, path: string): Group {
    try {
      return new Group(b, b.open(path, O_RDWR | O_CLOEXEC), path);
    } catch (e) {
      if (e instanceof SyscallError && e.code === "EBUSY") {
        throw new BusyError(`cannot open ${path}: the group is held by another process`, undefined, undefined);
      }
      throw new VfioError(`cannot open ${path}`, { cause: e });
    }
  }

  /** VFIO_GROUP_GET_STATUS. */
  status(): GroupStatus {
    const arg = vfio_group_status.encode({ argsz: vfio_group_status.size });
    vfioIoctl(this.b, this.fd, GROUP_IOCTLS.VFIO_GROUP_GET_STATUS, arg, `VFIO_GROUP_GET_STATUS ${this.path}`);
    const { flags } = vfio_group_status.decode(arg);
    return {
      flags,
      viable: (flags & VFIO_GROUP_FLAGS_VIABLE) !== 0,
      containerSet: (flags & VFIO_GROUP_FLAGS_CONTAINER_SET) !== 0,
    };
  }

  /** VFIO_GROUP_SET_CONTAINER: the argument is a *pointer* to the container fd. */
  setContainer(container: Container): void {
    const arg = new Uint8Array(4);
    new DataView(arg.buffer).setInt32(0, container.fd, true);
    vfioIoctl(this.b, this.fd, GROUP_IOCTLS.VFIO_GROUP_SET_CONTAINER, arg, `VFIO_GROUP_SET_CONTAINER ${this.path}`);
    this.container = container;
  }

  /** VFIO_GROUP_UNSET_CONTAINER (EBUSY while device fds are open). */
  unsetContainer(): void {
    vfioIoctl(this.b, this.fd, GROUP_IOCTLS.VFIO_GROUP_UNSET_CONTAINER, 0, `VFIO_GROUP_UNSET_CONTAINER ${this.path}`);
    this.container = undefined;
  }

  /**
   * VFIO_GROUP_GET_DEVICE_FD for the device named `name` (its sysfs name). The first open of a device runs the
   * driver's open_device (vfio-platform: reset, IRQ setup).
   * @throws VfioError EINVAL (container/IOMMU not set), ENODEV (no such device in the group)
   */
  openDevice(name: string): Device {
    const arg = new TextEncoder().encode(`${name}\0`);
    const fd = vfioIoctl(this.b, this.fd, GROUP_IOCTLS.VFIO_GROUP_GET_DEVICE_FD, arg, "VFIO_GROUP_GET_DEVICE_FD", name);
    return new Device(this.b, fd, name);
  }

  /** The container this group was attached to by this object, if any. */
  get attachedContainer(): Container | undefined {
    return this.container;
  }

  /** Close the group node (releases ownership). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeOwnedFd(this.b, this.fd);
  }
}
