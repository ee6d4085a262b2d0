// A Mapping over an mmap'ed device region. Every access is one element of a typed array of exactly the access width,
// at an offset proven in bounds and aligned first: on Device memory an unaligned or out-of-range access is a SIGBUS
// that kills the process, so it must become a RangeError before it happens.
import type { Mapping } from "../boundary/kernel-boundary.ts";
import { type MappedRegion, unmapRegion } from "./mapped-region.ts";

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
  }

  // SAFETY (all accessors): #check proved [offset, offset + width) lies inside the live mapping and offset is a
  // multiple of width, so the element index offset / width addresses exactly those bytes with one aligned access.
  read8(offset: number): number {
    this.#check(offset, 1);
    return this.#u8[offset]!;
  }
  read16(offset: number): number {
    this.#check(offset, 2);
    return this.#u16[offset / 2]!;
  }
  read32(offset: number): number {
    this.#check(offset, 4);
    return this.#u32[offset / 4]!;
  }
  read64(offset: number): bigint {
    this.#check(offset, 8);
    return this.#u64[offset / 8]!;
  }
  /** Stores wrap modulo 2^width like any typed-array store. */
  write8(offset: number, value: number): void {
    this.#check(offset, 1);
    this.#u8[offset] = value;
  }
  write16(offset: number, value: number): void {
    this.#check(offset, 2);
    this.#u16[offset / 2] = value;
  }
  write32(offset: number, value: number): void {
    this.#check(offset, 4);
    this.#u32[offset / 4] = value;
  }
  write64(offset: number, value: bigint): void {
    this.#check(offset, 8);
    this.#u64[offset / 8] = value;
  }

  /** munmap(2); idempotent (a second munmap could hit an unrelated later mapping at the same address). */
  unmap(): void {
    if (this.#region.buffer.detached) return;
    this.#limit = 0;
    unmapRegion(this.#region);
  }

  #check(offset: number, width: number): void {
    // `% width` also rejects fractions; NaN fails every comparison.
    if (offset >= 0 && offset + width <= this.#limit && offset % width === 0) return;
    throw this.#badAccess(offset, width);
  }

  #badAccess(offset: number, width: number): RangeError {
    const what = `${width * 8}-bit access at offset ${offset}`;
    if (this.#region.buffer.detached) return new RangeError(`${what}: the mapping was unmapped`);
    if (offset % width !== 0) return new RangeError(`${what} is not ${width}-byte aligned`);
    return new RangeError(`${what} is outside the ${this.length}-byte mapping`);
  }
}
