// Pinned process memory for DMA without an IOMMU: the device sees physical addresses, so the pages must stay resident
// and in place for as long as the device may touch them. Huge pages from the hugetlb pool (never swapped, one physically
// contiguous run per huge page), or small pages locked with mlock(2) (resident; the kernel may still migrate them).
import type { Pointer } from "bun:ffi";
import {
  MADV_DONTFORK,
  MAP_ANONYMOUS,
  MAP_HUGE_SHIFT,
  MAP_HUGETLB,
  MAP_POPULATE,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
  type ProcessMemory,
} from "../boundary/kernel-boundary.ts";
import { lastError } from "./errno.ts";
import { libc } from "./libc.ts";
import { type MappedRegion, mapRegion, unmapRegion } from "./mapped-region.ts";

class PinnedMemory implements ProcessMemory {
  readonly address: bigint;
  readonly length: number;
  readonly bytes: Uint8Array;
  readonly #region: MappedRegion;
  readonly #locked: boolean;

  constructor(region: MappedRegion, locked: boolean) {
    this.#region = region;
    this.#locked = locked;
    this.address = BigInt(region.address);
    this.length = region.length;
    this.bytes = new Uint8Array(region.buffer);
  }

  /** munlock(2) (small pages) then munmap(2); idempotent. `bytes` is empty afterwards. */
  free(): void {
    if (this.#region.buffer.detached) return;
    // SAFETY: exactly the range mmap returned and mlock locked; munlock only drops the lock, the memory stays mapped.
    if (this.#locked) libc().munlock(this.#region.address as Pointer, this.#region.length);
    unmapRegion(this.#region);
  }
}

/** The mmap flags for huge pages of `hugePageSize` bytes: MAP_HUGETLB with log2(size) at MAP_HUGE_SHIFT. */
export function hugeTlbFlags(hugePageSize: number): number {
  const log2 = Math.log2(hugePageSize);
  if (!Number.isInteger(log2) || log2 < 12 || log2 > 40) throw new RangeError(`huge page size ${hugePageSize} is not a power of two page size`);
  return MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE | (log2 << MAP_HUGE_SHIFT);
}

/**
 * `length` bytes (rounded up to whole pages of the kind used) kept resident, zero-filled. With `hugePageSize`: one
 * MAP_HUGETLB mapping of pages that size, populated at once. Without: anonymous small pages, then mlock(2).
 * @throws RangeError for a length that is not a positive safe integer, or a huge page size that is not a power of two
 * @throws SyscallError "mmap" (ENOMEM: the huge page pool is short; EINVAL: no pool of that size), "mlock" (ENOMEM or
 *   EPERM past RLIMIT_MEMLOCK; the pages are unmapped again first), "madvise" (MADV_DONTFORK refused; unmapped too)
 */
export function allocPinnedMemory(length: number, pageSize: number, hugePageSize?: number): ProcessMemory {
  if (!Number.isSafeInteger(length) || length <= 0) throw new RangeError(`cannot allocate ${length} bytes`);
  if (hugePageSize !== undefined) {
    const flags = hugeTlbFlags(hugePageSize);
    const rounded = Math.ceil(length / hugePageSize) * hugePageSize;
    const region = mapRegion(-1, rounded, PROT_READ | PROT_WRITE, flags, 0);
    keepOutOfForks(region);
    return new PinnedMemory(region, false);
  }
  const rounded = Math.ceil(length / pageSize) * pageSize;
  const region = mapRegion(-1, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
  // SAFETY: the range mmap just returned; mlock faults every page in and keeps it resident.
  if (libc().mlock(region.address as Pointer, rounded) !== 0) {
    const e = lastError("mlock");
    unmapRegion(region);
    throw e;
  }
  keepOutOfForks(region);
  return new PinnedMemory(region, true);
}

/**
 * madvise(MADV_DONTFORK): after a fork() the parent's private pages would be copy-on-write, and its next write would
 * move to a new page, away from the physical address the device was given. The child simply does not get the range.
 * On failure the region is unmapped (munlock is implied) and the error thrown.
 */
function keepOutOfForks(region: MappedRegion): void {
  // SAFETY: exactly the range mmap returned; madvise only changes how fork treats it.
  if (libc().madvise(region.address as Pointer, region.length, MADV_DONTFORK) !== 0) {
    const e = lastError("madvise");
    unmapRegion(region);
    throw e;
  }
}
