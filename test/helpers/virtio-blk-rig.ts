// A minimal virtio-blk driver for the tests, written from the virtio 1.x spec (4.2 MMIO, 2.7 split rings, 5.2 block):
// raw register accesses and hand-built rings in memory the device reaches by DMA. It drives the model directly (a
// fake DmaPort over a flat buffer) or through VFIO (pread/pwrite on the region, a type1-mapped buffer): same code.
import type { BusAccess, BusFault, DmaPort } from "../../src/sim/devices/device-model.ts";

/** What the rig needs of the transport: 32-bit register accesses at byte offsets of the window. */
export interface Regs {
  read(offset: number): number;
  write(offset: number, value: number): void;
}

/** Memory the device sees at bus address `base` (view[0] is at `base`). */
export interface Mem {
  view: Uint8Array;
  base: bigint;
}

export const R = {
  MAGIC: 0x000, VERSION: 0x004, DEVICE_ID: 0x008, VENDOR: 0x00c, DEVICE_FEATURES: 0x010, DEVICE_FEATURES_SEL: 0x014,
  DRIVER_FEATURES: 0x020, DRIVER_FEATURES_SEL: 0x024, GUEST_PAGE_SIZE: 0x028, QUEUE_SEL: 0x030, QUEUE_NUM_MAX: 0x034,
  QUEUE_NUM: 0x038, QUEUE_ALIGN: 0x03c, QUEUE_PFN: 0x040, QUEUE_READY: 0x044, QUEUE_NOTIFY: 0x050, ISR: 0x060,
  ACK: 0x064, STATUS: 0x070, DESC_LO: 0x080, DESC_HI: 0x084, DRIVER_LO: 0x090, DRIVER_HI: 0x094, DEVICE_LO: 0x0a0,
  DEVICE_HI: 0x0a4, GENERATION: 0x0fc, CONFIG: 0x100,
} as const;

export const T = { IN: 0, OUT: 1, SCSI: 2, FLUSH: 4, GET_ID: 8, DISCARD: 11, WRITE_ZEROES: 13 } as const;

/** Memory layout of the rig (offsets in Mem): the ring pages, then request headers, status bytes and data. */
export const LAYOUT = { RING: 0x0000, INDIRECT: 0x2800, HEADER: 0x3000, STATUS: 0x3800, DATA: 0x4000 } as const;
export const MEM_SIZE = 0x4000 + 0x10000;

/**
 * A flat buffer behind a DmaPort: every access inside [base, base+size) succeeds, anything else faults with `outside`
 * (an IOMMU's translation fault, or "decode": nothing at that physical address).
 */
export function flatPort(mem: Mem, outside: "translation" | "decode" = "translation"): DmaPort & { accesses: BusAccess[] } {
  const accesses: BusAccess[] = [];
  return {
    accesses,
    access(a: BusAccess) {
      accesses.push(a);
      const off = a.address - mem.base;
      if (off < 0n || off + BigInt(a.length) > BigInt(mem.view.length)) return { views: [], fault: { kind: outside as BusFault["kind"], address: a.address } };
      return { views: [mem.view.subarray(Number(off), Number(off) + a.length)] };
    },
  };
}

export interface Segment {
  /** Bus address (default: inside the rig's memory). */
  addr: bigint;
  len: number;
  write: boolean;
}

export interface Done {
  status: number;
  /** The used element's id and len; undefined when the device put nothing on the used ring. */
  used?: { id: number; len: number };
}

export class BlkRig {
  readonly dv: DataView;
  avail = 0;
  usedSeen = 0;

  constructor(
    readonly regs: Regs,
    readonly mem: Mem,
    readonly version: 1 | 2,
    readonly qsize = 8,
  ) {
    this.dv = new DataView(mem.view.buffer, mem.view.byteOffset, mem.view.byteLength);
  }

  get descAt(): number {
    return LAYOUT.RING;
  }
  get availAt(): number {
    return LAYOUT.RING + 16 * this.qsize;
  }
  /** Used ring: at the next 4 KiB boundary (legacy QueueAlign 4096; the modern rig uses the same place). */
  get usedAt(): number {
    const end = this.availAt + 4 + 2 * this.qsize;
    return Math.ceil(end / 4096) * 4096;
  }

  features(sel: number): number {
    this.regs.write(R.DEVICE_FEATURES_SEL, sel);
    return this.regs.read(R.DEVICE_FEATURES);
  }

