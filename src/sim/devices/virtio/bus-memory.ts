// Reading and writing guest memory the way a virtio device does: every byte through the model's DmaPort (the IOMMU on
// `virt`, physical memory on a board without one), never another path. An address the port cannot reach is not
// papered over: it throws Unreachable, which the transport turns into what QEMU does (the device marks itself broken).
import type { BusAccess, BusFault, DmaPort } from "../device-model.ts";

/** A bus access the DmaPort refused (IOMMU fault, bus error): carries the port's fault. */
export class Unreachable extends Error {
  override readonly name = "Unreachable";
  constructor(
    readonly address: bigint,
    readonly length: number,
    readonly fault: BusFault | undefined,
  ) {
    super(`bus access at 0x${address.toString(16)} (+${length}) not reachable: ${fault?.kind ?? "no DMA port"}`);
  }
}

/** Guest memory as the device sees it on its bus. */
export class BusMemory {
  constructor(
    private readonly port: DmaPort | undefined,
    /** The transactions' stream ID (a virtio-mmio transport is one master). */
    private readonly streamId = 0,
  ) {}

  /**
   * Views of [address, address+length) in order (real memory: writes to them land in the program's buffer).
   * @throws Unreachable when any part of the range cannot be reached.
   */
  map(address: bigint, length: number, write: boolean): Uint8Array[] {
    if (length === 0) return [];
    if (address < 0n || address + BigInt(length) > 1n << 64n) throw new Unreachable(address, length, undefined);
    const a: BusAccess = { address, length, write, instruction: false, privileged: false, nonSecure: true, streamId: this.streamId };
    const r = this.port?.access(a);
    if (!r) throw new Unreachable(address, length, undefined);
    const got = r.views.reduce((n, v) => n + v.length, 0);
    if (r.fault || got < length) throw new Unreachable(r.fault?.address ?? address + BigInt(got), length, r.fault);
    return r.views;
  }

  /** A copy of [address, address+length). @throws Unreachable */
  read(address: bigint, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let at = 0;
    for (const v of this.map(address, length, false)) {
      out.set(v.subarray(0, length - at), at);
      at += v.length;
    }
    return out;
  }

  /** Store `data` at `address`. @throws Unreachable (nothing is written then). */
  write(address: bigint, data: Uint8Array): void {
    let at = 0;
    for (const v of this.map(address, data.length, true)) {
      const n = Math.min(v.length, data.length - at);
      v.set(data.subarray(at, at + n));
      at += n;
    }
  }

  readU16(address: bigint): number {
    const b = this.read(address, 2);
    return b[0]! | (b[1]! << 8);
  }

  writeU16(address: bigint, value: number): void {
    this.write(address, Uint8Array.of(value & 0xff, (value >> 8) & 0xff));
  }

  writeU32(address: bigint, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.write(address, b);
  }
}
