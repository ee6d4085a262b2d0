// The mapping list both simulated DMA APIs keep (a type1 container's domain and an iommufd IOAS): live mappings
// sorted by IOVA and never overlapping, looked up by binary search (the SMMU asks on every DMA burst), plus the IOVA
// spans that ever had page tables. io-pgtable-arm keeps intermediate tables after an unmap of the pages below them,
// so a walk after UNMAP still reaches the last level there; the SMMU model reads fault levels from this.
import type { DmaMapEntry } from "../vfio/type1-domain.ts";
import type { PageTable } from "./page-table.ts";

export class IovaMappings implements PageTable {
  /** Sorted by iova, never overlapping. */
  private readonly entries: DmaMapEntry[] = [];
  /** IOVA spans [start, end) that were ever mapped, merged and sorted. */
  private readonly populated: { start: bigint; end: bigint }[] = [];

  get mappings(): readonly DmaMapEntry[] {
    return this.entries;
  }

  /** Insert a mapping the caller has checked does not overlap; `populate` records its page tables as built. */
  insert(e: DmaMapEntry, populate = true): void {
    this.entries.splice(this.indexAfter(e.iova), 0, { ...e });
    if (populate) this.notePopulated(e.iova, e.iova + e.size);
  }

  /** Remove the mapping at index `i` of `mappings`. */
  removeAt(i: number): void {
    this.entries.splice(i, 1);
  }

  /** Remove every mapping; returns the bytes they covered. Page tables stay "built". */
  clear(): bigint {
    const total = this.entries.reduce((a, m) => a + m.size, 0n);
    this.entries.length = 0;
    return total;
  }

  /** A mapping overlapping [iova, iova+size), if any. */
  find(iova: bigint, size: bigint): DmaMapEntry | undefined {
    const i = this.indexAfter(iova + size - 1n) - 1; // the last mapping starting at or before the range's last byte
    const m = this.entries[i];
    return m && iova < m.iova + m.size ? m : undefined;
  }

  /** The index in `mappings` of the mapping that contains `iova`, or -1. O(log n). */
  indexOf(iova: bigint): number {
    const i = this.indexAfter(iova) - 1;
    const m = this.entries[i];
    return m && iova < m.iova + m.size ? i : -1;
  }

  /** True when some IOVA in [start, end) was ever mapped (its page tables were built). */
  everMapped(start: bigint, end: bigint): boolean {
    return this.populated.some((p) => p.start < end && start < p.end);
  }

  /** Merge [start, end) into the sorted, disjoint `populated` list (touching spans join). */
  notePopulated(start: bigint, end: bigint): void {
    const spans = this.populated;
    let lo = 0;
    let hi = spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (spans[mid]!.end < start) lo = mid + 1;
      else hi = mid;
    }
    let last = lo;
    while (last < spans.length && spans[last]!.start <= end) {
      const p = spans[last++]!;
      if (p.start < start) start = p.start;
      if (p.end > end) end = p.end;
    }
    spans.splice(lo, last - lo, { start, end });
  }

  /** The first index whose mapping starts above `iova` (binary search). */
  private indexAfter(iova: bigint): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.iova <= iova) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
