// Why the IOMMU refused a DMA mapping at a fixed IOVA, in words: off the IOMMU page, in a reserved gap of the IOVA
// space (the MSI window), or over a live mapping. The kernel answers only EINVAL or EEXIST; a script error adds this.
import type { DmaMapping, DmaWindow } from "../../vfio/dma-space.ts";

/** True when [a, a+aSize) and [b, b+bSize) share a byte. */
function overlaps(a: bigint, aSize: bigint, b: bigint, bSize: bigint): boolean {
  return a < b + bSize && b < a + aSize;
}

/**
 * Why `length` bytes cannot be mapped at `iova` in `window` next to the `live` mappings, or undefined when they can:
 * an IOVA not aligned to the IOMMU page, a range outside the usable IOVA ranges (the holes are reserved, e.g. the MSI
 * window), or an overlap with a live mapping (`nameOf` names its buffer). The kernel would answer EINVAL or EEXIST;
 * this says which and why.
 */
export function dmaPlacementProblem(
  window: DmaWindow,
  live: readonly DmaMapping[],
  iova: bigint,
  length: bigint,
  nameOf: (m: DmaMapping) => string | undefined = () => undefined,
): string | undefined {
  const at = `IOVA 0x${iova.toString(16)}`;
  if (iova % window.pageSize !== 0n) {
    return `${at} is not aligned to the IOMMU page size 0x${window.pageSize.toString(16)} (try 0x${(iova - (iova % window.pageSize)).toString(16)})`;
  }
  const last = iova + length - 1n;
  const ranges = window.iovaRanges;
  if (ranges !== undefined && !ranges.some((r) => iova >= r.start && last <= r.end)) {
    const usable = ranges.map((r) => `0x${r.start.toString(16)}-0x${r.end.toString(16)}`).join(", ");
    return `${at}-0x${last.toString(16)} is outside the usable IOVA ranges (${usable}); the gaps are reserved (e.g. the MSI window)`;
  }
  const hit = live.find((m) => overlaps(iova, length, m.iova, m.size));
  if (hit) {
    const name = nameOf(hit);
    return `${at}-0x${last.toString(16)} overlaps ${name !== undefined ? `buffer '${name}'` : "the mapping"} at IOVA 0x${hit.iova.toString(16)}-0x${(hit.iova + hit.size - 1n).toString(16)}`;
  }
  return undefined;
}

/** Bytes a `dma map` of `size` takes: rounded up to the IOMMU page, as DmaBuffer.allocate does. */
export function mappedLength(size: number, window: DmaWindow): bigint {
  const page = window.pageSize;
  const n = BigInt(Math.max(size, 1));
  return ((n + page - 1n) / page) * page;
}
