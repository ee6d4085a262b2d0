// dma-test on noiommu: every way out (done, timeout, fault, mismatch, signal) kills the channel before the buffers are
// freed, but a DMAC that does not stop would then copy into pages the kernel reuses. So right before the buffers go,
// the channel's state is read once more: not Stopped (or unreadable) means reset the device, or warn (QuiesceBeforeFree).
import type { ChannelStatus } from "../../drivers/pl330/faults.ts";
import type { QuiesceBeforeFree } from "../script/quiesce-before-free.ts";

/**
 * A hook for the plan's release: on noiommu, when `status()` does not say Stopped (or throws), quiesce the device.
 * Behind an IOMMU nothing is read: unmapping cuts the DMAC off the pages.
 */
export function stopBeforeFree(noiommu: boolean, status: () => ChannelStatus, quiesce: QuiesceBeforeFree): () => void {
  return () => {
    if (!noiommu) return;
    let stopped: boolean;
    try {
      stopped = status().state.name === "Stopped";
    } catch {
      stopped = false;
    }
    if (!stopped) quiesce.beforeFree();
  };
}
