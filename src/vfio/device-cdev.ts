// Opening a device through its VFIO character device (/dev/vfio/devices/vfioN, kernel >= 6.6 with
// CONFIG_VFIO_DEVICE_CDEV), the iommufd way (vfio-abi.md §1.5 C): open the cdev, bind it to an iommufd, attach it to an
// IOAS. Until the bind every ioctl, read, write and mmap on the fd is EINVAL; while any cdev of a group is bound the
// group node cannot be opened (EBUSY), and the other way round. noiommu devices have no cdev.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { O_CLOEXEC, O_RDWR } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import { DEVICE_IOCTLS } from "./abi/ioctls.ts";
import { vfio_device_attach_iommufd_pt, vfio_device_bind_iommufd } from "./abi/structs.ts";
import { Device } from "./device.ts";
import { BusyError, VfioError } from "./errors.ts";
import type { IommuFd } from "./iommufd.ts";
import { vfioIoctl } from "./ioctl-call.ts";

/** The cdev node of VFIO device index `n`. */
function cdevNodePath(n: number): string {
  return `/dev/vfio/devices/vfio${n}`;
}

/**
 * The cdev node of a VFIO-bound device: its sysfs `vfio-dev/vfioN` entry names it, and the node must exist (a noiommu
 * device has the sysfs entry but no node). Undefined when the device has no cdev.
 */
export function deviceCdevOf(b: KernelBoundary, sysfsPath: string): string | undefined {
  let entries: string[];
  try {
    entries = b.fs.readdir(`${sysfsPath}/vfio-dev`);
  } catch {
    return undefined;
  }
  for (const e of entries) {
    const m = /^vfio(\d+)$/.exec(e);
    if (!m) continue;
    const node = cdevNodePath(Number(m[1]));
    if (b.fs.exists(node)) return node;
  }
  return undefined;
}

/**
 * Open the cdev at `node` and bind it to `iommufd` (VFIO_DEVICE_BIND_IOMMUFD: the driver's open_device runs here).
 * Returns the device and its iommufd device id.
 * @throws BusyError (EBUSY: the device's group is open through /dev/vfio/N; EINVAL: already bound through another
 *   fd), VfioError (ENOENT: no such node; EPERM: no MSI isolation)
 */
export function openCdevDevice(b: KernelBoundary, node: string, iommufd: IommuFd, name: string): { device: Device; devid: number } {
  let fd: number;
  try {
    fd = b.open(node, O_RDWR | O_CLOEXEC);
  } catch (e) {
    throw new VfioError(`cannot open ${node}`, { cause: e });
  }
  try {
    const arg = vfio_device_bind_iommufd.encode({ argsz: vfio_device_bind_iommufd.minsz, iommufd: iommufd.fd });
    try {
      b.ioctl(fd, DEVICE_IOCTLS.VFIO_DEVICE_BIND_IOMMUFD, arg.subarray(0, vfio_device_bind_iommufd.minsz));
    } catch (e) {
      if (e instanceof SyscallError && e.code === "EBUSY") {
        throw new BusyError(`cannot bind ${node}: ${name}'s IOMMU group is held through its group node`, undefined, undefined);
      }
      // Our arguments are valid, so EINVAL here is vfio_df_open's "the cdev path opens a device once".
      if (e instanceof SyscallError && e.code === "EINVAL") {
        throw new BusyError(
          `cannot bind ${node}: ${name} is already open through its cdev (VFIO_DEVICE_BIND_IOMMUFD: EINVAL)`,
          "wait for the other user to close it",
          undefined,
        );
      }
      throw new VfioError("VFIO_DEVICE_BIND_IOMMUFD", { device: name, cause: e });
    }
    return { device: new Device(b, fd, name), devid: vfio_device_bind_iommufd.decode(arg).out_devid };
  } catch (e) {
    try {
      b.close(fd);
    } catch {
      // closing an fd that failed to bind cannot fail in a way that matters more than the bind error
    }
    throw e;
  }
}

/**
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach a bound device to IOAS (or hardware page table) `ptId`. Returns the pt_id the
 * kernel reports back (for an IOAS: the automatically created hardware page table).
 * @throws VfioError EINVAL (not bound), ENOENT (no such object), EADDRINUSE (existing mappings clash with the
 *   device's reserved regions or page size)
 */
export function attachIommufdPt(b: KernelBoundary, device: Device, ptId: number): number {
  const arg = vfio_device_attach_iommufd_pt.encode({ argsz: vfio_device_attach_iommufd_pt.minsz, pt_id: ptId });
  const view = arg.subarray(0, vfio_device_attach_iommufd_pt.minsz);
  vfioIoctl(b, device.fd, DEVICE_IOCTLS.VFIO_DEVICE_ATTACH_IOMMUFD_PT, view, `VFIO_DEVICE_ATTACH_IOMMUFD_PT ${ptId}`, device.name);
  return vfio_device_attach_iommufd_pt.decode(arg).pt_id;
}
