// Physical addresses of this process's pages, read from /proc/self/pagemap through the boundary: what a device behind
// no IOMMU must be given. One 64-bit entry per page at offset (vaddr / pageSize) * 8: bit 63 present, bit 62 swapped,
// bits 0-54 the page frame number (read as 0 by a process without CAP_SYS_ADMIN).
import { O_RDONLY, type KernelBoundary } from "../boundary/kernel-boundary.ts";
import { PAGEMAP_ENTRY_BYTES, PAGEMAP_PATH, PM_PFRAME_MASK, PM_PRESENT, PM_SWAP } from "./abi/pagemap.ts";
import { PageNotResidentError, PagemapHiddenError } from "./errors.ts";

export { PAGEMAP_PATH };

/** One run of a buffer the device sees at consecutive addresses: `length` bytes from `offset` are at `address`. */
export interface DmaSegment {
  offset: number;
  address: bigint;
  length: number;
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

/**
 * The device-visible runs of `length` bytes of process memory at `address` (page-aligned), pages merged where they
 * are physically adjacent. `stride` is the size of the blocks known to be physically contiguous (a huge page; the CPU
 * page by default): one pagemap entry is read per block.
 * @throws PagemapHiddenError (a PFN read as 0: no CAP_SYS_ADMIN), PageNotResidentError (a page not present or
 *   swapped), SyscallError from open/pread of /proc/self/pagemap
 */
export function physicalSegments(b: KernelBoundary, address: bigint, length: number, stride = b.pageSize): DmaSegment[] {
  const page = BigInt(b.pageSize);
  if (address % page !== 0n || stride % b.pageSize !== 0 || Number(address % BigInt(stride)) !== 0) {
    throw new RangeError(`${hex(address)} is not aligned to its ${stride}-byte blocks`);
  }
  const fd = b.open(PAGEMAP_PATH, O_RDONLY);
  const segments: DmaSegment[] = [];
  try {
    const entry = new Uint8Array(PAGEMAP_ENTRY_BYTES);
    const view = new DataView(entry.buffer);
    for (let offset = 0; offset < length; offset += stride) {
      const vaddr = address + BigInt(offset);
      const n = b.pread(fd, entry, Number((vaddr / page) * BigInt(PAGEMAP_ENTRY_BYTES)));
      if (n !== PAGEMAP_ENTRY_BYTES) throw new PageNotResidentError(`${PAGEMAP_PATH} gave ${n} bytes for ${hex(vaddr)}`, { address: vaddr, reason: "not-present" });
      const e = view.getBigUint64(0, true);
      if ((e & PM_PRESENT) === 0n) {
        const reason = e & PM_SWAP ? "swapped" : "not-present";
        throw new PageNotResidentError(`the page at ${hex(vaddr)} is ${reason === "swapped" ? "swapped out" : "not present"}`, { address: vaddr, reason });
      }
      const pfn = e & PM_PFRAME_MASK;
      if (pfn === 0n) throw new PagemapHiddenError(`${PAGEMAP_PATH} hides the physical address of ${hex(vaddr)} (PFN reads as 0)`, vaddr);
      const pa = pfn * page;
      const len = Math.min(stride, length - offset);
      const last = segments[segments.length - 1];
      if (last && last.address + BigInt(last.length) === pa) last.length += len;
      else segments.push({ offset, address: pa, length: len });
    }
  } finally {
    b.close(fd);
  }
  return segments;
}
