// One split virtqueue as the device side walks it (virtio 1.x 2.7): the available ring gives descriptor chains, the
// chain's buffers are mapped through the bus (device-readable first, then device-writable), and finished chains go
// to the used ring, with the interrupt decision of 2.7.7/2.7.10 (NO_INTERRUPT flag, or used_event with EVENT_IDX).
// A malformed ring is an error the transport answers as QEMU does (the device stops: "broken"), never a crash.
import { type BounceBudget, BusMemory } from "./bus-memory.ts";
import { AVAIL_F_NO_INTERRUPT, DESC_F } from "../../../spec/virtio-mmio.ts";

/** A queue's addresses and indexes; plain data, saved between processes. */
export interface RingState {
  /** Queue size (entries); 0 for a queue the device does not have. */
  num: number;
  desc: bigint;
  avail: bigint;
  used: bigint;
  /** The next available-ring entry to take (free-running 16-bit). */
  lastAvail: number;
  /** The used ring's index as the device wrote it last (free-running 16-bit). */
  usedIdx: number;
  /** The used index when the driver was last interrupted (EVENT_IDX bookkeeping), -1 for none yet. */
  signalledUsed: number;
}

export function emptyRing(num: number): RingState {
  return { num, desc: 0n, avail: 0n, used: 0n, lastAvail: 0, usedIdx: 0, signalledUsed: -1 };
}

/** The most buffers (and indirect-table entries) one chain may have: QEMU's VIRTQUEUE_MAX_SIZE scatter entries. */
const MAX_SEGMENTS = 1024;

/** A descriptor chain taken from the available ring, its buffers mapped. */
export interface Chain {
  head: number;
  /** Device-readable buffers, in order. */
  out: Uint8Array[];
  /** Device-writable buffers, in order. */
  in: Uint8Array[];
  /** How many device-readable and device-writable descriptors the chain had (QEMU's out_num / in_num). */
  outCount: number;
  inCount: number;
}

/** The ring is malformed: the facts of what is wrong (QEMU's virtio_error cases). */
export class RingError extends Error {
  override readonly name = "RingError";
}

interface Desc {
  addr: bigint;
  len: number;
  flags: number;
  next: number;
}

function decodeDesc(b: Uint8Array, at: number): Desc {
  const v = new DataView(b.buffer, b.byteOffset + at, 16);
  return { addr: v.getBigUint64(0, true), len: v.getUint32(8, true), flags: v.getUint16(12, true), next: v.getUint16(14, true) };
}

/** The split-ring operations over one queue's state. */
export class SplitRing {
  constructor(
    private readonly s: RingState,
    private readonly mem: BusMemory,
    private readonly features: { indirect: boolean; eventIdx: boolean; notifyOnEmpty: boolean },
  ) {}

  /**
   * The next available chain, or undefined when the driver has made none available.
   * @throws RingError for a malformed ring; Unreachable when the bus refuses a ring or buffer address
   */
  pop(): Chain | undefined {
    const s = this.s;
    const availIdx = this.mem.readU16(s.avail + 2n);
    const pending = (availIdx - s.lastAvail) & 0xffff;
    if (pending > s.num) throw new RingError(`guest moved the available index from ${s.lastAvail} to ${availIdx}`);
    if (pending === 0) return undefined;
    const head = this.mem.readU16(s.avail + 4n + 2n * BigInt(s.lastAvail % s.num));
    s.lastAvail = (s.lastAvail + 1) & 0xffff;
    if (head >= s.num) throw new RingError(`guest says descriptor ${head} is available (queue size ${s.num})`);
    if (this.features.eventIdx) this.mem.writeU16(s.used + 4n + 8n * BigInt(s.num), s.lastAvail); // avail_event
    return this.#walk(head);
  }

  #walk(head: number): Chain {
    const chain: Chain = { head, out: [], in: [], outCount: 0, inCount: 0 };
    // Descriptors are read one at a time from the ring's table, or from an indirect table read whole.
    let read = (i: number) => decodeDesc(this.mem.read(this.s.desc + 16n * BigInt(i), 16), 0);
    let max = this.s.num;
    let d = read(head);
    const indirect = (d.flags & DESC_F.INDIRECT) !== 0 && this.features.indirect;
    if (indirect) {
      if (d.len === 0 || d.len % 16 !== 0 || d.len > 16 * MAX_SEGMENTS) {
        throw new RingError(`invalid size ${d.len} for an indirect descriptor table`);
      }
      const table = this.mem.read(d.addr, d.len);
      read = (i: number) => decodeDesc(table, 16 * i);
      max = d.len / 16;
      d = read(0);
    }
    const bounce: BounceBudget = { free: true };
    for (let seen = 1; ; seen++) {
      if (seen > max) throw new RingError("looped descriptor chain");
      if (indirect && d.flags & DESC_F.INDIRECT) throw new RingError("indirect descriptor inside an indirect table");
      if (d.len === 0) throw new RingError("zero-sized buffers are not allowed");
      if (d.flags & DESC_F.WRITE) {
        chain.in.push(...this.mem.mapData(d.addr, d.len, true, bounce));
        chain.inCount++;
      } else {
        if (chain.inCount > 0) throw new RingError("a device-readable descriptor after a device-writable one");
        chain.out.push(...this.mem.mapData(d.addr, d.len, false, bounce));
        chain.outCount++;
      }
      if (chain.in.length + chain.out.length > MAX_SEGMENTS) throw new RingError("too many buffers in one chain");
      if (!(d.flags & DESC_F.NEXT)) return chain;
      if (d.next >= max) throw new RingError(`descriptor next is ${d.next} (table of ${max})`);
      d = read(d.next);
    }
  }

  /**
   * Put a finished chain on the used ring (`len`: bytes the device wrote) and say whether the driver wants an
   * interrupt for it. @throws Unreachable when the bus refuses the used ring
   */
  push(head: number, len: number): boolean {
    const s = this.s;
    const at = s.used + 4n + 8n * BigInt(s.usedIdx % s.num);
    const elem = new Uint8Array(8);
    const v = new DataView(elem.buffer);
    v.setUint32(0, head, true);
    v.setUint32(4, len >>> 0, true);
    this.mem.write(at, elem);
    s.usedIdx = (s.usedIdx + 1) & 0xffff;
    this.mem.writeU16(s.used + 2n, s.usedIdx);
    return this.#shouldNotify();
  }

  #shouldNotify(): boolean {
    const s = this.s;
    const availIdx = this.mem.readU16(s.avail + 2n);
    if (this.features.notifyOnEmpty && availIdx === s.lastAvail) return true;
    if (!this.features.eventIdx) return (this.mem.readU16(s.avail) & AVAIL_F_NO_INTERRUPT) === 0;
    const old = s.signalledUsed;
    s.signalledUsed = s.usedIdx;
    if (old < 0) return true;
    const usedEvent = this.mem.readU16(s.avail + 4n + 2n * BigInt(s.num));
    // vring_need_event: the driver's used_event lies in (old, new].
    return ((s.usedIdx - usedEvent - 1) & 0xffff) < ((s.usedIdx - old) & 0xffff);
  }
}
