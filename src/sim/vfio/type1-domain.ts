// The IOMMU context of a type1 container, with the kernel's rules for MAP_DMA and UNMAP_DMA (vfio_iommu_type1.c):
// page-size alignment, IOVA ranges with the Arm SMMU MSI window carved out, EEXIST on overlap, the DMA entry limit,
// and type1v2's refusal to split a mapping. Translation for simulated bus masters is looked up here (binary search:
// the SMMU asks on every DMA burst), and the domain remembers which IOVA spans ever had page tables (fault levels).
import { MSI_IOVA_BASE, MSI_IOVA_LENGTH } from "../../vfio/abi/constants.ts";
import { IovaMappings } from "../iommu/iova-mappings.ts";
import { fail } from "../kernel/errno.ts";
import { SMMU_PGSIZES } from "../iommu/smmu-profile.ts";

export interface DmaMapEntry {
  iova: bigint;
  size: bigint;
  vaddr: bigint;
  read: boolean;
  write: boolean;
}

export { SMMU_PGSIZES };
/** Allowed IOVA ranges (inclusive) of an IOMMU with `ias` input address bits: all of it minus the MSI window. */
export function iovaRanges(ias = 48): { start: bigint; end: bigint }[] {
  return [
    { start: 0n, end: MSI_IOVA_BASE - 1n },
    { start: MSI_IOVA_BASE + MSI_IOVA_LENGTH, end: (1n << BigInt(ias)) - 1n },
  ];
}

export class Type1Domain {
  /** The live mappings and the spans that ever had page tables (the SMMU reads fault levels from those). */
  private readonly table = new IovaMappings();

  /** What MAP_DMA accepts and GET_INFO reports: the SMMU's input address space minus the MSI window. */
  readonly ranges: { start: bigint; end: bigint }[];

  /** iova_pgsizes as GET_INFO reports it; MAP/UNMAP need alignment to its smallest size. */
  readonly pgsizes: bigint;

  constructor(
    private readonly entryLimit: () => number,
    ias = 48,
    pgsizes = SMMU_PGSIZES,
  ) {
    this.ranges = iovaRanges(ias);
    this.pgsizes = pgsizes;
  }

  get count(): number {
    return this.table.mappings.length;
  }
  get available(): number {
    return Math.max(0, this.entryLimit() - this.count);
  }
  get mappings(): readonly DmaMapEntry[] {
    return this.table.mappings;
  }

  /** MAP_DMA in the kernel's order of checks. `vaddrOk` decides EFAULT. @throws Errno */
  map(e: DmaMapEntry, vaddrOk: (vaddr: bigint, size: bigint, write: boolean) => boolean): void {
    const mask = (this.pgsizes & -this.pgsizes) - 1n;
    if ((!e.read && !e.write) || e.size === 0n || ((e.size | e.iova | e.vaddr) & mask) !== 0n) return fail("EINVAL");
    if (e.iova + e.size - 1n < e.iova || e.vaddr + e.size - 1n < e.vaddr) return fail("EINVAL");
    if (this.find(e.iova, e.size)) return fail("EEXIST");
    if (this.available === 0) return fail("ENOSPC");
    const last = e.iova + e.size - 1n;
    if (!this.ranges.some((r) => e.iova >= r.start && last <= r.end)) return fail("EINVAL");
    // Pinning reads (and, for device-writable maps, needs write access to) the user's pages.
    if (!vaddrOk(e.vaddr, e.size, e.write)) return fail("EFAULT");
    this.table.insert(e);
  }

  /** UNMAP_DMA [iova, iova+size) under type1v2 rules. Returns bytes unmapped. @throws Errno */
  unmap(iova: bigint, size: bigint): bigint {
    const mask = (this.pgsizes & -this.pgsizes) - 1n;
    if (size === 0n || ((iova | size) & mask) !== 0n || iova + size - 1n < iova) return fail("EINVAL");
    const first = this.find(iova, 1n);
    if (first && first.iova !== iova) return fail("EINVAL"); // would bisect a mapping at its start
    const last = this.find(iova + size - 1n, 1n);
    if (last && last.iova + last.size !== iova + size) return fail("EINVAL"); // ... or at its end
    let unmapped = 0n;
    const entries = this.table.mappings;
    for (let i = entries.length - 1; i >= 0; i--) {
      const m = entries[i]!;
      if (m.iova >= iova && m.iova + m.size <= iova + size) {
        unmapped += m.size;
        this.table.removeAt(i);
      }
    }
    return unmapped;
  }

  unmapAll(): bigint {
    return this.table.clear();
  }

  /** A mapping overlapping [iova, iova+size), if any. */
  find(iova: bigint, size: bigint): DmaMapEntry | undefined {
    return this.table.find(iova, size);
  }

  /** The index in `mappings` of the mapping that contains `iova`, or -1. O(log n): bus masters ask per burst. */
  indexOf(iova: bigint): number {
    return this.table.indexOf(iova);
  }

  /** True when some IOVA in [start, end) was ever mapped in this domain (its page tables were built). */
  everMapped(start: bigint, end: bigint): boolean {
    return this.table.everMapped(start, end);
  }
}
