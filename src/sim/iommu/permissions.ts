// What a VFIO type1 mapping allows, per translation stage, from the page-table bits Linux writes for IOMMU_READ /
// IOMMU_WRITE (pl330-smmu.md §2.3): stage 1 sets AP[1]=1 always and AP[2]=1 only for READ-only maps, XN/PXN clear;
// stage 2 sets S2AP read/write exactly as mapped, XN clear, with no privilege distinction.
import type { BusAccess } from "../devices/device-model.ts";
import type { DmaMapEntry } from "../vfio/type1-domain.ts";

/**
 * Whether `a` may use a page of mapping `m` at translation stage `stage`. Stage 1: a WRITE-only map is read-write,
 * and a page writable at EL0 is implicitly privileged-execute-never (VMSAv8), so a privileged instruction fetch from
 * a READ|WRITE map is a permission fault (the PL330 channel-fetch pitfall). Stage 2: reads and fetches need READ,
 * writes need WRITE.
 */
export function permits(stage: 1 | 2, m: DmaMapEntry, a: BusAccess): boolean {
  if (stage === 2) return a.write ? m.write : m.read; // instruction fetches are reads; XN is clear
  const writable = m.write; // AP[2] = 0
  if (a.write) return writable;
  // Every mapped page is readable at stage 1 (a WRITE-only map cannot be expressed and becomes read-write).
  if (a.instruction && a.privileged && writable) return false; // EL0-writable => PXN (VMSAv8 implicit rule)
  return true;
}
