// A DMA buffer: page-aligned process memory made visible to devices at an IOVA through the container's IOMMU. The
// memory stays readable and writable by the program through `bytes`; the device sees it at `iova`.
import type { KernelBoundary, ProcessMemory } from "../boundary/kernel-boundary.ts";
import type { Container, DmaPermissions } from "./container.ts";
import { UnsupportedError, UsageError } from "./errors.ts";
import { findFreeIova } from "./iommu-info.ts";

export class DmaBuffer {
  private released = false;
  private constructor(
    private readonly container: Container,
    readonly memory: ProcessMemory,
    readonly iova: bigint,
  ) {}

  get bytes(): Uint8Array {
    return this.memory.bytes;
  }
  get size(): number {
    return this.memory.length;
  }

  /**
   * Allocate `size` bytes (rounded up to the IOMMU page size) and map them at `iova`, or at the lowest free IOVA in
   * the ranges the IOMMU reports when `iova` is omitted.
   * @throws UnsupportedError on a noiommu container, UsageError when no IOVA fits, VfioError from MAP_DMA
   */
  static allocate(b: KernelBoundary, container: Container, size: number, perm: DmaPermissions, iova?: bigint): DmaBuffer {
    if (container.noiommu) {
      throw new UnsupportedError("noiommu containers cannot map DMA (no IOMMU to translate)",
        "use a device behind an IOMMU, or supply physical addresses yourself");
    }
    const info = container.iommuInfo();
    const page = Number(info.minPageSize || BigInt(b.pageSize));
    const length = Math.ceil(Math.max(size, 1) / page) * page;
    const at =
      iova ??
      findFreeIova(info.iovaRanges ?? [{ start: 0n, end: (1n << 48n) - 1n }], BigInt(length), BigInt(page), container.mappings);
    if (at === undefined) throw new UsageError(`no free IOVA range of ${length} bytes`);
    const memory = b.allocMemory(length);
    try {
      container.mapMemory(memory, at, perm);
    } catch (e) {
      memory.free();
      throw e;
    }
    return new DmaBuffer(container, memory, at);
  }

  /** Unmap from the IOMMU, then free the memory. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      this.container.unmapDma(this.iova, BigInt(this.memory.length));
    } finally {
      this.memory.free();
    }
  }
}
