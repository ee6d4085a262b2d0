// What DMA mapping needs from an IOMMU context, whichever way the device was opened: a type1 container (the legacy
// group path) or an iommufd IOAS (the cdev path). DmaBuffer, the run script's `dma` verbs and dma-test use only this,
// so they work through both.
import type { ProcessMemory } from "../boundary/kernel-boundary.ts";
import type { IovaRange } from "./iommu-info.ts";

/** Device access rights for a DMA mapping: may the device read the memory, write it, or both. */
export interface DmaPermissions {
  read: boolean;
  write: boolean;
}

/** One live DMA mapping made through a DmaSpace. */
export interface DmaMapping {
  vaddr: bigint;
  iova: bigint;
  size: bigint;
  read: boolean;
  write: boolean;
}

/** Drop from `live` (in place) the mappings wholly inside [iova, iova+size): what a successful unmap removed. */
export function forgetMappingsWithin(live: DmaMapping[], iova: bigint, size: bigint): void {
  const end = iova + size;
  for (let i = live.length - 1; i >= 0; i--) {
    const m = live[i]!;
    if (m.iova >= iova && m.iova + m.size <= end) live.splice(i, 1);
  }
}

/** Where mappings may go and in what unit. */
export interface DmaWindow {
  /** Alignment of IOVA, size and process address (the IOMMU's smallest page, at least the CPU page). */
  pageSize: bigint;
  /** Usable IOVA ranges, inclusive; undefined when the kernel does not say. */
  iovaRanges?: IovaRange[];
}

/** An IOMMU address space that process memory can be mapped into for a device's DMA. */
export interface DmaSpace {
  /** "type1": a VFIO container; "iommufd": an IOAS on /dev/iommu. */
  readonly kind: "type1" | "iommufd";
  /** True when there is no IOMMU to translate (noiommu container): nothing can be mapped. */
  readonly noiommu: boolean;
  /** Page size and usable IOVA ranges, asked of the kernel. @throws VfioError */
  dmaWindow(): DmaWindow;
  /**
   * Map all of `mem` at `iova`. @throws VfioError EINVAL (alignment, reserved range), EEXIST (overlap), and the
   * backend's other refusals
   */
  mapMemory(mem: ProcessMemory, iova: bigint, perm: DmaPermissions): DmaMapping;
  /** Unmap [iova, iova+size); returns the bytes the kernel reports unmapped. @throws VfioError */
  unmapDma(iova: bigint, size: bigint): bigint;
  /** The mappings made through this object and not yet unmapped. */
  readonly mappings: readonly DmaMapping[];
}
