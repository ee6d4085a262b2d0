// One region of a VFIO device: a window of device registers reached through the device fd at offset `index << 40`.
// Every access is exactly one pread/pwrite of the requested width at an aligned offset, because vfio-platform turns a
// width-W access at a W-aligned offset into exactly one W-wide MMIO access; 64-bit accesses exist only through mmap,
// since the kernel's pread/pwrite never issue them. Bounds and alignment are checked before anything is touched.
import type { Fd, KernelBoundary, Mapping } from "../boundary/kernel-boundary.ts";
import { MAP_SHARED, PROT_READ, PROT_WRITE } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import {
  VFIO_REGION_INFO_FLAG_MMAP,
  VFIO_REGION_INFO_FLAG_READ,
  VFIO_REGION_INFO_FLAG_WRITE,
  flagNames,
} from "./abi/constants.ts";
import { UnsupportedError, InvalidArgumentError, VfioError } from "./errors.ts";

/** Access width in bits (8, 16, 32, 64), the unit the CLI and README use too. */
export type Width = 8 | 16 | 32 | 64;

/** The widths whose values are `number`s (every 32-bit value is exact in a double). */
export type NarrowWidth = 8 | 16 | 32;

/** The value of a register of width `W`: `number` up to 32 bits, `bigint` at 64 (the numeric rule, see Region). */
export type RegisterValue<W extends Width> = W extends 64 ? bigint : number;

/** Region `index` as VFIO_DEVICE_GET_REGION_INFO describes it. */
export interface RegionInfo {
  index: number;
  flags: number;
  /** Size in bytes: a size inside a region, so a number (the kernel's u64, checked to be below 2^53). */
  size: number;
  /** File offset of the region on the device fd (`index << 40` for vfio-platform and vfio-pci): a bigint. */
  offset: bigint;
  capOffset: number;
}

/** True for 8, 16, 32 and 64: the widths a region access can have. */
export function isWidth(width: unknown): width is Width {
  return width === 8 || width === 16 || width === 32 || width === 64;
}

/** What a region is called in messages: "BAR2 (region 2)" when it has a name, else "region 2". */
export function regionLabel(index: number, name?: string): string {
  return name ? `${name} (region ${index})` : `region ${index}`;
}

/**
 * Why a region index below num_regions cannot be used, as a fact: size 0 means the device does not implement it
 * (vfio-pci reports an unimplemented BAR, or a ROM that is absent, with size 0); `refused` means
 * VFIO_DEVICE_GET_REGION_INFO answered EINVAL, which vfio-pci does for the VGA region of a function that is not a VGA
 * device (or when its VGA support is disabled).
 */
export function regionUnavailableReason(name: string | undefined, why: "size 0" | "refused"): string {
  if (why === "refused") {
    return name === "VGA"
      ? "the function is not a VGA device, or vfio-pci's VGA support is off (the kernel answers EINVAL)"
      : "the kernel describes no such region for this device (EINVAL)";
  }
  return name === "ROM" ? "not implemented by this device (no expansion ROM, size 0)" : "not implemented by this device (size 0)";
}

/**
 * The error for a region the device has but cannot use (exit 6 in the CLI). The kernel's EINVAL is not kept as a
 * cause: the message already says what it means, and the cause would repeat the ioctl and errno after it.
 */
export function regionUnavailable(device: string, index: number, name: string | undefined, why: "size 0" | "refused"): RegionRefusedError {
  const message = `${regionLabel(index, name)} of ${device} is ${why === "refused" ? "not available: " : ""}${regionUnavailableReason(name, why)}`;
  return new RegionRefusedError(message, { reason: "unavailable", device, index, why });
}

/** Why a region access was refused, as facts (the CLI words them in src/cli/output/library-words.ts). */
export type RegionRefusal =
  | { reason: "unavailable"; device: string; index: number; why: "size 0" | "refused" }
  | { reason: "outside"; device: string; index: number; offset: number; width: Width; size: number };

/** A region the device has but cannot use (UnsupportedError: exit 6 in the CLI); `refusal` holds the facts. */
export class RegionRefusedError extends UnsupportedError {
  constructor(
    message: string,
    readonly refusal: RegionRefusal,
  ) {
    super(message);
  }
}

/** An access outside a region (an InvalidArgumentError); `refusal` holds the facts. */
export class RegionAccessError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly refusal: RegionRefusal,
  ) {
    super(message);
  }
}

