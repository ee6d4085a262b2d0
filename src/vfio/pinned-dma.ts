// The noiommu side of DmaBuffer.allocate: pinned memory (huge pages when a pool has enough free, else small pages
// locked with mlock) and its physical runs from /proc/self/pagemap. A buffer that must be one physically contiguous run
// and is not is refused here, its memory freed.
import type { KernelBoundary, ProcessMemory } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import type { Pinning } from "./dma-buffer.ts";
import { PhysicallyDiscontiguousError } from "./errors.ts";
import { chooseHugePages } from "./huge-pages.ts";
import { physicalSegments, type DmaSegment } from "./physical-address.ts";

/**
 * Pinned memory for `size` bytes and where the device sees it.
 * @throws PhysicallyDiscontiguousError, PagemapHiddenError, PageNotResidentError, SyscallError (see DmaBuffer.allocate)
 */
export function allocatePinned(b: KernelBoundary, size: number, contiguous: boolean): { memory: ProcessMemory; segments: DmaSegment[]; pinning: Pinning } {
  const length = Math.max(size, 1);
  const choice = chooseHugePages(b, length);
  let memory: ProcessMemory | undefined;
  let pinning: Pinning | undefined;
  if ("pageSize" in choice) {
    try {
      memory = b.allocPinnedMemory(length, choice.pageSize);
      pinning = { pages: "huge", pageSize: choice.pageSize };
    } catch (e) {
      // The pool emptied between the look and the mmap (another process took pages): small pages after all.
      if (!(e instanceof SyscallError && e.code === "ENOMEM")) throw e;
    }
  }
  if (!memory) {
    memory = b.allocPinnedMemory(length);
    const why = "pageSize" in choice ? { reason: "pool-short" as const, hugePageSize: choice.pageSize } : choice;
    pinning = { pages: "locked", pageSize: b.pageSize, why };
  }
  try {
    const stride = pinning!.pages === "huge" ? pinning!.pageSize : b.pageSize;
    const segments = physicalSegments(b, memory.address, memory.length, stride);
    if (contiguous && segments.length > 1) {
      const longestRun = Math.max(...segments.map((s) => s.length));
      throw new PhysicallyDiscontiguousError(
        `a ${memory.length}-byte DMA buffer must be physically contiguous, but its pages lie in ${segments.length} separate runs (the longest ${longestRun} bytes)`,
        { size: memory.length, runs: segments.length, longestRun, hugePageSize: pinning!.pages === "huge" ? pinning!.pageSize : 0 },
      );
    }
    return { memory, segments, pinning: pinning! };
  } catch (e) {
    memory.free();
    throw e;
  }
}
