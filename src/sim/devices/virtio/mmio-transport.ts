// A virtio-mmio transport with a device plugged in, as QEMU 7.2 presents it (virtio 1.x 4.2): the legacy register
// layout (Version 1, QEMU's default: GuestPageSize, QueueAlign, QueuePFN) or the modern one (Version 2: QueueReady,
// QueueDesc/Driver/Device, FEATURES_OK). Guest memory is reached only through the DmaPort; a ring the device cannot
// walk marks it broken (modern: DEVICE_NEEDS_RESET and a config interrupt) until a reset, as QEMU's virtio_error does.
import type { AccessWidth, DeviceContext, DeviceModel } from "../device-model.ts";
import type { DeviceSpec } from "../../boards/board-spec.ts";
import { BLK_F } from "../../../spec/virtio-blk.ts";
import { blkFeatures, type BlkDevice } from "./blk-device.ts";
import { BusMemory, Unreachable } from "./bus-memory.ts";
import { RingError, SplitRing } from "./split-ring.ts";
import { freshTransport, restoreTransport, saveTransport, type TransportState } from "./transport-state.ts";
import { featureBit as bit, INTERRUPT, MMIO, STATUS, VIRTIO_F as F, VIRTIO_MMIO_MAGIC, VIRTIO_MMIO_VENDOR_QEMU } from "../../../spec/virtio-mmio.ts";

/** The largest queue any QEMU virtio device takes (VIRTQUEUE_MAX_SIZE): what QueueNumMax reads for a queue that exists. */
const VIRTQUEUE_MAX_SIZE = 1024;

/** QEMU accepts QueueSel/QueueNotify values below VIRTIO_QUEUE_MAX. */
const VIRTIO_QUEUE_MAX = 1024;
/** virtio-blk's device ID. */
const DEVICE_ID_BLK = 2;
const MASK32 = 0xffff_ffffn;

/**
 * Registers are decoded at 32 bits only (QEMU logs and ignores other widths below the config space); config space
 * takes 8/16/32-bit accesses; a 64-bit access is two 32-bit ones, low first. Interrupt 0 is the transport's edge
 * line: QEMU drives it as a level (InterruptStatus != 0), so the GIC sees an edge only when InterruptStatus leaves 0.
 */
export class VirtioMmioBlk implements DeviceModel {
  readonly #version: 1 | 2;
  readonly #ctx: DeviceContext;
  readonly #mem: BusMemory;
  readonly #blk: BlkDevice;
  readonly #host: bigint;
  #s: TransportState;
  #dirty = false;