/**
 * One region of a device. The numeric rule of the library, applied here: offsets and sizes inside a region are
 * `number`s; register values of 8, 16 and 32 bits are `number`s; 64-bit values are `bigint`s; the region's file offset
 * on the device fd is a `bigint`. Widths are in bits (8, 16, 32, 64).
 */
export class Region {
  /** Preallocated single-access buffers: no allocation per register access. */
  private readonly buf = new Uint8Array(8);
  private readonly u16 = new Uint16Array(this.buf.buffer, 0, 1);
  private readonly u32 = new Uint32Array(this.buf.buffer, 0, 1);
  private readonly view1 = this.buf.subarray(0, 1);
  private readonly view2 = this.buf.subarray(0, 2);
  private readonly view4 = this.buf.subarray(0, 4);
  private mapping: Mapping | undefined;
  // The file offset as a number, converted once: the register hot path does no BigInt work (measured in the lab
  // bench). Region offsets (index << 40) are far below 2^53.
  private readonly fileOffset: number;
  // Where a valid access of the region must end (its size), or 0 when the region refuses that direction: the 8/16/32-bit
  // fast paths' whole bound check. Every refused access falls through to read()/write(), which throw the precise error.
  private readonly readEnd: number;
  private readonly writeEnd: number;

  constructor(
    private readonly b: KernelBoundary,
    private readonly fd: Fd,
    readonly device: string,
    readonly info: RegionInfo,
    /** The region's name from the device tree `reg-names`, when known. */
    readonly name?: string,
  ) {
    this.fileOffset = Number(info.offset);
    this.readEnd = this.readable ? info.size : 0;
    this.writeEnd = this.writable ? info.size : 0;
  }

  get index(): number {
    return this.info.index;
  }
  /** Size in bytes. */
  get size(): number {
    return this.info.size;
  }
  get flags(): number {
    return this.info.flags;
  }
  get flagNames(): string[] {
    return flagNames("region", this.info.flags);
  }
  get readable(): boolean {
    return (this.info.flags & VFIO_REGION_INFO_FLAG_READ) !== 0;
  }
  get writable(): boolean {
    return (this.info.flags & VFIO_REGION_INFO_FLAG_WRITE) !== 0;
  }
  get mappable(): boolean {
    return (this.info.flags & VFIO_REGION_INFO_FLAG_MMAP) !== 0;
  }

  /**
   * Check that an access of `width` bits at byte `offset` is inside the region and naturally aligned.
   * @throws RegionRefusedError when the region has size 0 (not implemented), InvalidArgumentError for a width that is not 8, 16,
   *   32 or 64 or a misaligned offset, RegionAccessError (facts in `refusal`) for an access outside the region
   */
  checkAccess(offset: number, width: Width): void {
    if (!isWidth(width)) throw new InvalidArgumentError(`width ${String(width)} is not an access width (8, 16, 32 or 64 bits)`);
    if (this.info.size === 0) throw regionUnavailable(this.device, this.index, this.name, "size 0");
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError(`offset ${offset} is not a valid offset`);
    const bytes = width / 8;
    if (offset % bytes !== 0) {
      throw new InvalidArgumentError(
        `offset 0x${offset.toString(16)} is not aligned to the ${width}-bit access width`,
        `use an offset that is a multiple of ${bytes}`,
      );
    }
    if (offset + bytes > this.info.size) {
      throw new RegionAccessError(
        `offset 0x${offset.toString(16)} + ${bytes} is outside region ${this.index} of ${this.device} (size 0x${this.size.toString(16)})`,
        { reason: "outside", device: this.device, index: this.index, offset, width, size: this.size },
      );
    }
  }

  /**
   * Read one register of `width` bits at byte `offset`: exactly one pread for 8, 16 and 32 bits (a `number`); 64 bits
   * go through mmap (a `bigint`), since vfio-platform's pread never issues a 64-bit access.
   * @throws InvalidArgumentError (width, alignment), RegionAccessError (outside), UnsupportedError (not readable, 64-bit
   *   without MMAP), VfioError (the kernel refused the pread or mmap)
   */
  read(offset: number, width: NarrowWidth): number;
  read(offset: number, width: 64): bigint;
  read(offset: number, width: Width): number | bigint;
  read(offset: number, width: Width): number | bigint {
    this.checkAccess(offset, width);
    if (!this.readable) throw new UnsupportedError(`region ${this.index} of ${this.device} is not readable`);
    if (width === 64) return this.mapped().read64(offset);
    this.transfer("pread", offset, width / 8);
    return width === 32 ? this.u32[0]! : width === 16 ? this.u16[0]! : this.buf[0]!;
  }

