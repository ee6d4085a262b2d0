// The iommufd file (/dev/iommu): open (ENOENT when the board's kernel has no iommufd), ioctl through
// iommufd-ioctls.ts, and the context's lifetime: it lives while its fd is open or a device bound to it holds a
// reference.
import type { SimKernel } from "../kernel/sim-kernel.ts";
import type { BoardState } from "../state/board-state.ts";
import { iommufdAvailable } from "../sysfs/driver-core.ts";
import { fail } from "../kernel/errno.ts";
import { iommufdIoctl, type IommufdEnv, type IommufdFile } from "./iommufd-ioctls.ts";

/** open("/dev/iommu"). @throws Errno ENOENT without iommufd */
export function openIommufd(k: SimKernel, s: BoardState): number {
  if (!iommufdAvailable(s)) fail("ENOENT");
  return k.fds.add((fd) => ({ kind: "iommufd", fd, objects: new Map(), closed: false }));
}

/** ioctl on an iommufd. @throws Errno */
export function iommufdFileIoctl(k: SimKernel, f: IommufdFile, request: number, arg: Uint8Array | number): number {
  return iommufdIoctl(f, iommufdEnv(k), request, arg);
}

/** What the iommufd handlers need: the page size, and pinning / copy_to_user against this process's memory. */
export function iommufdEnv(k: SimKernel): IommufdEnv {
  return {
    pageSize: k.pageSize,
    isMapped: (address, length, write) => k.pinned(address, length, write),
    memoryAt: (address, length) => k.os.memoryAt(address, length),
  };
}

/** close() of the iommufd. */
export function closeIommufd(k: SimKernel, f: IommufdFile): void {
  f.closed = true;
  releaseIommufd(k, f);
}

/** An iommufd context lives while its fd is open or a device bound to it holds a reference. */
export function releaseIommufd(k: SimKernel, f: IommufdFile): void {
  if (!f.closed) return;
  for (const c of k.boundCdevs.values()) if (c.bound?.iommufd === f) return;
  f.objects.clear();
}
