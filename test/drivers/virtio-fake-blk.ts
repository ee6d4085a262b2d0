// A test double for the virtio-blk driver: a virtio-blk device behind a virtio-mmio register port (legacy or modern),
// written from the spec (virtio 1.x, 4.2 and 5.2) independently of the driver, over a fake DMA space whose buffers
// are plain memory at made-up IOVAs. Knobs make it misbehave (refuse FEATURES_OK, fail requests, never complete,
// need a reset), so the driver's failure paths can be driven one by one.
import type { KernelBoundary, ProcessMemory } from "../../src/boundary/kernel-boundary.ts";
import type { DmaMapping, DmaPermissions, DmaSpace } from "../../src/vfio/dma-space.ts";

/** Plain memory mapped at IOVAs; the device model resolves its addresses here. */
export class FakeDmaSpace implements DmaSpace {
  readonly kind = "type1" as const;
  readonly noiommu = false;
  readonly mappings: DmaMapping[] = [];
  private readonly bytes = new Map<bigint, Uint8Array>();
  dmaWindow() {
    return { pageSize: 4096n, iovaRanges: [{ start: 0x100000n, end: 0xffffffffn }] };
  }
  mapMemory(mem: ProcessMemory, iova: bigint, perm: DmaPermissions): DmaMapping {
    const m = { vaddr: mem.address, iova, size: BigInt(mem.length), ...perm };
    this.mappings.push(m);
    this.bytes.set(iova, mem.bytes);
    return m;
  }
  unmapDma(iova: bigint, size: bigint): bigint {
    const i = this.mappings.findIndex((m) => m.iova === iova);
    if (i >= 0) this.mappings.splice(i, 1);
    this.bytes.delete(iova);
    return size;
  }
  /** `length` bytes at device address `addr`, which must lie inside one mapping. */
  at(addr: bigint, length: number): Uint8Array {
    for (const [iova, mem] of this.bytes) {
      if (addr >= iova && addr + BigInt(length) <= iova + BigInt(mem.length)) return mem.subarray(Number(addr - iova), Number(addr - iova) + length);
    }
    throw new Error(`fake DMA to unmapped address 0x${addr.toString(16)}`);
  }
  get live(): number {
    return this.bytes.size;
  }
}

/** A boundary that gives out plain memory (all DmaBuffer.allocate needs). */
export function memoryBoundary(): KernelBoundary {
  let next = 0x7000_0000n;
  return {
    allocMemory(length: number): ProcessMemory {
      const address = next;
      next += BigInt(length);
      return { address, length, bytes: new Uint8Array(length), free() {} };
    },
  } as unknown as KernelBoundary;
}

export interface FakeBlkOptions {
  version?: 1 | 2;
  deviceId?: number;
  sectors?: number;
  /** Feature bits offered (default: SEG_MAX, BLK_SIZE, FLUSH, plus VERSION_1 on modern). */
  features?: bigint;
  segMax?: number;
  blkSize?: number;
  queueNumMax?: number;
  /** Clear FEATURES_OK when the driver sets it. */
  refuseFeatures?: boolean;
  /** The status byte every request gets (default 0, OK). */
  requestStatus?: number;
  /** Take requests but never complete them. */
  stall?: boolean;
  /** Set DEVICE_NEEDS_RESET instead of completing the next request. */
  needsResetOnRequest?: boolean;
  /** Ignore a write of 0 to Status (a modern device that never finishes its reset). */
  stuckReset?: boolean;
  /** Report this many extra bytes written in each used entry (a faulty device). */
  overreport?: number;
  /** Flip this byte of the disk in every read answer (the disk lies). */
  corruptReadAt?: number;
}

const f = (n: bigint) => 1n << n;

export class FakeBlk {
  readonly disk: Uint8Array;
  status = 0;
  isr = 0;
  requests: { type: number; sector: bigint; segments: number }[] = [];
  driverFeatures = 0n;
  irqRaised = 0;
  private sel = { devFeat: 0, drvFeat: 0, queue: 0 };
  private q = { num: 0, align: 4096, pfn: 0, ready: 0, desc: 0n, avail: 0n, used: 0n, lastAvail: 0 };
  private pageSize = 0;
  private readonly o: Required<Omit<FakeBlkOptions, "corruptReadAt">> & { corruptReadAt?: number };

  constructor(
    private readonly mem: FakeDmaSpace,
    opts: FakeBlkOptions = {},
  ) {
    const version = opts.version ?? 1;
    this.o = {
      version,
      deviceId: 2,
      sectors: 64,
      features: f(2n) | f(6n) | f(9n) | (version === 2 ? f(32n) : 0n),
      segMax: 126,
      blkSize: 512,
      queueNumMax: 256,
      refuseFeatures: false,
      requestStatus: 0,
      stall: false,
      needsResetOnRequest: false,
      overreport: 0,
      stuckReset: false,
      ...opts,
    };
    this.disk = new Uint8Array(this.o.sectors * 512);
  }

  /** A VirtioRegisters port onto the device. */
  get regs() {
    return {
      read8: (o: number) => this.read(o) & 0xff,
      read16: (o: number) => this.read(o) & 0xffff,
      read32: (o: number) => this.read(o),
      write32: (o: number, v: number) => this.write(o, v),
    };
  }

  private read(o: number): number {
    const legacy = this.o.version === 1;
    if (o >= 0x100) return this.config(o - 0x100);
    switch (o) {
      case 0x000: return 0x74726976;
      case 0x004: return this.o.version;
      case 0x008: return this.o.deviceId;
      case 0x00c: return 0x554d4551;
      case 0x010: return Number((this.o.features >> BigInt(32 * this.sel.devFeat)) & 0xffffffffn);
      case 0x034: return this.sel.queue === 0 ? this.o.queueNumMax : 0;
      case 0x040: return legacy ? this.q.pfn : 0;
      case 0x044: return legacy ? 0 : this.q.ready;
      case 0x060: return this.isr;
      case 0x070: return this.status;
      case 0x0fc: return 0;
      default: return 0;
    }
  }

