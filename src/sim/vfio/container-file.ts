// The container file (/dev/vfio/vfio, vfio_fops): open makes an empty IOMMU context, ioctl goes to
// container-ioctls.ts with what it needs from the board, and the context goes away once its fd is closed and no
// group is attached any more (the type1 domain and its mappings with it).
import type { SimKernel } from "../kernel/sim-kernel.ts";
import { type1Pgsizes } from "../iommu/smmu-profile.ts";
import { groupMembers } from "../sysfs/driver-core.ts";
import { containerIoctl } from "./container-ioctls.ts";
import type { ContainerFile } from "./vfio-files.ts";

/** open("/dev/vfio/vfio"): always works. */
export function openContainer(k: SimKernel): number {
  return k.fds.add((fd) => ({ kind: "container", fd, groups: new Set(), closed: false }));
}

/** ioctl on a container fd. @throws Errno */
export function containerFileIoctl(k: SimKernel, c: ContainerFile, request: number, arg: Uint8Array | number): number {
  return containerIoctl(
    c,
    {
      hasIommu: k.board.iommu !== "none",
      iommuOf: (groups) => type1Iommu(k, groups),
      noiommuEnabled: () => k.store.read().params["vfio.enable_unsafe_noiommu_mode"] === "Y",
      dmaEntryLimit: () => Number(k.store.read().params["vfio_iommu_type1.dma_entry_limit"] ?? 65535),
      vaddrOk: (vaddr, size, write) => k.pinned(vaddr, Number(size), write),
    },
    request,
    arg,
  );
}

/**
 * What the SMMUs in front of the groups' devices give a type1 container: the smallest input size, and the page sizes
 * every domain has (vfio_update_pgsize_bitmap ANDs them), folded to the CPU page as type1 does.
 */
function type1Iommu(k: SimKernel, groups: number[]): { ias: number; pgsizes: bigint } {
  const s = k.store.read();
  const configs = groups.flatMap((g) => groupMembers(s, g).map((d) => k.smmuFor(d)?.config));
  const known = configs.filter((c) => c !== undefined);
  if (known.length === 0 && k.smmu) known.push(k.smmu.config);
  let ias = 64;
  let pgsizes = -1n;
  for (const c of known) {
    if (c.ias < ias) ias = c.ias;
    pgsizes &= c.pgsizes;
  }
  if (known.length === 0) return { ias: 48, pgsizes: type1Pgsizes(0x4020_1000n, k.pageSize) };
  return { ias, pgsizes: type1Pgsizes(pgsizes, k.pageSize) };
}

/** close() of the container fd. */
export function closeContainer(c: ContainerFile): void {
  c.closed = true;
  releaseContainer(c);
}

/** The IOMMU context goes with the fd's close once no group holds it. */
export function releaseContainer(c: ContainerFile): void {
  if (c.closed && c.groups.size === 0) c.iommu = undefined;
}