  /** Reset, negotiate `accept` (masked by the offer), set up queue 0, DRIVER_OK. */
  init(accept: bigint = (1n << 9n) | (1n << 32n)): void {
    const r = this.regs;
    r.write(R.STATUS, 0);
    this.mem.view.fill(0, LAYOUT.RING, LAYOUT.HEADER); // fresh rings
    r.write(R.STATUS, 1);
    r.write(R.STATUS, 1 | 2);
    const offered = BigInt(this.features(0)) | (BigInt(this.features(1)) << 32n);
    const take = offered & accept;
    r.write(R.DRIVER_FEATURES_SEL, 0);
    r.write(R.DRIVER_FEATURES, Number(take & 0xffffffffn));
    if (this.version === 2) {
      r.write(R.DRIVER_FEATURES_SEL, 1);
      r.write(R.DRIVER_FEATURES, Number(take >> 32n));
      r.write(R.STATUS, 1 | 2 | 8);
    } else {
      r.write(R.GUEST_PAGE_SIZE, 4096);
    }
    r.write(R.QUEUE_SEL, 0);
    r.write(R.QUEUE_NUM, this.qsize);
    const ring = this.mem.base + BigInt(LAYOUT.RING);
    if (this.version === 1) {
      r.write(R.QUEUE_ALIGN, 4096);
      r.write(R.QUEUE_PFN, Number(ring >> 12n));
    } else {
      const put = (lo: number, hi: number, a: bigint) => {
        r.write(lo, Number(a & 0xffffffffn));
        r.write(hi, Number(a >> 32n));
      };
      put(R.DESC_LO, R.DESC_HI, this.mem.base + BigInt(this.descAt));
      put(R.DRIVER_LO, R.DRIVER_HI, this.mem.base + BigInt(this.availAt));
      put(R.DEVICE_LO, R.DEVICE_HI, this.mem.base + BigInt(this.usedAt));
      r.write(R.QUEUE_READY, 1);
    }
    r.write(R.STATUS, r.read(R.STATUS) | 4);
    this.avail = 0;
    this.usedSeen = 0;
  }

  addr(offset: number): bigint {
    return this.mem.base + BigInt(offset);
  }

  /** Write descriptor `i` of the table at `tableAt` (default: the ring's). */
  desc(i: number, d: { addr: bigint; len: number; flags: number; next?: number }, tableAt = this.descAt): void {
    const o = tableAt + 16 * i;
    this.dv.setBigUint64(o, d.addr, true);
    this.dv.setUint32(o + 8, d.len, true);
    this.dv.setUint16(o + 12, d.flags, true);
    this.dv.setUint16(o + 14, d.next ?? 0, true);
  }

  /** Put `head` on the available ring and notify queue 0 (unless told not to). */
  offer(head: number, notify = true): void {
    this.dv.setUint16(this.availAt + 4 + 2 * (this.avail % this.qsize), head, true);
    this.avail = (this.avail + 1) & 0xffff;
    this.dv.setUint16(this.availAt + 2, this.avail, true);
    if (notify) this.regs.write(R.QUEUE_NOTIFY, 0);
  }

  usedIdx(): number {
    return this.dv.getUint16(this.usedAt + 2, true);
  }

  /** The next used element, if the device has put one there since the last call. */
  takeUsed(): { id: number; len: number } | undefined {
    if (this.usedIdx() === this.usedSeen) return undefined;
    const o = this.usedAt + 4 + 8 * (this.usedSeen % this.qsize);
    this.usedSeen = (this.usedSeen + 1) & 0xffff;
    return { id: this.dv.getUint32(o, true), len: this.dv.getUint32(o + 4, true) };
  }

  header(type: number, sector: bigint): void {
    this.dv.setUint32(LAYOUT.HEADER, type, true);
    this.dv.setUint32(LAYOUT.HEADER + 4, 0, true);
    this.dv.setBigUint64(LAYOUT.HEADER + 8, sector, true);
  }

  /**
   * One request as a three-descriptor chain (header, data, status) starting at descriptor `head`; data is read by the
   * device for OUT (`data` copied to the data area first) and written by it otherwise. Returns the status byte (0xee
   * when the device did not write it) and the used element.
   */
  request(type: number, sector: bigint, o: { data?: Uint8Array; inLen?: number; head?: number; segments?: Segment[] } = {}): Done {
    const head = o.head ?? 0;
    this.header(type, sector);
    this.mem.view[LAYOUT.STATUS] = 0xee;
    if (o.data) this.mem.view.set(o.data, LAYOUT.DATA);
    const segs: Segment[] = [{ addr: this.addr(LAYOUT.HEADER), len: 16, write: false }];
    if (o.segments) segs.push(...o.segments);
    else if (o.data) segs.push({ addr: this.addr(LAYOUT.DATA), len: o.data.length, write: false });
    else if (o.inLen) segs.push({ addr: this.addr(LAYOUT.DATA), len: o.inLen, write: true });
    segs.push({ addr: this.addr(LAYOUT.STATUS), len: 1, write: true });
    segs.forEach((s, i) => {
      const last = i === segs.length - 1;
      this.desc((head + i) % this.qsize, { addr: s.addr, len: s.len, flags: (last ? 0 : 1) | (s.write ? 2 : 0), next: (head + i + 1) % this.qsize });
    });
    this.offer(head);
    return { status: this.mem.view[LAYOUT.STATUS]!, used: this.takeUsed() };
  }

  /** The data area as the device left it. */
  data(length: number): Uint8Array {
    return this.mem.view.slice(LAYOUT.DATA, LAYOUT.DATA + length);
  }

  /** A config-space byte/word as the driver reads it (32-bit accesses only here). */
  config32(offset: number): number {
    return this.regs.read(R.CONFIG + offset);
  }
}

/** A recognisable sector-sized pattern. */
export function pattern(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed * 13 + (i >> 8)) & 0xff;
  return out;
}