  constructor(spec: DeviceSpec, ctx: DeviceContext, version: 1 | 2, blk: BlkDevice) {
    this.#version = version;
    this.#ctx = ctx;
    this.#mem = new BusMemory(ctx.dma, spec.iommu?.streamIds[0] ?? 0);
    this.#blk = blk;
    this.#host = blkFeatures(version);
    this.#s = freshTransport();
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  markSaved(): void {
    this.#dirty = false;
  }

  read(region: number, offset: number, width: AccessWidth): bigint {
    if (region !== 0) return 0n;
    if (width === 8) return this.read(0, offset, 4) | (this.read(0, offset + 4, 4) << 32n);
    if (offset >= MMIO.CONFIG) return this.#configRead(offset - MMIO.CONFIG, width);
    if (width !== 4) return 0n;
    return BigInt(this.#register(offset) >>> 0);
  }

  write(region: number, offset: number, width: AccessWidth, value: bigint): void {
    if (region !== 0) return;
    if (width === 8) {
      this.write(0, offset, 4, value & MASK32);
      this.write(0, offset + 4, 4, (value >> 32n) & MASK32);
      return;
    }
    this.#dirty = true;
    if (offset >= MMIO.CONFIG) {
      const bytes = new Uint8Array(width);
      for (let i = 0; i < width; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
      this.#blk.configWrite(offset - MMIO.CONFIG, bytes);
      this.#s.wce = this.#blk.wce;
      return;
    }
    if (width === 4) this.#writeRegister(offset, Number(value & MASK32));
  }

  advance(): void {}

  nextEventAtMs(): number | undefined {
    return undefined;
  }

  irqAsserted(_index: number): boolean {
    return false; // an edge line: nothing to re-evaluate
  }

  /** The board's reset function: QEMU's device reset (the selectors and guest page size go too). */
  reset(): void {
    this.#s = freshTransport();
    this.#blk.reset();
    this.#dirty = true;
  }

  save(): unknown {
    return saveTransport(this.#s);
  }

  restore(state: unknown): void {
    this.#s = restoreTransport(state);
    this.#blk.wce = this.#s.wce;
  }

  #legacy(): boolean {
    return this.#version === 1;
  }

  #register(offset: number): number {
    const s = this.#s;
    const q = s.queueSel === 0 ? s.queue : undefined;
    switch (offset) {
      case MMIO.MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
      case MMIO.VERSION:
        return this.#version;
      case MMIO.DEVICE_ID:
        return DEVICE_ID_BLK;
      case MMIO.VENDOR_ID:
        return VIRTIO_MMIO_VENDOR_QEMU;
      case MMIO.DEVICE_FEATURES:
        // Legacy shows only the low word; modern any non-zero selector gives the high word (QEMU 7.2, measured).
        if (s.deviceFeaturesSel !== 0) return this.#legacy() ? 0 : Number((this.#host >> 32n) & MASK32);
        return Number(this.#host & MASK32);
      case MMIO.QUEUE_NUM_MAX:
        return q && q.ring.num !== 0 ? VIRTQUEUE_MAX_SIZE : 0;
      case MMIO.QUEUE_PFN:
        return this.#legacy() && q ? Number((q.ring.desc >> BigInt(s.guestPageShift)) & MASK32) : 0;
      case MMIO.QUEUE_READY:
        return !this.#legacy() && q ? (q.enabled ? 1 : 0) : 0;
      case MMIO.INTERRUPT_STATUS:
        return s.isr;
      case MMIO.STATUS:
        return s.status;
      case MMIO.CONFIG_GENERATION:
        return this.#legacy() ? 0 : s.generation;
      default:
        return 0; // write-only or reserved: QEMU logs the guest error and reads 0
    }
  }

  #writeRegister(offset: number, value: number): void {
    const s = this.#s;
    const q = s.queueSel === 0 ? s.queue : undefined;
    const legacy = this.#legacy();
    switch (offset) {
      case MMIO.DEVICE_FEATURES_SEL:
        s.deviceFeaturesSel = value;
        return;
      case MMIO.DRIVER_FEATURES:
        if (legacy) {
          if (s.driverFeaturesSel === 0) this.#setFeatures(BigInt(value));
        } else if (s.driverFeaturesSel < 2) {
          s.stagedFeatures[s.driverFeaturesSel] = value;
        }
        return;
      case MMIO.DRIVER_FEATURES_SEL:
        s.driverFeaturesSel = value;
        return;
      case MMIO.GUEST_PAGE_SIZE:
        if (legacy) s.guestPageShift = value === 0 ? 0 : 31 - Math.clz32(value & -value);
        return;
      case MMIO.QUEUE_SEL:
        if (value < VIRTIO_QUEUE_MAX) s.queueSel = value;
        return;
      case MMIO.QUEUE_NUM:
        if (q) {
          // QEMU keeps a queue's existence: 0 for a queue that exists (or non-zero for one that does not) is ignored.
          if (value !== 0 && value <= VIRTQUEUE_MAX_SIZE) q.ring.num = value;
          if (legacy) this.#layoutLegacy();
          else q.stagedNum = value;
        }
        return;
      case MMIO.QUEUE_ALIGN:
        if (legacy && q) {
          q.align = value;
          this.#layoutLegacy();
        }
        return;
      case MMIO.QUEUE_PFN:
        if (!legacy) return;
        if (value === 0) this.#deviceReset(); // QEMU resets the whole device (the legacy driver's queue teardown)
        else if (q) {
          q.ring.desc = BigInt(value) << BigInt(s.guestPageShift);
          this.#layoutLegacy();
        }
        return;
      case MMIO.QUEUE_READY:
        if (legacy || !q) return;
        if (value) {
          if (q.stagedNum !== 0 && q.stagedNum <= VIRTQUEUE_MAX_SIZE) q.ring.num = q.stagedNum;
          q.ring.desc = q.stagedDesc;
          q.ring.avail = q.stagedDriver;
          q.ring.used = q.stagedDevice;
          q.enabled = true;
        } else q.enabled = false;
        return;
      case MMIO.QUEUE_DESC_LOW:
      case MMIO.QUEUE_DESC_HIGH:
      case MMIO.QUEUE_DRIVER_LOW:
      case MMIO.QUEUE_DRIVER_HIGH:
      case MMIO.QUEUE_DEVICE_LOW:
      case MMIO.QUEUE_DEVICE_HIGH:
        if (!legacy && q) this.#stageAddress(q, offset, value);
        return;
      case MMIO.QUEUE_NOTIFY:
        if (value < VIRTIO_QUEUE_MAX) this.#notify(value);
        return;
      case MMIO.INTERRUPT_ACK:
        s.isr &= ~value;
        return;
      case MMIO.STATUS:
        this.#setStatus(value);
        return;
      default:
        return; // read-only or reserved: ignored
    }
  }

  #stageAddress(q: TransportState["queue"], offset: number, value: number): void {
    const hi = (offset & 4) !== 0;
    const set = (old: bigint) => (hi ? (old & MASK32) | (BigInt(value) << 32n) : (old & ~MASK32) | BigInt(value));
    if (offset < MMIO.QUEUE_DRIVER_LOW) q.stagedDesc = set(q.stagedDesc);
    else if (offset < MMIO.QUEUE_DEVICE_LOW) q.stagedDriver = set(q.stagedDriver);
    else q.stagedDevice = set(q.stagedDevice);
  }

  /** Legacy layout (4.2.4 / QEMU): avail right after the descriptors, used at the next QueueAlign boundary. */
  #layoutLegacy(): void {
    const r = this.#s.queue.ring;
    const align = BigInt(this.#s.queue.align);
    if (r.num === 0 || r.desc === 0n || align === 0n) return;
    r.avail = r.desc + 16n * BigInt(r.num);
    const end = r.avail + 4n + 2n * BigInt(r.num);
    r.used = ((end + align - 1n) / align) * align;
  }

  /** Features the driver accepts: never after DRIVER_OK, and only what the device offers. */
  #setFeatures(value: bigint): void {
    if (this.#s.status & STATUS.DRIVER_OK) return;
    this.#s.guestFeatures = value & this.#host;
  }

  #has(feature: number): boolean {
    return (this.#s.guestFeatures & bit(feature)) !== 0n;
  }

  #setStatus(value: number): void {
    const s = this.#s;
    if (!this.#legacy() && value & STATUS.FEATURES_OK) {
      this.#setFeatures(BigInt(s.stagedFeatures[0]) | (BigInt(s.stagedFeatures[1]) << 32n));
    }
    s.status = value & 0xff;
    // A legacy driver that did not take the flush feature gets a write-through cache at DRIVER_OK (QEMU).
    if (this.#legacy() && value & STATUS.DRIVER_OK && !this.#has(BLK_F.FLUSH)) this.#blk.wce = s.wce = 0;
    if (s.status === 0) this.#deviceReset();
  }

  /** Writing 0 to Status: the device's reset (the transport's selectors and page size stay, as in QEMU). */
  #deviceReset(): void {
    const keep = this.#s;
    const fresh = freshTransport();
    fresh.deviceFeaturesSel = keep.deviceFeaturesSel;
    fresh.driverFeaturesSel = keep.driverFeaturesSel;
    fresh.guestPageShift = keep.guestPageShift;
    fresh.generation = keep.generation;
    fresh.queue.align = keep.queue.align;
    if (!this.#legacy()) {
      const q = keep.queue;
      Object.assign(fresh.queue, { stagedNum: q.stagedNum, stagedDesc: q.stagedDesc, stagedDriver: q.stagedDriver, stagedDevice: q.stagedDevice });
      fresh.stagedFeatures = keep.stagedFeatures;
    }
    this.#s = fresh;
    this.#blk.reset();
    this.#s.wce = this.#blk.wce;
  }

