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

/** QEMU's bounce buffer for memory nothing decodes: one target page. */
const BOUNCE_BYTES = 4096;

/** Whether a chain may still borrow the bounce buffer (once per chain: it stays taken until the request completes). */
export interface BounceBudget {
  free: boolean;
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

  /**
   * A data buffer's views, as QEMU maps one without an IOMMU: where nothing decodes the address (fault "decode":
   * outside RAM, or RAM no page of this process backs) QEMU lends its one bounce buffer (at most a page) for the
   * chain, so the device reads zeros there, its writes go nowhere and the request completes; a second such piece in
   * the same chain finds the bounce buffer taken. Any other fault (an IOMMU's) fails the map, as in QEMU.
   * @throws Unreachable when the map fails
   */
  mapData(address: bigint, length: number, write: boolean, bounce: BounceBudget): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < length) {
      const here = address + BigInt(at);
      const r = this.port?.access({ address: here, length: length - at, write, instruction: false, privileged: false, nonSecure: true, streamId: this.streamId });
      if (!r) throw new Unreachable(here, length - at, undefined);
      for (const v of r.views) {
        out.push(v);
        at += v.length;
      }
      if (at >= length) break;
      const fault = r.fault?.address ?? here;
      if ((r.fault?.kind as string | undefined) !== "decode" || !bounce.free) throw new Unreachable(fault, length, r.fault);
      bounce.free = false;
      const piece = Math.min(length - at, BOUNCE_BYTES);
      out.push(new Uint8Array(piece));
      at += piece;
    }
    return out;
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
