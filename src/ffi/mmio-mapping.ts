// A Mapping over an mmap'ed device region. Every access is one element of a typed array of exactly the access width,
// at an offset proven in bounds and aligned first: on Device memory an unaligned or out-of-range access is a SIGBUS
// that kills the process, so it must become a RangeError before it happens.
import type { Mapping } from "../boundary/kernel-boundary.ts";
import { type MappedRegion, unmapRegion } from "./mapped-region.ts";

// A compiler barrier for device accesses. The optimising JIT treats a plain typed-array load in a loop as invariant
// and hoists it (measured: a status poll spun on a stale value for 2e9 iterations, test/ffi/mmio-polling.test.ts), and
// could merge repeated loads or stores. JSC tracks every typed array's elements as one abstract heap, so a store to
// this private word before each device access "may change" the device memory too: nothing is hoisted or merged
// across it, and each accessor's own load or store happens every time, in program order — C's `volatile`, for about
// 0.5 ns. (Atomics.load on the device itself was tried: 5 ns, and on x86 it can be a read-modify-write, which faults
// on a read-only mapping and which a device register must never see.)
const BARRIER_WORD = new Uint32Array(1);
function deviceFence(): void {
  BARRIER_WORD[0] = 0;
}

/** A device mapping with width-exact accessors. Accessors throw RangeError when misaligned, out of range or unmapped. */
export class MmioMapping implements Mapping {
  readonly length: number;
  readonly #region: MappedRegion;
  readonly #u8: Uint8Array;
  readonly #u16: Uint16Array;
  readonly #u32: Uint32Array;
  readonly #u64: BigUint64Array;
  // The views stores go through: the read views, or empty ones for a mapping without PROT_WRITE, so that the stores'
  // own bound test refuses every store there (a store to a read-only page is a SIGSEGV that kills the process).
  readonly #w8: Uint8Array;
  readonly #w16: Uint16Array;
  readonly #w32: Uint32Array;
  readonly #w64: BigUint64Array;
  readonly #writable: boolean;
  /** Bytes still accessible: `length` while mapped, 0 after unmap() (the general check's bound). */
  #limit: number;

  /** `writable`: the mapping has PROT_WRITE (a read-only one refuses every store with a RangeError). */
  constructor(region: MappedRegion, writable = true) {
    this.#region = region;
    this.length = region.length;
    this.#limit = region.length;
    // Views cover whole elements only; mmap addresses are page-aligned, so element i sits at offset i * width. unmap()
    // detaches the buffer, which makes every view's length 0: the fast paths' bound needs no field of its own.
    const buffer = region.buffer;
    this.#u8 = new Uint8Array(buffer);
    this.#u16 = new Uint16Array(buffer, 0, Math.floor(region.length / 2));
    this.#u32 = new Uint32Array(buffer, 0, Math.floor(region.length / 4));
    this.#u64 = new BigUint64Array(buffer, 0, Math.floor(region.length / 8));
    this.#writable = writable;
    this.#w8 = writable ? this.#u8 : new Uint8Array(0);
    this.#w16 = writable ? this.#u16 : new Uint16Array(0);
    this.#w32 = writable ? this.#u32 : new Uint32Array(0);
    this.#w64 = writable ? this.#u64 : new BigUint64Array(0);
  }