  #notify(index: number): void {
    const s = this.#s;
    if (index !== 0 || s.broken || s.queue.ring.desc === 0n || s.queue.ring.num === 0) return;
    const ring = new SplitRing(s.queue.ring, this.#mem, {
      indirect: this.#has(F.RING_INDIRECT_DESC),
      eventIdx: this.#has(F.RING_EVENT_IDX),
      notifyOnEmpty: this.#has(F.NOTIFY_ON_EMPTY),
    });
    try {
      for (let chain = ring.pop(); chain; chain = ring.pop()) {
        const r = this.#blk.handle(chain);
        if (ring.push(chain.head, r.usedLen)) this.#interrupt(INTERRUPT.USED_BUFFER);
      }
    } catch (e) {
      if (!(e instanceof RingError || e instanceof Unreachable)) throw e;
      this.#broken();
    }
  }

  /** QEMU's virtio_error: the device stops; a modern device also asks for a reset with a config interrupt. */
  #broken(): void {
    const s = this.#s;
    s.broken = true;
    if (!this.#has(F.VERSION_1)) return;
    s.status |= STATUS.DEVICE_NEEDS_RESET;
    if (s.status & STATUS.DRIVER_OK) {
      s.generation = (s.generation + 1) >>> 0;
      this.#interrupt(INTERRUPT.CONFIG_CHANGE | INTERRUPT.USED_BUFFER); // QEMU's config notification sets both bits (InterruptStatus 3)
    }
  }

  #interrupt(bits: number): void {
    const was = this.#s.isr;
    this.#s.isr |= bits;
    if (was === 0) this.#ctx.irq.pulse(0);
  }

  #configRead(offset: number, width: 1 | 2 | 4): bigint {
    const c = this.#blk.config();
    if (offset + width > c.length) return (1n << BigInt(8 * width)) - 1n;
    let v = 0n;
    for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(c[offset + i]!);
    return v;
  }
}
