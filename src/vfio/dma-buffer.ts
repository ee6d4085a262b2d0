// A DMA buffer: page-aligned process memory a device can reach. Behind an IOMMU (a type1 container or an iommufd IOAS:
// see dma-space.ts) it is mapped at an IOVA; on a noiommu container it is pinned memory the device sees at its
// physical addresses (pinned-dma.ts). Either way the program reads and writes it through `bytes`, the device sees
// byte 0 at `iova` and the whole buffer as the runs in `segments`.
import type { KernelBoundary, ProcessMemory } from "../boundary/kernel-boundary.ts";
import type { DmaPermissions, DmaSpace } from "./dma-space.ts";
import { InvalidArgumentError } from "./errors.ts";
import type { SmallPagesReason } from "./huge-pages.ts";
import { findFreeIova } from "./iommu-info.ts";
import type { DmaSegment } from "./physical-address.ts";
import { allocatePinned } from "./pinned-dma.ts";

export type { DmaSegment } from "./physical-address.ts";

/** Options of DmaBuffer.allocate. */
export interface DmaBufferOptions {
  /**
   * noiommu only: the device needs the buffer as one physically contiguous run (default true). false: `segments`
   * may hold several runs (a device that can scatter, or a caller that splits its work per run).
   */
  contiguous?: boolean;
}

/** How a noiommu buffer is pinned: huge pages of `pageSize`, or locked small pages (with why, the warning's facts). */
export type Pinning = { pages: "huge"; pageSize: number } | { pages: "locked"; pageSize: number; why: SmallPagesReason };

export class DmaBuffer {
  private released = false;
  private constructor(
    private readonly unmap: (() => void) | undefined,
    readonly memory: ProcessMemory,
    /** Where the device sees byte 0: an IOVA, or the physical address on noiommu (pass it as is to Pl330Driver). */
    readonly iova: bigint,
    /** The device-visible runs: one for an IOMMU mapping; one per physically contiguous run on noiommu. */
    readonly segments: readonly DmaSegment[],
    /** noiommu only: how the memory is pinned. `pages: "locked"` is worth a warning (the kernel may migrate them). */
    readonly pinning?: Pinning,
  ) {}

  /** The program's view of the buffer. */
  get bytes(): Uint8Array {
    return this.memory.bytes;
  }
  /** Length in bytes (page-rounded): a size inside the buffer, so a number. */
  get size(): number {
    return this.memory.length;
  }
  /** True when the device sees `iova` as a physical address (a noiommu buffer). */
  get physical(): boolean {
    return this.pinning !== undefined;
  }

  /**
   * Allocate `size` bytes. Behind an IOMMU: rounded up to the IOMMU page and mapped at `iova`, or at the lowest free IOVA
   * in the ranges the IOMMU reports. On noiommu: pinned memory (huge pages when a pool has enough, else locked small
   * pages), at its physical address; `perm` cannot be enforced there (nothing translates) and `iova` cannot be chosen.
   * @throws InvalidArgumentError (no IOVA fits; an `iova` given on noiommu), VfioError from MAP_DMA / IOAS_MAP;
   *   noiommu: PhysicallyDiscontiguousError (contiguous asked, several runs), PagemapHiddenError (no CAP_SYS_ADMIN),
   *   PageNotResidentError, SyscallError (mlock ENOMEM/EPERM past RLIMIT_MEMLOCK, pagemap)
   */
  static allocate(b: KernelBoundary, space: DmaSpace, size: number, perm: DmaPermissions, iova?: bigint, opts: DmaBufferOptions = {}): DmaBuffer {
    if (space.noiommu) {
      if (iova !== undefined) {
        throw new InvalidArgumentError(
          `a noiommu buffer cannot be placed at 0x${iova.toString(16)}: the device sees its physical address, which the kernel chooses`,
        );
      }
      const p = allocatePinned(b, size, opts.contiguous ?? true);
      return new DmaBuffer(undefined, p.memory, p.segments[0]!.address, p.segments, p.pinning);
    }
    const window = space.dmaWindow();
    const page = Number(window.pageSize);
    const length = Math.ceil(Math.max(size, 1) / page) * page;
    const at =
      iova ??
      findFreeIova(window.iovaRanges ?? [{ start: 0n, end: (1n << 48n) - 1n }], BigInt(length), BigInt(page), space.mappings);
    if (at === undefined) throw new InvalidArgumentError(`no free IOVA range of ${length} bytes`);
    const memory = b.allocMemory(length);
    try {
      space.mapMemory(memory, at, perm);
    } catch (e) {
      memory.free();
      throw e;
    }
    return new DmaBuffer(() => space.unmapDma(at, BigInt(length)), memory, at, [{ offset: 0, address: at, length }]);
  }

  /** `using buf = DmaBuffer.allocate(...)`: release() at the end of the scope. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** Unmap from the IOMMU (noiommu: nothing to unmap), then free (unlock) the memory. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      this.unmap?.();
    } finally {
      this.memory.free();
    }
  }
}
