// Whose transaction an SMMU fault was: the device whose device-tree stream IDs (of_node/iommus, behind that SMMU)
// include the fault's stream ID, and for a PL330 which thread — channel n issues with its n-th stream ID and the
// manager with the last one, as Juno's DT lists them (pl330-smmu.md §1.1: AXI ID n per channel, the manager's last).
import type { HostDevice } from "./discovery.ts";

export interface StreamOwner {
  /** dev_name() of the master. */
  device: string;
  /** Position of the stream ID in the master's `iommus`. */
  index: number;
  /** For a PL330: "channel N" or "manager" (undefined when the master has a single stream ID or is no PL330). */
  thread?: string;
}

/** The master that owns `streamId` on SMMU `smmu`, or undefined when no device lists it. */
export function streamOwner(devices: readonly HostDevice[], smmu: string, streamId: number): StreamOwner | undefined {
  for (const d of devices) {
    if (d.iommu?.name !== smmu) continue;
    const ids = d.iommu.streamIds;
    const index = ids.indexOf(streamId);
    if (index < 0) continue;
    const owner: StreamOwner = { device: d.name, index };
    if (d.compatible.includes("arm,pl330") && ids.length > 1) owner.thread = index < ids.length - 1 ? `channel ${index}` : "manager";
    return owner;
  }
  return undefined;
}