  // SAFETY (all accessors): memory is touched only through a typed-array element i with i * width === offset, and a
  // typed array reads or writes an element only when i is an integer in [0, its live length) (length 0 once unmapped):
  // one aligned access of exactly [offset, offset + width) inside the mapping. `i << k === offset` with i = offset >> k
  // (signed) holds only for an integer multiple of width in [-2^31, 2^31), so a misaligned or fractional offset never
  // reaches memory, and a negative one gives i < 0. Reads: the view itself returns undefined for i < 0 or past its end
  // (no access), which sends the call to the general check. Writes: a typed array silently drops an out-of-range
  // store, so they test 0 <= i < length first. (With `>>>`, -4 would pass the shift test as i = 2^30 - 1: an access at
  // 4 GiB - 4 in a mapping that large.) Offsets from 2 GiB up take #index, the general check. Measured: these shapes cost
  // less than a separate element count field and `i * width === offset` (docs/performance.md, "Issue 16: accessors").
  read8(offset: number): number {
    deviceFence();
    // A Uint8Array index is exactly a byte offset: fractions, negatives, NaN and the end all give undefined.
    const v = this.#u8[offset];
    if (v !== undefined) return v;
    throw this.#badAccess(offset, 1);
  }
  read16(offset: number): number {
    deviceFence();
    const i = offset >> 1;
    if (i << 1 === offset) {
      const v = this.#u16[i];
      if (v !== undefined) return v;
    }
    return this.#u16[this.#index(offset, 2)]!;
  }
  /** An unsigned 32-bit value (0..2^32-1): the JIT keeps it an integer (int32 when the caller masks it, else int52). */
  read32(offset: number): number {
    deviceFence();
    const i = offset >> 2;
    if (i << 2 === offset) {
      const v = this.#u32[i];
      if (v !== undefined) return v;
    }
    return this.#u32[this.#index(offset, 4)]!;
  }
  read64(offset: number): bigint {
    deviceFence();
    const i = offset >> 3;
    if (i << 3 === offset) {
      const v = this.#u64[i];
      if (v !== undefined) return v;
    }
    return this.#u64[this.#index(offset, 8)]!;
  }
  /** Stores wrap modulo 2^width like any typed-array store. */
  write8(offset: number, value: number): void {
    deviceFence();
    const a = this.#w8;
    if (offset >>> 0 === offset && offset < a.length) a[offset] = value;
    else a[this.#storeIndex(offset, 1)] = value;
  }
  write16(offset: number, value: number): void {
    deviceFence();
    const a = this.#w16;
    const i = offset >> 1;
    if (i << 1 === offset && i >= 0 && i < a.length) a[i] = value;
    else a[this.#storeIndex(offset, 2)] = value;
  }
  write32(offset: number, value: number): void {
    deviceFence();
    const a = this.#w32;
    const i = offset >> 2;
    if (i << 2 === offset && i >= 0 && i < a.length) a[i] = value;
    else a[this.#storeIndex(offset, 4)] = value;
  }
  write64(offset: number, value: bigint): void {
    deviceFence();
    const a = this.#w64;
    const i = offset >> 3;
    if (i << 3 === offset && i >= 0 && i < a.length) a[i] = value;
    else a[this.#storeIndex(offset, 8)] = value;
  }

  /** munmap(2); idempotent (a second munmap could hit an unrelated later mapping at the same address). */
  unmap(): void {
    if (this.#region.buffer.detached) return;
    this.#limit = 0;
    unmapRegion(this.#region);
  }

  /** The element index of a valid access the fast path did not take (offsets of 2 GiB and up); else RangeError. */
  #index(offset: number, width: number): number {
    // `% width` also rejects fractions; NaN fails every comparison.
    if (offset >= 0 && offset + width <= this.#limit && offset % width === 0) return offset / width;
    throw this.#badAccess(offset, width);
  }

  /** #index for a store the fast path did not take; on a read-only mapping every store is a RangeError. */
  #storeIndex(offset: number, width: number): number {
    const i = this.#index(offset, width);
    if (this.#writable) return i;
    throw new RangeError(`${width * 8}-bit store at offset ${offset}: the mapping is read-only (no PROT_WRITE)`);
  }

  #badAccess(offset: number, width: number): RangeError {
    const what = `${width * 8}-bit access at offset ${offset}`;
    if (this.#region.buffer.detached) return new RangeError(`${what}: the mapping was unmapped`);
    if (offset % width !== 0) return new RangeError(`${what} is not ${width}-byte aligned`);
    return new RangeError(`${what} is outside the ${this.length}-byte mapping`);
  }
}
