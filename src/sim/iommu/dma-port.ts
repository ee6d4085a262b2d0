// A device's path to memory (the DmaPort its model is given), decided afresh at every access from what VFIO has set
// up in this process, so attaching, detaching and UNMAP_DMA take effect at once. Only a type1 domain translates; every
// other state aborts the transaction (see deviceDmaPort for what each one means).
import type { BusAccess, BusFault, DmaPort } from "../devices/device-model.ts";
import type { PhysicalMemory } from "../kernel/physical-memory.ts";
import type { PageTable } from "./page-table.ts";
import type { Smmu } from "./smmu.ts";

/**
 * What VFIO has attached the device to, in this process: its group's type1 container, or (cdev path) the IOAS it is
 * attached to — both translate through `domain`.
 */
export type IommuAttachment = { kind: "blocked" } | { kind: "noiommu" } | { kind: "type1"; domain: PageTable };

function abort(a: BusAccess): { views: Uint8Array[]; fault: BusFault } {
  return { views: [], fault: { kind: "blocked", address: a.address } };
}

/**
 * The DmaPort of one device. `attachment` is asked at every access (it must be cheap: a few map lookups); `smmu` is
 * the SMMU in front of the device, undefined when none is; `streamIds` the device's DT stream IDs, if any.
 *  - type1 container, or an IOAS the device's cdev is attached to: the SMMU translates through its mappings
 *    (smmu-domain.ts);
 *  - no container, or no IOMMU set yet (device bound, not attached; a cdev bound but not attached to an IOAS, or
 *    detached): the stream is blocked, every access aborts,
 *    nothing is recorded (arm-smmu-v3 gives such a stream an abort STE, which records no event);
 *  - noiommu container, a board without IOMMU, or the SMMU profile "bypass" (a container set): the device drives
 *    *physical* addresses into `physical`, the simulated kernel's RAM: pinned pages of this process are reached, any
 *    other address is a decode error (kind "decode", DECERR), recorded nowhere (no IOMMU to record it). Without
 *    `physical` every such access is a decode error.
 */
export function deviceDmaPort(
  smmu: Smmu | undefined,
  attachment: () => IommuAttachment,
  streamIds?: readonly number[],
  physical?: PhysicalMemory,
): DmaPort {
  const translating = smmu !== undefined && smmu.config.rules.stage !== 0;
  const first = streamIds?.[0];
  return {
    access(a: BusAccess) {
      if (!(a.length > 0)) return { views: [] };
      const at = attachment();
      if (at.kind === "blocked") return abort(a);
      if (at.kind === "noiommu" || !translating) {
        return physical ? physical.access(a) : { views: [], fault: { kind: "decode", address: a.address } };
      }
      // A model that knows the master's stream IDs (the PL330: one per channel and the manager's) issues them; any
      // other transaction of a master with DT stream IDs carries its first one.
      const tx = first === undefined || streamIds!.includes(a.streamId) ? a : { ...a, streamId: first };
      return smmu.domainFor(at.domain).access(tx);
    },
  };
}
