// mmap of a simulated device region: each accessor becomes exactly one device access of its own width (64-bit
// included, as a CPU load through a real mapping would be), after the Mapping contract's alignment and bounds checks.
import type { Mapping } from "../../boundary/kernel-boundary.ts";
import type { AccessWidth, DeviceModel } from "../devices/device-model.ts";

export class SimMapping implements Mapping {
  private live = true;
  constructor(
    private readonly model: DeviceModel,
    private readonly region: number,
    /** Offset of the mapping's first byte within the region. */
    private readonly base: number,
    readonly length: number,
    private readonly readable: boolean,
    private readonly writable: boolean,
    /** Called after every access (advance time, save dirty state). */
    private readonly after: () => void,
    /** Called before every access (opens the kernel entry's catch-up window, so both advances share it). */
    private readonly before: () => void = () => {},
  ) {}

  private check(offset: number, width: number, write: boolean): void {
    if (!this.live) throw new RangeError("mapping was unmapped");
    if (!Number.isInteger(offset) || offset < 0 || offset % width !== 0 || offset + width > this.length) {
      throw new RangeError(`access of ${width} bytes at offset ${offset} outside or misaligned in a ${this.length}-byte mapping`);
    }
    if (write ? !this.writable : !this.readable) throw new RangeError(`mapping is not ${write ? "writable" : "readable"}`);
  }

  private read(offset: number, width: AccessWidth): bigint {
    this.check(offset, width, false);
    this.before();
    const v = this.model.read(this.region, this.base + offset, width);
    this.after();
    return v;
  }

  private write(offset: number, width: AccessWidth, value: bigint): void {
    this.check(offset, width, true);
    this.before();
    this.model.write(this.region, this.base + offset, width, value);
    this.after();
  }

  read8(offset: number): number {
    return Number(this.read(offset, 1));
  }
  read16(offset: number): number {
    return Number(this.read(offset, 2));
  }
  read32(offset: number): number {
    return Number(this.read(offset, 4));
  }
  read64(offset: number): bigint {
    return this.read(offset, 8);
  }
  write8(offset: number, value: number): void {
    this.write(offset, 1, BigInt(value & 0xff));
  }
  write16(offset: number, value: number): void {
    this.write(offset, 2, BigInt(value & 0xffff));
  }
  write32(offset: number, value: number): void {
    this.write(offset, 4, BigInt(value >>> 0));
  }
  write64(offset: number, value: bigint): void {
    this.write(offset, 8, BigInt.asUintN(64, value));
  }
  unmap(): void {
    this.live = false;
  }
}
