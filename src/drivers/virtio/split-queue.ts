// One split virtqueue (virtio 1.x, 2.7): the descriptor table, the available ring and the used ring, laid out in one
// piece of device-visible memory so that the legacy transport's single QueuePFN can describe it too (2.7.2 "Legacy
// Interfaces: A Note on Virtqueue Layout"): descriptors at 0, the available ring right after, the used ring at the
// next multiple of the alignment. The ring memory is shared with the device: it is read and written little-endian.

/** Descriptor flags (2.7.5). */
const VIRTQ_DESC_F_NEXT = 1;
const VIRTQ_DESC_F_WRITE = 2;

/** Bytes per descriptor: le64 addr, le32 len, le16 flags, le16 next. */
const DESC_SIZE = 16;

/** The byte offsets of the three parts and the bytes the whole ring takes, for `size` entries and `align`. */
export interface RingLayout {
  size: number;
  align: number;
  avail: number;
  used: number;
  bytes: number;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/**
 * The legacy layout of a ring of `size` entries (a power of two) with its used ring aligned to `align` (a power of
 * two). The available ring counts its trailing used_event field, as the spec's formula does: a device that leaves it
 * out (it matters only with VIRTIO_F_EVENT_IDX, which this driver never accepts) places the used ring at the same
 * offset unless 18*size+4 is a multiple of `align`, which the caller avoids (ringLayoutAgrees).
 */
export function ringLayout(size: number, align: number): RingLayout {
  const avail = DESC_SIZE * size;
  const used = alignUp(avail + 6 + 2 * size, align);
  return { size, align, avail, used, bytes: used + 6 + 8 * size };
}

/** True when devices that do and do not count used_event in the available ring agree where the used ring starts. */
export function ringLayoutAgrees(size: number, align: number): boolean {
  return alignUp(DESC_SIZE * size + 4 + 2 * size, align) === ringLayout(size, align).used;
}

/** One piece of a request: `length` bytes at device address `address`; `deviceWrites` when the device fills it. */
export interface Buffer {
  address: bigint;
  length: number;
  deviceWrites: boolean;
}

/** A chain the device has finished with: its head, the bytes it wrote into the chain's writable part, and room for them. */
export interface UsedChain {
  head: number;
  written: number;
  /** The bytes of device-writable buffers the chain offered: `written` above this is a device fault. */
  writable: number;
}

/** The device put an entry in the used ring that no chain in flight explains (`detail` says which). */
export class UsedRingError extends RangeError {
  override readonly name = "UsedRingError";
}

export class SplitQueue {
  private readonly view: DataView;
  private readonly free: number[] = [];
  /** Per head in flight: how many descriptors its chain holds (to give them back). */
  private readonly chains = new Map<number, { ids: number[]; writable: number }>();
  private availIdx = 0;
  private lastUsed = 0;

  constructor(
    /** The ring's memory as the program sees it (at least layout.bytes, zeroed). */
    ring: Uint8Array,
    /** The device address of ring byte 0. */
    readonly address: bigint,
    readonly layout: RingLayout,
  ) {
    this.view = new DataView(ring.buffer, ring.byteOffset, layout.bytes);
    for (let i = layout.size - 1; i >= 0; i--) this.free.push(i);
  }

  get size(): number {
    return this.layout.size;
  }

  /** Free descriptors. */
  get available(): number {
    return this.free.length;
  }

  /** Chains handed to the device and not yet taken back. */
  get inFlight(): number {
    return this.chains.size;
  }

  /** The device addresses of the three parts. */
  get placement(): { desc: bigint; avail: bigint; used: bigint } {
    return { desc: this.address, avail: this.address + BigInt(this.layout.avail), used: this.address + BigInt(this.layout.used) };
  }

  /**
   * Write `buffers` as one descriptor chain and publish it in the available ring (the caller then notifies). The
   * device-readable buffers must come before the device-writable ones (2.7.4.2). Returns the chain's head.
   * @throws RangeError when the chain is empty, out of order, or longer than the free descriptors
   */
  submit(buffers: readonly Buffer[]): number {
    if (buffers.length === 0) throw new RangeError("a descriptor chain needs at least one buffer");
    if (buffers.length > this.free.length) throw new RangeError(`a chain of ${buffers.length} descriptors does not fit the ${this.free.length} free ones`);
    for (let i = 1; i < buffers.length; i++) {
      if (buffers[i - 1]!.deviceWrites && !buffers[i]!.deviceWrites) throw new RangeError("device-readable buffers must precede device-writable ones");
    }
    const ids = buffers.map(() => this.free.pop()!);
    const v = this.view;
    buffers.forEach((buf, i) => {
      const at = ids[i]! * DESC_SIZE;
      const last = i === buffers.length - 1;
      v.setBigUint64(at, buf.address, true);
      v.setUint32(at + 8, buf.length, true);
      v.setUint16(at + 12, (last ? 0 : VIRTQ_DESC_F_NEXT) | (buf.deviceWrites ? VIRTQ_DESC_F_WRITE : 0), true);
      v.setUint16(at + 14, last ? 0 : ids[i + 1]!, true);
    });
    const head = ids[0]!;
    const writable = buffers.reduce((n, b) => n + (b.deviceWrites ? b.length : 0), 0);
    this.chains.set(head, { ids, writable });
    // The entry first, then the index that makes it visible (2.7.13): the device reads the entry only after the index.
    const avail = this.layout.avail;
    v.setUint16(avail + 4 + 2 * (this.availIdx % this.layout.size), head, true);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    v.setUint16(avail + 2, this.availIdx, true);
    return head;
  }

  /**
   * Take the chains the device has put in the used ring since the last call, and free their descriptors.
   * `barrier` runs once, after used.idx was seen to move and before any entry is read: a weakly ordered CPU (arm64)
   * may otherwise read an entry older than the index (the caller passes an MMIO read, which orders them).
   * @throws UsedRingError when the device reports a head that is not in flight, or more bytes written than the
   *   chain's writable buffers hold (a device or ring corruption)
   */
  takeUsed(barrier?: () => void): UsedChain[] {
    const v = this.view;
    const used = this.layout.used;
    const deviceIdx = v.getUint16(used + 2, true);
    const out: UsedChain[] = [];
    if (this.lastUsed !== deviceIdx) barrier?.();
    while (this.lastUsed !== deviceIdx) {
      const at = used + 4 + 8 * (this.lastUsed % this.layout.size);
      const head = v.getUint32(at, true);
      const written = v.getUint32(at + 4, true);
      const chain = this.chains.get(head);
      if (!chain) throw new UsedRingError(`the device returned descriptor ${head}, which heads no chain in flight`);
      if (written > chain.writable) throw new UsedRingError(`the device reported ${written} bytes written into chain ${head}, which offers ${chain.writable}`);
      this.chains.delete(head);
      for (const id of chain.ids) this.free.push(id);
      out.push({ head, written, writable: chain.writable });
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    return out;
  }
}
