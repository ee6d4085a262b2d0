// A DMA buffer: page-aligned process memory made visible to devices at an IOVA through an IOMMU address space (a
// type1 container or an iommufd IOAS: see dma-space.ts). The memory stays readable and writable by the program through
// `bytes`; the device sees it at `iova`.
import type { KernelBoundary, ProcessMemory } from "../boundary/kernel-boundary.ts";
import type { DmaPermissions, DmaSpace } from "./dma-space.ts";
import { UnsupportedError, InvalidArgumentError } from "./errors.ts";
import { findFreeIova } from "./iommu-info.ts";

export class DmaBuffer {
  private released = false;
  private constructor(
    private readonly space: DmaSpace,
    readonly memory: ProcessMemory,
    /** Where the device sees the buffer: an IOVA, so a bigint (pass it as is to Pl330Driver.memcpyStart). */
    readonly iova: bigint,
  ) {}

  /** The program's view of the buffer. */
  get bytes(): Uint8Array {
    return this.memory.bytes;
  }
  /** Length in bytes (page-rounded): a size inside the buffer, so a number. */
  get size(): number {
    return this.memory.length;
  }

  /**
   * Allocate `size` bytes (rounded up to the IOMMU page size) and map them at `iova`, or at the lowest free IOVA in
   * the ranges the IOMMU reports when `iova` is omitted.
   * @throws UnsupportedError on a noiommu container, InvalidArgumentError when no IOVA fits, VfioError from MAP_DMA / IOAS_MAP
   */
  static allocate(b: KernelBoundary, space: DmaSpace, size: number, perm: DmaPermissions, iova?: bigint): DmaBuffer {
    if (space.noiommu) {
      throw new UnsupportedError("noiommu containers cannot map DMA (no IOMMU to translate)",
        "use a device behind an IOMMU, or supply physical addresses yourself");
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
    return new DmaBuffer(space, memory, at);
  }

  /** `using buf = DmaBuffer.allocate(...)`: release() at the end of the scope. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** Unmap from the IOMMU, then free the memory. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      this.space.unmapDma(this.iova, BigInt(this.memory.length));
    } finally {
      this.memory.free();
    }
  }
}
