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
  /** Bytes still accessible: `length` while mapped, 0 after unmap(). */
  #limit: number;
  // Whole elements of each width still accessible (0 after unmap): the fast path's bound.
  #n16: number;
  #n32: number;
  #n64: number;

  constructor(region: MappedRegion) {
    this.#region = region;
    this.length = region.length;
    this.#limit = region.length;
    // Views cover whole elements only; mmap addresses are page-aligned, so element i sits at offset i * width.
    const buffer = region.buffer;
    this.#u8 = new Uint8Array(buffer);
    this.#u16 = new Uint16Array(buffer, 0, Math.floor(region.length / 2));
    this.#u32 = new Uint32Array(buffer, 0, Math.floor(region.length / 4));
    this.#u64 = new BigUint64Array(buffer, 0, Math.floor(region.length / 8));
    this.#n16 = this.#u16.length;
    this.#n32 = this.#u32.length;
    this.#n64 = this.#u64.length;
  }

  // SAFETY (all accessors): an element index i is used only when i < the live element count of its width and
  // i * width === offset, so [offset, offset + width) lies inside the mapping and offset is a multiple of width: one
  // aligned access of exactly those bytes. The fast test is exact: `offset >>> k` is ToUint32(offset) / width rounded
  // down, and multiplying back gives `offset` only for an integer multiple of width in [0, 2^32) (NaN, negatives and
  // fractions fail). Offsets from 4 GiB up take #index, the general check. Measured: half the cost of `% width` and a
  // byte bound (docs/performance.md).
  read8(offset: number): number {
    deviceFence();
    if (offset >>> 0 === offset && offset < this.#limit) return this.#u8[offset]!;
    return this.#u8[this.#index(offset, 1)]!;
  }
  read16(offset: number): number {
    deviceFence();
    const i = offset >>> 1;
    if (i * 2 === offset && i < this.#n16) return this.#u16[i]!;
    return this.#u16[this.#index(offset, 2)]!;
  }
  read32(offset: number): number {
    deviceFence();
    const i = offset >>> 2;
    if (i * 4 === offset && i < this.#n32) return this.#u32[i]!;
    return this.#u32[this.#index(offset, 4)]!;
  }
  read64(offset: number): bigint {
    deviceFence();
    const i = offset >>> 3;
    if (i * 8 === offset && i < this.#n64) return this.#u64[i]!;
    return this.#u64[this.#index(offset, 8)]!;
  }
  /** Stores wrap modulo 2^width like any typed-array store. */
  write8(offset: number, value: number): void {
    deviceFence();
    if (offset >>> 0 === offset && offset < this.#limit) this.#u8[offset] = value;
    else this.#u8[this.#index(offset, 1)] = value;
  }
  write16(offset: number, value: number): void {
    deviceFence();
    const i = offset >>> 1;
    if (i * 2 === offset && i < this.#n16) this.#u16[i] = value;
    else this.#u16[this.#index(offset, 2)] = value;
  }
  write32(offset: number, value: number): void {
    deviceFence();
    const i = offset >>> 2;
    if (i * 4 === offset && i < this.#n32) this.#u32[i] = value;
    else this.#u32[this.#index(offset, 4)] = value;
  }
  write64(offset: number, value: bigint): void {
    deviceFence();
    const i = offset >>> 3;
    if (i * 8 === offset && i < this.#n64) this.#u64[i] = value;
    else this.#u64[this.#index(offset, 8)] = value;
  }

  /** munmap(2); idempotent (a second munmap could hit an unrelated later mapping at the same address). */
  unmap(): void {
    if (this.#region.buffer.detached) return;
    this.#limit = 0;
    this.#n16 = this.#n32 = this.#n64 = 0;
    unmapRegion(this.#region);
  }

  /** The element index of a valid access the fast path did not take (offsets of 4 GiB and up); else RangeError. */
  #index(offset: number, width: number): number {
    // `% width` also rejects fractions; NaN fails every comparison.
    if (offset >= 0 && offset + width <= this.#limit && offset % width === 0) return offset / width;
    throw this.#badAccess(offset, width);
  }

  #badAccess(offset: number, width: number): RangeError {
    const what = `${width * 8}-bit access at offset ${offset}`;
    if (this.#region.buffer.detached) return new RangeError(`${what}: the mapping was unmapped`);
    if (offset % width !== 0) return new RangeError(`${what} is not ${width}-byte aligned`);
    return new RangeError(`${what} is outside the ${this.length}-byte mapping`);
  }
}