  // The 8/16/32-bit fast paths: `offset >>> 0 === offset` (an integer in [0, 2^32); typeof first, as a bigint would
  // throw a TypeError there), `offset & (bytes - 1)` (aligned) and `offset + bytes <= readEnd` (inside a readable
  // region) are checkAccess and the readable check in integer arithmetic, with no width dispatch (docs/performance.md,
  // "Issue 16: accessors"). Anything else takes read(), which throws the precise error.
  /** One 8-bit read (a pread of 1 byte). @throws as read */
  read8(offset: number): number {
    if (typeof offset === "number" && offset >>> 0 === offset && offset + 1 <= this.readEnd) {
      this.preadAt(this.view1, offset);
      return this.buf[0]!;
    }
    return this.read(offset, 8);
  }
  /** One 16-bit read (a pread of 2 bytes). @throws as read */
  read16(offset: number): number {
    if (typeof offset === "number" && offset >>> 0 === offset && (offset & 1) === 0 && offset + 2 <= this.readEnd) {
      this.preadAt(this.view2, offset);
      return this.u16[0]!;
    }
    return this.read(offset, 16);
  }
  /** One 32-bit read (a pread of 4 bytes; the hot path: no BigInt). @throws as read */
  read32(offset: number): number {
    if (typeof offset === "number" && offset >>> 0 === offset && (offset & 3) === 0 && offset + 4 <= this.readEnd) {
      this.preadAt(this.view4, offset);
      return this.u32[0]!;
    }
    return this.read(offset, 32);
  }
  /** One 64-bit read through the region's mapping. @throws as read */
  read64(offset: number): bigint {
    return this.read(offset, 64);
  }

  /**
   * Write one register of `width` bits at byte `offset`: exactly one pwrite (64 bits through mmap). `value` is a
   * `number` for 8, 16 and 32 bits and a `bigint` for 64, and must fit the width (no silent truncation).
   * @throws InvalidArgumentError (width, alignment, a value that does not fit), RegionAccessError, UnsupportedError (read-only,
   *   64-bit without MMAP), VfioError as for read
   */
  write(offset: number, width: NarrowWidth, value: number): void;
  write(offset: number, width: 64, value: bigint): void;
  write(offset: number, width: Width, value: number | bigint): void;
  write(offset: number, width: Width, value: number | bigint): void {
    this.checkAccess(offset, width);
    checkFits(value, width);
    if (!this.writable) throw new UnsupportedError(`region ${this.index} of ${this.device} is read-only`);
    if (width === 64) return this.mapped().write64(offset, BigInt(value));
    const v = Number(value);
    if (width === 32) this.u32[0] = v;
    else if (width === 16) this.u16[0] = v;
    else this.buf[0] = v;
    this.transfer("pwrite", offset, width / 8);
  }

  // Fast paths as for the reads; `value >>> 0 === value` and the like are checkFits for a number of that width.
  /** One 8-bit write. @throws as write */
  write8(offset: number, value: number): void {
    if (typeof offset === "number" && offset >>> 0 === offset && offset + 1 <= this.writeEnd && typeof value === "number" && (value & 0xff) === value) {
      this.buf[0] = value;
      this.pwriteAt(this.view1, offset);
    } else this.write(offset, 8, value);
  }
  /** One 16-bit write. @throws as write */
  write16(offset: number, value: number): void {
    if (typeof offset === "number" && offset >>> 0 === offset && (offset & 1) === 0 && offset + 2 <= this.writeEnd && typeof value === "number" && (value & 0xffff) === value) {
      this.u16[0] = value;
      this.pwriteAt(this.view2, offset);
    } else this.write(offset, 16, value);
  }
  /** One 32-bit write (the hot path: no BigInt). @throws as write */
  write32(offset: number, value: number): void {
    if (typeof offset === "number" && offset >>> 0 === offset && (offset & 3) === 0 && offset + 4 <= this.writeEnd && typeof value === "number" && value >>> 0 === value) {
      this.u32[0] = value;
      this.pwriteAt(this.view4, offset);
    } else this.write(offset, 32, value);
  }
  /** One 64-bit write through the region's mapping. @throws as write */
  write64(offset: number, value: bigint): void {
    this.write(offset, 64, value);
  }

