// Hand-made physical-address DMA buffers for tests of DMA without an IOMMU: pinned memory from the boundary and the
// physical address of each page from /proc/self/pagemap, read the way the library reads it (open + pread of one
// 8-byte entry per page). No DmaBuffer: these tests exercise the simulator's physical memory on its own.
import { O_RDONLY, type KernelBoundary, type ProcessMemory } from "../../src/boundary/kernel-boundary.ts";

export interface PinnedBuffer {
  mem: ProcessMemory;
  /** Physical address of each page (of `pageSize` bytes). */
  pages: bigint[];
  /** Physical address of byte 0. */
  pa: bigint;
  /** Every page follows the one before it physically. */
  contiguous: boolean;
}

/** The physical addresses of [address, address+length) page by page, from /proc/self/pagemap. */
export function pagemapAddresses(b: KernelBoundary, address: bigint, length: number, pageSize = 4096): bigint[] {
  const fd = b.open("/proc/self/pagemap", O_RDONLY);
  try {
    const out: bigint[] = [];
    const entry = new Uint8Array(8);
    const view = new DataView(entry.buffer);
    for (let off = 0; off < length; off += pageSize) {
      const vaddr = address + BigInt(off);
      b.pread(fd, entry, Number(vaddr / BigInt(pageSize)) * 8);
      const e = view.getBigUint64(0, true);
      if ((e >> 63n) === 0n) throw new Error(`page at 0x${vaddr.toString(16)} is not present`);
      out.push((e & ((1n << 55n) - 1n)) * BigInt(pageSize));
    }
    return out;
  } finally {
    b.close(fd);
  }
}

/** `length` bytes of pinned memory (huge pages of `hugePageSize` when given) with its physical pages. */
export function pinnedBuffer(b: KernelBoundary, length: number, hugePageSize?: number): PinnedBuffer {
  const mem = b.allocPinnedMemory(length, hugePageSize);
  const pages = pagemapAddresses(b, mem.address, mem.length);
  const contiguous = pages.every((p, i) => i === 0 || p === pages[i - 1]! + 4096n);
  return { mem, pages, pa: pages[0]!, contiguous };
}
