// Process memory for DMA: page-aligned anonymous mappings a device may read and write through the IOMMU, and views of
// memory at an address a program handed over (what a simulated device needs to "perform DMA" into real memory).
import { toArrayBuffer, type Pointer } from "bun:ffi";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE, type ProcessMemory } from "../boundary/kernel-boundary.ts";
import { libc } from "./libc.ts";
import { type MappedRegion, mapRegion, unmapRegion } from "./mapped-region.ts";

/** madvise(2) advice: back the range with transparent huge pages where the kernel can (THP "madvise" mode). */
const MADV_HUGEPAGE = 14;
/** The smallest mapping worth the advice: one 2 MiB huge page (x86-64, and arm64 with 4 KiB pages). */
const HUGE_PAGE = 2 * 1024 * 1024;

class AnonymousMemory implements ProcessMemory {
  readonly address: bigint;
  readonly length: number;
  readonly bytes: Uint8Array;
  readonly #region: MappedRegion;

  constructor(region: MappedRegion) {
    this.#region = region;
    this.address = BigInt(region.address);
    this.length = region.length;
    this.bytes = new Uint8Array(region.buffer);
  }

  /** munmap(2); idempotent. `bytes` (and every view of its buffer) is empty afterwards. */
  free(): void {
    if (this.#region.buffer.detached) return;
    unmapRegion(this.#region);
  }
}

/**
 * Anonymous MAP_PRIVATE memory, zero-filled by the kernel, rounded up to whole pages (`length` is the rounded size, the
 * unit VFIO_IOMMU_MAP_DMA needs).
 * @throws RangeError when length is not a positive safe integer.
 * @throws SyscallError "mmap" (ENOMEM).
 */
export function allocMemory(length: number, pageSize: number): ProcessMemory {
  if (!Number.isSafeInteger(length) || length <= 0) throw new RangeError(`cannot allocate ${length} bytes`);
  const rounded = Math.ceil(length / pageSize) * pageSize;
  const region = mapRegion(-1, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
  // A DMA buffer is touched whole (filled, then pinned by MAP_DMA): one fault per 2 MiB instead of per page. On a VM
  // whose first touch of a page is slow (~10 us here) that is a third of a large buffer's set-up. Advice only: a
  // kernel without THP refuses it (EINVAL) and the buffer is small pages as before.
  // SAFETY: exactly the range mmap just returned; the advice changes how it is backed, not its contents or bounds.
  if (rounded >= HUGE_PAGE) libc().madvise(region.address as Pointer, rounded, MADV_HUGEPAGE);
  return new AnonymousMemory(region);
}

/**
 * A view of `length` bytes of this process at `address`. The caller must have proven the range mapped (isMapped):
 * touching an unmapped byte through the view crashes the process.
 * @throws RangeError when length is not a positive safe integer or the address is not a user-space address.
 */
export function memoryAt(address: bigint, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length <= 0) throw new RangeError(`cannot view ${length} bytes`);
  if (address <= 0n || address + BigInt(length) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`0x${address.toString(16)} is not a user-space address`);
  }
  // SAFETY: the caller proved [address, address + length) mapped (isMapped); the range fits below 2^53, so the number
  // handed to toArrayBuffer is the exact address.
  return new Uint8Array(toArrayBuffer(Number(address), 0, length));
}