  /**
   * Read `count` registers of `width` bits starting at byte `offset`, each read exactly once (read-to-clear registers
   * are safe to dump). Bounds of the whole range are checked first. Values follow the width as in read.
   * @throws as read
   */
  readMany(offset: number, width: NarrowWidth, count: number): number[];
  readMany(offset: number, width: 64, count: number): bigint[];
  readMany(offset: number, width: Width, count: number): number[] | bigint[];
  readMany(offset: number, width: Width, count: number): number[] | bigint[] {
    if (count > 0) this.checkAccess(offset + (count - 1) * (width / 8), width);
    const out: (number | bigint)[] = [];
    for (let i = 0; i < count; i++) out.push(this.read(offset + i * (width / 8), width));
    return out as number[] | bigint[];
  }
  /**
   * Map the whole region (MAP_SHARED). Cached: later calls return the same mapping.
   * @throws UnsupportedError when the region lacks the MMAP flag, VfioError when mmap fails
   */
  mapped(): Mapping {
    if (this.mapping) return this.mapping;
    if (!this.mappable) {
      throw new UnsupportedError(
        `region ${this.index} of ${this.device} cannot be mmap'ed (no MMAP flag: not page-aligned or too small)`,
        "use 8/16/32-bit accesses, which go through pread/pwrite",
      );
    }
    const prot = (this.readable ? PROT_READ : 0) | (this.writable ? PROT_WRITE : 0);
    try {
      this.mapping = this.b.mmap(this.fd, this.size, prot, MAP_SHARED, Number(this.info.offset));
    } catch (e) {
      throw new VfioError(`mmap region ${this.index}`, { device: this.device, cause: e });
    }
    return this.mapping;
  }

  /** Try mapping the region and report whether it worked (lsuio -m style), without throwing. */
  tryMap(): { ok: boolean; error?: string } {
    try {
      this.mapped();
      return { ok: true };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Release the mapping, if any. */
  unmap(): void {
    this.mapping?.unmap();
    this.mapping = undefined;
  }

  /** One pread of `view.length` bytes at `offset` into the single-access buffer. @throws VfioError */
  private preadAt(view: Uint8Array, offset: number): void {
    let n: number;
    try {
      n = this.b.pread(this.fd, view, this.fileOffset + offset);
    } catch (e) {
      throw this.refused("pread", offset, e);
    }
    if (n !== view.length) throw this.short("pread", offset, n, view.length);
  }

  /** One pwrite of `view.length` bytes at `offset` from the single-access buffer. @throws VfioError */
  private pwriteAt(view: Uint8Array, offset: number): void {
    let n: number;
    try {
      n = this.b.pwrite(this.fd, view, this.fileOffset + offset);
    } catch (e) {
      throw this.refused("pwrite", offset, e);
    }
    if (n !== view.length) throw this.short("pwrite", offset, n, view.length);
  }

  private transfer(kind: "pread" | "pwrite", offset: number, width: number): void {
    const view = width === 4 ? this.view4 : width === 2 ? this.view2 : this.view1;
    if (kind === "pread") this.preadAt(view, offset);
    else this.pwriteAt(view, offset);
  }

  /** The kernel's refusal of a transfer as a VfioError; anything that is not a SyscallError is passed on as it is. */
  private refused(kind: "pread" | "pwrite", offset: number, e: unknown): unknown {
    if (!(e instanceof SyscallError)) return e;
    return new VfioError(`${kind} region ${this.index} offset 0x${offset.toString(16)}`, { device: this.device, cause: e });
  }

  private short(kind: "pread" | "pwrite", offset: number, n: number, width: number): VfioError {
    return new VfioError(`${kind} region ${this.index} offset 0x${offset.toString(16)}`, {
      device: this.device,
      detail: `short ${kind}: ${n} of ${width} bytes`,
    });
  }
}


/**
 * A value of `width` bits: an integer in [0, 2^width). Either type is taken at run time (a caller with a width only
 * known then may hold a bigint for any width); the overloads ask for the width's own type.
 * @throws InvalidArgumentError
 */
function checkFits(value: number | bigint, width: Width): void {
  if (typeof value === "number" && width !== 64) {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** width) return; // the hot path: no BigInt
  } else {
    const big = typeof value === "bigint" ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
    if (big >= 0n && big < 1n << BigInt(width)) return;
  }
  const shown = typeof value === "bigint" || Number.isInteger(value) ? `0x${value.toString(16)}` : String(value);
  throw new InvalidArgumentError(`value ${shown} does not fit in ${width} bits`);
}
