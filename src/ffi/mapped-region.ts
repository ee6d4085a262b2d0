// mmap(2)/munmap(2) of a region and the JS ArrayBuffer that views it. Shared by device mappings and DMA memory so both
// follow one rule: the buffer is detached *before* munmap, so no JS view can reach an address the process gave back.
import { toArrayBuffer, type Pointer } from "bun:ffi";
import { lastError } from "./errno.ts";
import { libc } from "./libc.ts";

/** A live mapping: its address and an ArrayBuffer over exactly its bytes. */
export interface MappedRegion {
  address: number;
  length: number;
  buffer: ArrayBuffer;
}

/**
 * mmap(NULL, length, prot, flags, fd, offset) and an ArrayBuffer over the result.
 * @throws RangeError when length is not a non-negative safe integer.
 * @throws SyscallError "mmap" (EINVAL for length 0 or an unaligned offset, EBADF, ENODEV, ENOMEM, ...).
 */
export function mapRegion(
  fd: number,
  length: number,
  prot: number,
  flags: number,
  offset: number,
  path?: string,
): MappedRegion {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`mmap length ${length} is not a byte count`);
  const result = libc().mmap(null, length, prot, flags, fd, offset);
  // i64_fast gives MAP_FAILED as exactly -1 and any user-space address (< 2^52) as an exact number.
  const address = Number(result);
  if (address === -1) throw lastError("mmap", fd < 0 ? undefined : fd, path);
  // SAFETY: mmap just returned this address for `length` bytes; the buffer is detached before the region is unmapped.
  const buffer = toArrayBuffer(address, 0, length);
  return { address, length, buffer };
}

/**
 * Detach the region's buffer (every view of it becomes empty), then munmap(2) it.
 * @throws SyscallError "munmap" (EINVAL) — only if the region was not a live mapping.
 */
export function unmapRegion(region: MappedRegion): void {
  // Detaching copies nothing (new length 0) and leaves the memory itself alone.
  region.buffer.transfer(0);
  // SAFETY: address/length are exactly what mmap returned, and no JS view reaches the range any more.
  if (libc().munmap(region.address as Pointer, region.length) !== 0) throw lastError("munmap");
}