  private config(o: number): number {
    const c = new DataView(new ArrayBuffer(0x40));
    c.setBigUint64(0, BigInt(this.o.sectors), true);
    c.setUint32(0x0c, this.o.segMax, true);
    c.setUint32(0x14, this.o.blkSize, true);
    return o + 4 <= 0x40 ? c.getUint32(o, true) : 0;
  }

  private write(o: number, v: number): void {
    switch (o) {
      case 0x014: this.sel.devFeat = v; break;
      case 0x020: this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << BigInt(32 * this.sel.drvFeat))) | (BigInt(v) << BigInt(32 * this.sel.drvFeat)); break;
      case 0x024: this.sel.drvFeat = v; break;
      case 0x028: this.pageSize = v; break;
      case 0x030: this.sel.queue = v; break;
      case 0x038: this.q.num = v; break;
      case 0x03c: this.q.align = v; break;
      case 0x040: {
        this.q.pfn = v;
        const base = BigInt(v) * BigInt(this.pageSize);
        this.q.desc = base;
        this.q.avail = base + BigInt(16 * this.q.num);
        const usedOff = Math.ceil((16 * this.q.num + 6 + 2 * this.q.num) / this.q.align) * this.q.align;
        this.q.used = base + BigInt(usedOff);
        break;
      }
      case 0x044: this.q.ready = v; break;
      case 0x050: this.notify(); break;
      case 0x064: this.isr &= ~v; break;
      case 0x070:
        if (v === 0) return this.o.stuckReset ? undefined : this.reset();
        this.status = v;
        if (this.o.refuseFeatures && v & 8) this.status &= ~8;
        break;
      case 0x080: this.q.desc = (this.q.desc & ~0xffffffffn) | BigInt(v >>> 0); break;
      case 0x084: this.q.desc = (this.q.desc & 0xffffffffn) | (BigInt(v >>> 0) << 32n); break;
      case 0x090: this.q.avail = (this.q.avail & ~0xffffffffn) | BigInt(v >>> 0); break;
      case 0x094: this.q.avail = (this.q.avail & 0xffffffffn) | (BigInt(v >>> 0) << 32n); break;
      case 0x0a0: this.q.used = (this.q.used & ~0xffffffffn) | BigInt(v >>> 0); break;
      case 0x0a4: this.q.used = (this.q.used & 0xffffffffn) | (BigInt(v >>> 0) << 32n); break;
    }
  }

  private reset(): void {
    this.status = 0;
    this.isr = 0;
    this.driverFeatures = 0n;
    this.q = { num: 0, align: 4096, pfn: 0, ready: 0, desc: 0n, avail: 0n, used: 0n, lastAvail: 0 };
  }

  private notify(): void {
    if (!(this.status & 4) || this.o.stall) return;
    const dv = (a: bigint, n: number) => {
      const b = this.mem.at(a, n);
      return new DataView(b.buffer, b.byteOffset, n);
    };
    const avail = dv(this.q.avail, 4 + 2 * this.q.num);
    const idx = avail.getUint16(2, true);
    while (this.q.lastAvail !== idx) {
      if (this.o.needsResetOnRequest) {
        this.status |= 64;
        this.isr |= 2;
        this.irqRaised++;
        return;
      }
      const head = avail.getUint16(4 + 2 * (this.q.lastAvail % this.q.num), true);
      this.q.lastAvail = (this.q.lastAvail + 1) & 0xffff;
      const chain: { addr: bigint; len: number; write: boolean }[] = [];
      for (let i = head, n = 0; n < this.q.num; n++) {
        const d = dv(this.q.desc + BigInt(16 * i), 16);
        const flags = d.getUint16(12, true);
        chain.push({ addr: d.getBigUint64(0, true), len: d.getUint32(8, true), write: (flags & 2) !== 0 });
        if (!(flags & 1)) break;
        i = d.getUint16(14, true);
      }
      const hdr = dv(chain[0]!.addr, 16);
      const type = hdr.getUint32(0, true);
      const sector = hdr.getBigUint64(8, true);
      const data = chain.slice(1, -1);
      this.requests.push({ type, sector, segments: data.length });
      let at = Number(sector) * 512;
      let written = 0;
      for (const s of data) {
        const buf = this.mem.at(s.addr, s.len);
        if (type === 0) {
          buf.set(this.disk.subarray(at, at + s.len));
          if (this.o.corruptReadAt !== undefined && this.o.corruptReadAt >= at && this.o.corruptReadAt < at + s.len) buf[this.o.corruptReadAt - at]! ^= 0xff;
          written += s.len;
        } else if (type === 1) this.disk.set(buf, at);
        else if (type === 8) {
          buf.set(new TextEncoder().encode("fake-blk-serial").subarray(0, s.len));
          written += s.len;
        }
        at += s.len;
      }
      this.mem.at(chain.at(-1)!.addr, 1)[0] = this.o.requestStatus;
      const used = dv(this.q.used, 4 + 8 * this.q.num);
      const uidx = used.getUint16(2, true);
      used.setUint32(4 + 8 * (uidx % this.q.num), head, true);
      used.setUint32(8 + 8 * (uidx % this.q.num), written + 1 + this.o.overreport, true);
      used.setUint16(2, (uidx + 1) & 0xffff, true);
      this.isr |= 1;
      this.irqRaised++;
    }
  }
}
