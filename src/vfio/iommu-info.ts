// What the IOMMU behind a type1 container offers: page sizes, usable IOVA ranges (the MSI window carved out) and how
// many more DMA mappings may be created. Decoded from VFIO_IOMMU_GET_INFO and its capability chain.
import {
  VFIO_IOMMU_INFO_CAPS,
  VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
  VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
  VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
} from "./abi/constants.ts";
import { walkCapabilities } from "./abi/capability-chain.ts";
import {
  vfio_iommu_type1_info,
  vfio_iommu_type1_info_cap_iova_range,
  vfio_iommu_type1_info_cap_migration,
  vfio_iommu_type1_info_dma_avail,
  vfio_iova_range,
} from "./abi/structs.ts";

/** An inclusive IOVA range [start, end]. */
export interface IovaRange {
  start: bigint;
  end: bigint;
}

export interface IommuInfo {
  flags: number;
  /** Bitmap of supported IOMMU page sizes (bit n set = 2^n bytes). */
  pageSizes: bigint;
  /** The smallest page size: MAP_DMA alignment unit. */
  minPageSize: bigint;
  /** Usable IOVA ranges; undefined when the kernel reports no IOVA_RANGE capability. */
  iovaRanges?: IovaRange[];
  /** How many more MAP_DMA entries may be created. */
  dmaAvailable?: number;
  migration?: { flags: number; pgsizeBitmap: bigint; maxDirtyBitmapSize: bigint };
}

/** Decode a complete VFIO_IOMMU_GET_INFO reply (header + capabilities). */
export function decodeIommuInfo(reply: Uint8Array): IommuInfo {
  const h = vfio_iommu_type1_info.decode(reply);
  const pageSizes = h.iova_pgsizes;
  const info: IommuInfo = { flags: h.flags, pageSizes, minPageSize: pageSizes & -pageSizes };
  if ((h.flags & VFIO_IOMMU_INFO_CAPS) === 0 || !h.cap_offset) return info;
  for (const cap of walkCapabilities(reply, h.cap_offset)) {
    if (cap.id === VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
      const c = vfio_iommu_type1_info_cap_iova_range.decode(reply, cap.offset);
      const ranges: IovaRange[] = [];
      for (let i = 0; i < c.nr_iovas; i++) {
        const r = vfio_iova_range.decode(reply, cap.offset + vfio_iommu_type1_info_cap_iova_range.size + i * vfio_iova_range.size);
        ranges.push({ start: r.start, end: r.end });
      }
      info.iovaRanges = ranges;
    } else if (cap.id === VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
      info.dmaAvailable = vfio_iommu_type1_info_dma_avail.decode(reply, cap.offset).avail;
    } else if (cap.id === VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
      const m = vfio_iommu_type1_info_cap_migration.decode(reply, cap.offset);
      info.migration = { flags: m.flags, pgsizeBitmap: m.pgsize_bitmap, maxDirtyBitmapSize: m.max_dirty_bitmap_size };
    }
  }
  return info;
}

/**
 * Pick the lowest IOVA of `size` bytes, aligned to `align`, that lies inside one reported range and does not overlap
 * `taken`. Returns undefined when nothing fits. Never hard-code IOVAs: ranges differ between IOMMUs.
 */
export function findFreeIova(
  ranges: readonly IovaRange[],
  size: bigint,
  align: bigint,
  taken: readonly { iova: bigint; size: bigint }[] = [],
): bigint | undefined {
  const busy = [...taken].sort((a, b) => (a.iova < b.iova ? -1 : 1));
  for (const r of ranges) {
    let candidate = alignUp(r.start === 0n ? align : r.start, align); // IOVA 0 is legal but a poor choice: NULL-like
    for (const t of busy) {
      if (candidate + size <= t.iova) break;
      if (t.iova + t.size > candidate) candidate = alignUp(t.iova + t.size, align);
    }
    if (candidate + size - 1n <= r.end) return candidate;
  }
  return undefined;
}

function alignUp(x: bigint, a: bigint): bigint {
  return ((x + a - 1n) / a) * a;
}
