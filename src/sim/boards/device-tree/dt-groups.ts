// IOMMU groups of a device tree's masters, in the order Linux probes them (masters with a driver at boot, in populate
// order; the others when something binds them, as of_dma_configure runs at probe). arm-smmu (v1/v2) puts masters
// that share a stream-match entry in one group and refuses a master whose entries already sit in two groups;
// arm-smmu-v3 refuses a master whose stream ID another master already holds ("stream %u already in tree").
import { SMMU_PROFILES } from "../../iommu/smmu-profile.ts";
import type { SmmuSpec } from "../board-spec.ts";

/** One master behind an SMMU, as the grouping sees it. */
export interface GroupingMaster {
  smmu: SmmuSpec;
  /** Its stream IDs for that SMMU, in DT order (repeats allowed). */
  streamIds: readonly number[];
  /** A driver probes it at boot (its group exists from boot); else it joins at its first probe. */
  probedAtBoot: boolean;
}

/**
 * The group number of each master (by index), or undefined for a master the SMMU driver refuses (it then has no IOMMU).
 * Groups are numbered from 0 in the order they are created. Stream IDs are compared whole (stream-match masks are not
 * modelled).
 */
export function assignGroups(masters: readonly GroupingMaster[]): (number | undefined)[] {
  const out: (number | undefined)[] = masters.map(() => undefined);
  const order = masters.map((_, i) => i);
  order.sort((a, b) => Number(masters[b]!.probedAtBoot) - Number(masters[a]!.probedAtBoot) || a - b);
  // Per SMMU: stream ID -> the group of the master that holds it.
  const taken = new Map<SmmuSpec, Map<number, number>>();
  let next = 0;
  for (const i of order) {
    const m = masters[i]!;
    const held = taken.get(m.smmu) ?? new Map<number, number>();
    taken.set(m.smmu, held);
    const sids = [...new Set(m.streamIds)];
    const groups = new Set(sids.filter((s) => held.has(s)).map((s) => held.get(s)!));
    let group: number;
    if (SMMU_PROFILES[m.smmu.profile]?.driver === "arm-smmu") {
      // arm_smmu_device_group: the group of a shared entry; entries in two different groups: -EINVAL.
      if (groups.size > 1) continue;
      group = groups.size === 1 ? [...groups][0]! : next++;
    } else {
      // arm_smmu_insert_master: a stream ID already in the tree from another master: -EINVAL, no IOMMU.
      if (groups.size > 0) continue;
      group = next++;
    }
    for (const s of sids) held.set(s, group);
    out[i] = group;
  }
  return out;
}
