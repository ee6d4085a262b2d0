// An iommufd context (/dev/iommu): the owner of IO address spaces (IOAS) and of the device bindings made with
// VFIO_DEVICE_BIND_IOMMUFD. Objects (IOAS, bound devices, hardware page tables) share one id space per context; closing
// the fd destroys them all.
import type { Fd, KernelBoundary } from "../boundary/kernel-boundary.ts";
import { O_CLOEXEC, O_RDWR } from "../boundary/kernel-boundary.ts";
import { IOMMUFD_IOCTLS } from "./abi/ioctls.ts";
import { iommu_destroy, iommu_ioas_alloc } from "./abi/structs.ts";
import { VfioError } from "./errors.ts";
import { Ioas } from "./ioas.ts";
import { closeOwnedFd, vfioIoctl } from "./ioctl-call.ts";

export const IOMMUFD_PATH = "/dev/iommu";

export class IommuFd {
  private closed = false;

  private constructor(
    private readonly b: KernelBoundary,
    readonly fd: Fd,
    readonly path: string,
  ) {}

  /** open("/dev/iommu"). @throws VfioError (ENOENT: the kernel has no CONFIG_IOMMUFD; EACCES: permissions) */
  static open(b: KernelBoundary, path = IOMMUFD_PATH): IommuFd {
    try {
      return new IommuFd(b, b.open(path, O_RDWR | O_CLOEXEC), path);
    } catch (e) {
      throw new VfioError(`cannot open ${path}`, { cause: e });
    }
  }

  /** IOMMU_IOAS_ALLOC: a new, empty IO address space. @throws VfioError */
  allocIoas(): Ioas {
    const arg = iommu_ioas_alloc.encode({ size: iommu_ioas_alloc.size });
    vfioIoctl(this.b, this.fd, IOMMUFD_IOCTLS.IOMMU_IOAS_ALLOC, arg, "IOMMU_IOAS_ALLOC");
    return new Ioas(this.b, this, iommu_ioas_alloc.decode(arg).out_ioas_id);
  }

  /** IOMMU_DESTROY of object `id`. @throws VfioError EBUSY (still in use, e.g. an IOAS a device is attached to), ENOENT */
  destroy(id: number): void {
    const arg = iommu_destroy.encode({ size: iommu_destroy.size, id });
    vfioIoctl(this.b, this.fd, IOMMUFD_IOCTLS.IOMMU_DESTROY, arg, `IOMMU_DESTROY ${id}`);
  }

  /** Close the context: every IOAS and mapping made through it goes with it. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeOwnedFd(this.b, this.fd);
  }
}
