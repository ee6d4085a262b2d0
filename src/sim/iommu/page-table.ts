// What an SMMU translation domain reads its page tables from: the mappings of a VFIO type1 container (Type1Domain) or
// of an iommufd IOAS (IoasTable). Both keep sorted, non-overlapping entries and remember which IOVA spans ever had
// page tables, so translation, permission checks and fault levels are the same whichever API made the mappings.
import type { DmaMapEntry } from "../vfio/type1-domain.ts";

export interface PageTable {
  /** Live mappings, sorted by iova, never overlapping. */
  readonly mappings: readonly DmaMapEntry[];
  /** The index in `mappings` of the mapping that contains `iova`, or -1. Called per DMA burst: keep it O(log n). */
  indexOf(iova: bigint): number;
  /** True when some IOVA in [start, end) was ever mapped (its page tables were built). */
  everMapped(start: bigint, end: bigint): boolean;
}
