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

/** Access width in bytes. */
export type Width = 1 | 2 | 4 | 8;

export interface RegionInfo {
  index: number;
  flags: number;
  size: bigint;
  /** File offset of the region on the device fd. */
  offset: bigint;
  capOffset: number;
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

export class Region {
  /** Preallocated single-access buffers: no allocation per register access. */
  private readonly buf = new Uint8Array(8);
  private readonly u16 = new Uint16Array(this.buf.buffer, 0, 1);
  private readonly u32 = new Uint32Array(this.buf.buffer, 0, 1);
  private readonly view1 = this.buf.subarray(0, 1);
  private readonly view2 = this.buf.subarray(0, 2);
  private readonly view4 = this.buf.subarray(0, 4);
  private mapping: Mapping | undefined;
  // info's bigints as numbers, converted once: the register hot path does no BigInt work (measured in the lab bench).
  // Region offsets (index << 40) and sizes are far below 2^53.
  private readonly sizeNumber: number;
  private readonly fileOffset: number;

  constructor(
    private readonly b: KernelBoundary,
    private readonly fd: Fd,
    readonly device: string,
    readonly info: RegionInfo,
    /** The region's name from the device tree `reg-names`, when known. */
    readonly name?: string,
  ) {
    this.sizeNumber = Number(info.size);
    this.fileOffset = Number(info.offset);
  }

  get index(): number {
    return this.info.index;
  }
  /** Size in bytes (regions are far below 2^53). */
  get size(): number {
    return this.sizeNumber;
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
   * Check that an access of `width` bytes at `offset` is inside the region and naturally aligned.
   * @throws UnsupportedError when the region has size 0 (not implemented), InvalidArgumentError naming the region, offset and width
   */
  checkAccess(offset: number, width: Width): void {
    if (this.sizeNumber === 0) throw regionUnavailable(this.device, this.index, this.name, "size 0");
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError(`offset ${offset} is not a valid offset`);
    if (offset % width !== 0) {
      throw new InvalidArgumentError(
        `offset 0x${offset.toString(16)} is not aligned to the ${width * 8}-bit access width`,
        `use an offset that is a multiple of ${width}`,
      );
    }
    if (offset + width > this.sizeNumber) {
      throw new RegionAccessError(
        `offset 0x${offset.toString(16)} + ${width} is outside region ${this.index} of ${this.device} (size 0x${this.size.toString(16)})`,
        { reason: "outside", device: this.device, index: this.index, offset, width, size: this.size },
      );
    }
  }

  /**
   * Read one register: exactly one pread of `width` (1, 2 or 4) bytes at `offset`; 8 goes through mmap.
   * @throws InvalidArgumentError (bounds/alignment), UnsupportedError (not readable, 64-bit without MMAP), VfioError (kernel)
   */
  read(offset: number, width: Width): bigint {
    this.checkAccess(offset, width);
    if (!this.readable) throw new UnsupportedError(`region ${this.index} of ${this.device} is not readable`);
    if (width === 8) return this.mapped().read64(offset);
    this.transfer("pread", offset, width);
    return BigInt(width === 4 ? this.u32[0]! : width === 2 ? this.u16[0]! : this.buf[0]!);
  }

  /** 32-bit read as a number (the hot path: no BigInt). */
  read32(offset: number): number {
    this.checkAccess(offset, 4);
    if (!this.readable) throw new UnsupportedError(`region ${this.index} of ${this.device} is not readable`);
    this.transfer("pread", offset, 4);
    return this.u32[0]!;
  }

  read16(offset: number): number {
    return Number(this.read(offset, 2));
  }
  read8(offset: number): number {
    return Number(this.read(offset, 1));
  }

  /**
   * Write one register: exactly one pwrite of `width` bytes (8 through mmap). `value` must fit the width.
   * @throws InvalidArgumentError, UnsupportedError, VfioError as for read
   */
  write(offset: number, width: Width, value: bigint): void {
    this.checkAccess(offset, width);
    if (value < 0n || value >= 1n << BigInt(width * 8)) {
      throw new InvalidArgumentError(`value 0x${value.toString(16)} does not fit in ${width * 8} bits`);
    }
    if (!this.writable) throw new UnsupportedError(`region ${this.index} of ${this.device} is read-only`);
    if (width === 8) return this.mapped().write64(offset, value);
    const v = Number(value);
    if (width === 4) this.u32[0] = v;
    else if (width === 2) this.u16[0] = v;
    else this.buf[0] = v;
    this.transfer("pwrite", offset, width);
  }

  /** 32-bit write from a number (the hot path). */
  write32(offset: number, value: number): void {
    this.checkAccess(offset, 4);
    if (!this.writable) throw new UnsupportedError(`region ${this.index} of ${this.device} is read-only`);
    this.u32[0] = value >>> 0;
    this.transfer("pwrite", offset, 4);
  }
  write16(offset: number, value: number): void {
    this.write(offset, 2, BigInt(value));
  }
  write8(offset: number, value: number): void {
    this.write(offset, 1, BigInt(value));
  }

  /**
   * Read `count` registers of `width` starting at `offset`, each read exactly once (read-to-clear registers are safe
   * to dump). Bounds of the whole range are checked first.
   */
  readMany(offset: number, width: Width, count: number): bigint[] {
    if (count > 0) this.checkAccess(offset + (count - 1) * width, width);
    const out: bigint[] = [];
    for (let i = 0; i < count; i++) out.push(this.read(offset + i * width, width));
    return out;
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

  private transfer(kind: "pread" | "pwrite", offset: number, width: number): void {
    const view = width === 4 ? this.view4 : width === 2 ? this.view2 : this.view1;
    let n: number;
    try {
      const at = this.fileOffset + offset;
      n = kind === "pread" ? this.b.pread(this.fd, view, at) : this.b.pwrite(this.fd, view, at);
    } catch (e) {
      if (e instanceof SyscallError) {
        throw new VfioError(`${kind} region ${this.index} offset 0x${offset.toString(16)}`, { device: this.device, cause: e });
      }
      throw e;
    }
    if (n !== width) {
      throw new VfioError(`${kind} region ${this.index} offset 0x${offset.toString(16)}`, {
        device: this.device,
        detail: `short ${kind}: ${n} of ${width} bytes`,
      });
    }
  }
}

