// A user-space virtio-blk driver over virtio-mmio (virtio 1.x, 5.2): bring the device up (reset, ACKNOWLEDGE, DRIVER,
// features, one request queue, DRIVER_OK), read its capacity and block size, and run IN, OUT, FLUSH and GET_ID
// requests one at a time, each as a chain of header, data and status descriptors, completed through the transport's
// interrupt. The data lives in the caller's DmaBuffers and may be scattered (dma-runs.ts). Guarantees are on each method.
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import { DmaBuffer } from "../../vfio/dma-buffer.ts";
import type { DmaSpace } from "../../vfio/dma-space.ts";
import type { Irq } from "../../vfio/irq.ts";
import { BLK_CONFIG, BLK_F, BLK_HEADER_SIZE, BLK_ID_BYTES, BLK_S, BLK_T_OF, VIRTIO_ID_BLOCK, type BlkRequestType } from "./blk-layout.ts";
import { SECTOR_SIZE } from "../../spec/virtio-blk.ts";
import { dmaRuns, type DmaRun } from "./dma-runs.ts";
import { VirtioError, VirtioTimeoutError } from "./errors.ts";
import { STATUS, VIRTIO_F, featureBit } from "../../spec/virtio-mmio.ts";
import { ringLayout, ringLayoutAgrees, SplitQueue } from "./split-queue.ts";
import { LEGACY_PAGE, VirtioMmioTransport, type VirtioRegisters } from "./transport.ts";
import { waitForHead } from "./request-wait.ts";

/** The features this driver implements and so accepts when offered (VERSION_1 is added on modern transports). */
export const BLK_DRIVER_FEATURES =
  featureBit(BLK_F.SIZE_MAX) | featureBit(BLK_F.SEG_MAX) | featureBit(BLK_F.RO) | featureBit(BLK_F.BLK_SIZE) | featureBit(BLK_F.FLUSH) |
  featureBit(VIRTIO_F.ACCESS_PLATFORM);

/** The largest queue the driver sets up: its ring (3398 bytes with a 64-byte used-ring alignment) fits one page. */
export const MAX_QUEUE_SIZE = 128;

/**
 * The smallest queue the driver sets up: sizes are powers of two (2.7), a request takes header, data and status, and
 * a size of 2 would leave no descriptor for data (maxSegments 0).
 */
export const MIN_QUEUE_SIZE = 4;

/** The used ring's alignment (QueueAlign on legacy): small, so the whole ring fits one physically contiguous page. */
const RING_ALIGN = 64;

/** Where a request's header, status byte and GET_ID answer sit in the driver's one-page request buffer. */
const HEADER_AT = 0;
const STATUS_AT = 16;
const ID_AT = 32;

/** The disk as the device describes it after init. */
export interface VirtioBlkInfo {
  /** 1: legacy transport; 2: modern. */
  version: 1 | 2;
  vendorId: number;
  /** Size in 512-byte sectors. */
  capacity: bigint;
  /** The device's block size in bytes (blk_size), 512 when it does not say. */
  blkSize: number;
  readOnly: boolean;
  /** The device has a write cache that FLUSH writes back. */
  flush: boolean;
  /** The largest data descriptor the device takes (size_max), when it says. */
  sizeMax?: number;
  /** The most data descriptors per request: seg_max when the device says, and never more than the queue can hold. */
  maxSegments: number;
  queueSize: number;
  /** The features both sides agreed on. */
  features: bigint;
}

/** Options for one request. */
export interface BlkRequestOptions {
  /** How long to wait for the completion (default 5000 ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What the driver needs: the boundary, where DMA buffers go, the registers and (optionally) the interrupt. */
export interface VirtioBlkPorts {
  b: KernelBoundary;
  space: DmaSpace;
  regs: VirtioRegisters;
  /** The transport's interrupt; without one the driver polls the used ring. */
  irq?: Irq;
  /** The device's name, for messages. */
  name: string;
}

export class VirtioBlk {
  private transport: VirtioMmioTransport | undefined;
  private queue: SplitQueue | undefined;
  private ring: DmaBuffer | undefined;
  private scratch: DmaBuffer | undefined;
  private described: VirtioBlkInfo | undefined;
  /** Set when a reset was not confirmed: the device may still use what it was given; remove() throws this again. */
  private stuck: VirtioError | undefined;
  /** Requests completed since init. */
  requests = 0;

  constructor(private readonly ports: VirtioBlkPorts) {}

  /** The disk, after init. */
  get info(): VirtioBlkInfo | undefined {
    return this.described;
  }

  /**
   * Bring the device up: identify it (DeviceID 2), reset it, negotiate BLK_DRIVER_FEATURES, read the config, set up
   * queue 0 (at most MAX_QUEUE_SIZE entries) in one page of DMA memory, arm the interrupt, set DRIVER_OK.
   * Guarantees: nothing is written before the transport is known to hold a block device; on a throw the device is
   * left reset (status 0) and nothing stays allocated.
   * @throws VirtioError (not-virtio, unknown-version, wrong-device, feature-missing, features-refused,
   *   queue-unavailable, device-status), VfioError from the registers, DMA mapping or interrupt; RangeError when
   *   `queueSize` is below MIN_QUEUE_SIZE (a caller's bug)
   */
  init(opts: { queueSize?: number } = {}): VirtioBlkInfo {
    const { regs, name } = this.ports;
    if (opts.queueSize !== undefined && !(Number.isInteger(opts.queueSize) && opts.queueSize >= MIN_QUEUE_SIZE)) {
      throw new RangeError(`queueSize ${opts.queueSize}: a queue needs at least ${MIN_QUEUE_SIZE} entries`);
    }
    const t = VirtioMmioTransport.probe(regs, name, VIRTIO_ID_BLOCK);
    this.transport = t;
    try {
      t.reset();
      t.addStatus(STATUS.ACKNOWLEDGE);
      t.addStatus(STATUS.DRIVER);
      const features = t.negotiate(BLK_DRIVER_FEATURES);
      const has = (f: number) => (features & featureBit(f)) !== 0n;
      const capacity = t.config(BLK_CONFIG.CAPACITY, 64);
      const blkSize = has(BLK_F.BLK_SIZE) ? Number(t.config(BLK_CONFIG.BLK_SIZE, 32)) || SECTOR_SIZE : SECTOR_SIZE;
      const sizeMax = has(BLK_F.SIZE_MAX) ? Number(t.config(BLK_CONFIG.SIZE_MAX, 32)) || undefined : undefined;
      const segMax = has(BLK_F.SEG_MAX) ? Number(t.config(BLK_CONFIG.SEG_MAX, 32)) || undefined : undefined;

      const max = t.queueMax(0);
      if (max === 0) throw new VirtioError({ reason: "queue-unavailable", queue: 0, detail: "absent" }, name, `${name} offers no request queue (QueueNumMax 0)`);
      if (max < MIN_QUEUE_SIZE) {
        throw new VirtioError({ reason: "queue-unavailable", queue: 0, detail: "too-small" }, name, `${name}'s request queue holds ${max} descriptors; the driver needs ${MIN_QUEUE_SIZE}`);
      }
      const size = largestPowerOfTwo(Math.min(max, opts.queueSize ?? MAX_QUEUE_SIZE, MAX_QUEUE_SIZE));
      this.setupQueue(t, size);
      this.scratch = DmaBuffer.allocate(this.ports.b, this.ports.space, LEGACY_PAGE, { read: true, write: true });
      this.ports.irq?.enable();
      t.addStatus(STATUS.DRIVER_OK);
      t.checkHealthy();
      this.described = {
        version: t.version,
        vendorId: t.vendorId,
        capacity,
        blkSize,
        readOnly: has(BLK_F.RO),
        flush: has(BLK_F.FLUSH),
        ...(sizeMax !== undefined ? { sizeMax } : {}),
        // Two descriptors of every chain are the header and the status.
        maxSegments: Math.min(size - 2, segMax ?? Infinity),
        queueSize: size,
        features,
      };
      return this.described;
    } catch (e) {
      // A reset that fails here is the worse news (memory kept, device live): it replaces the original error.
      this.remove();
      throw e;
    }
  }

  /**
   * Read `length` bytes (a multiple of 512) from `sector` on into `buf` at `offset`.
   * Guarantees: the device writes only [offset, offset+length) of `buf` and the driver's own request buffer.
   * @throws VirtioError (out-of-range, bad-length, too-many-segments, request-failed, device-status, not-ready),
   *   VirtioTimeoutError, AbortedError
   */
  async read(sector: bigint, buf: DmaBuffer, offset: number, length: number, opts: BlkRequestOptions = {}): Promise<void> {
    await this.transfer("read", sector, buf, offset, length, opts);
  }

  /**
   * Write `length` bytes (a multiple of 512) of `buf` from `offset` on to the disk at `sector`.
   * Guarantees: the device only reads `buf`; it writes nothing but the request's status byte.
   * @throws as read, and VirtioError read-only
   */
  async write(sector: bigint, buf: DmaBuffer, offset: number, length: number, opts: BlkRequestOptions = {}): Promise<void> {
    if (this.ready().info.readOnly) throw new VirtioError({ reason: "read-only" }, this.ports.name, `${this.ports.name} is a read-only disk (VIRTIO_BLK_F_RO)`);
    await this.transfer("write", sector, buf, offset, length, opts);
  }

  /**
   * Write the device's cache back to the disk (FLUSH). @throws VirtioError no-flush when the device has no cache to
   * flush (it did not offer VIRTIO_BLK_F_FLUSH), and as read
   */
  async flush(opts: BlkRequestOptions = {}): Promise<void> {
    if (!this.ready().info.flush) throw new VirtioError({ reason: "no-flush" }, this.ports.name, `${this.ports.name} has no write cache to flush (no VIRTIO_BLK_F_FLUSH)`);
    await this.request("flush", 0n, [], opts);
  }

  /** The disk's serial (GET_ID; up to 20 bytes, NUL-padded). @throws as read */
  async id(opts: BlkRequestOptions = {}): Promise<string> {
    const { scratch } = this.ready();
    scratch.bytes.fill(0, ID_AT, ID_AT + BLK_ID_BYTES);
    await this.request("get-id", 0n, [{ address: scratch.iova + BigInt(ID_AT), length: BLK_ID_BYTES }], opts);
    const raw = scratch.bytes.subarray(ID_AT, ID_AT + BLK_ID_BYTES);
    const end = raw.indexOf(0);
    return new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end));
  }

  /**
   * Reset the device (status 0: it stops using the rings and the buffers), disarm the interrupt, free the rings.
   * Idempotent; safe after a failed init or a timed-out request.
   * Guarantees: memory the device was given is freed only after the reset is confirmed. When it is not, the rings
   * and the request buffer are kept (leaked until the process exits) and every later call throws the same error, so
   * a caller that frees its data buffers after remove() returns keeps them too.
   * @throws VirtioError reset-failed when the reset was not confirmed
   */
  remove(): void {
    if (this.stuck) throw this.stuck;
    const t = this.transport;
    let failure: VirtioError | undefined;
    try {
      t?.reset();
    } catch (e) {
      failure = this.resetFailure(e);
    }
    this.transport = undefined;
    this.described = undefined;
    this.queue = undefined;
    try {
      this.ports.irq?.disable();
    } finally {
      if (failure) {
        // The device may still write the rings and the status byte: never hand them back.
        this.ring = this.scratch = undefined;
        this.stuck = failure;
      } else {
        this.ring?.release();
        this.scratch?.release();
        this.ring = this.scratch = undefined;
      }
    }
    if (failure) throw failure;
  }

  /** The reset-failed error for `cause`, naming what stays allocated. */
  private resetFailure(cause: unknown): VirtioError {
    const name = this.ports.name;
    const keptBytes = (this.ring?.size ?? 0) + (this.scratch?.size ?? 0);
    const status = cause instanceof VirtioError && cause.refusal.reason === "device-status" ? cause.refusal.status : undefined;
    const what = cause instanceof Error ? cause.message : String(cause);
    const e = new VirtioError(
      { reason: "reset-failed", ...(status !== undefined ? { status } : {}), keptBytes },
      name,
      `${name} did not confirm its reset (${what}): it may still use its rings, so ${keptBytes} bytes of DMA memory stay allocated`,
    );
    return Object.assign(e, { cause });
  }

  private ready(): { t: VirtioMmioTransport; q: SplitQueue; scratch: DmaBuffer; info: VirtioBlkInfo } {
    const { transport: t, queue: q, scratch, described: info } = this;
    if (!t || !q || !scratch || !info) throw new VirtioError({ reason: "not-ready" }, this.ports.name, `the virtio-blk driver of ${this.ports.name} is not initialised`);
    return { t, q, scratch, info };
  }

  private setupQueue(t: VirtioMmioTransport, size: number): void {
    const layout = ringLayout(size, RING_ALIGN);
    if (!ringLayoutAgrees(size, RING_ALIGN) || layout.bytes > LEGACY_PAGE) {
      throw new RangeError(`a ${size}-entry ring does not fit one page with a ${RING_ALIGN}-byte alignment`); // sizes are capped: a bug
    }
    this.ring = DmaBuffer.allocate(this.ports.b, this.ports.space, LEGACY_PAGE, { read: true, write: true });
    this.ring.bytes.fill(0, 0, layout.bytes);
    const q = new SplitQueue(this.ring.bytes, this.ring.iova, layout);
    t.activateQueue(0, { size, align: RING_ALIGN, ...q.placement });
    this.queue = q;
  }

  private async transfer(type: "read" | "write", sector: bigint, buf: DmaBuffer, offset: number, length: number, opts: BlkRequestOptions): Promise<void> {
    const { info } = this.ready();
    const name = this.ports.name;
    if (!Number.isInteger(length) || length <= 0 || length % SECTOR_SIZE !== 0 || offset < 0 || offset + length > buf.size) {
      const detail = length % SECTOR_SIZE !== 0 || length <= 0 ? "not a positive multiple of 512" : `bytes [${offset}, ${offset + length}) are not inside the ${buf.size}-byte buffer`;
      throw new VirtioError({ reason: "bad-length", length, detail }, name, `a ${type} of ${length} bytes: ${detail}`);
    }
    const count = length / SECTOR_SIZE;
    if (sector < 0n || sector + BigInt(count) > info.capacity) {
      throw new VirtioError(
        { reason: "out-of-range", sector, count, capacity: info.capacity },
        name,
        `sectors ${sector}..${sector + BigInt(count) - 1n} are not all on ${name} (${info.capacity} sectors)`,
      );
    }
    const runs = dmaRuns(buf, offset, length, info.sizeMax);
    if (runs.length > info.maxSegments) {
      throw new VirtioError(
        { reason: "too-many-segments", segments: runs.length, max: info.maxSegments },
        name,
        `a ${type} of ${length} bytes needs ${runs.length} descriptors; ${name} takes at most ${info.maxSegments}`,
      );
    }
    await this.request(type, sector, runs, opts);
  }

  /** One request: header, data runs, status; submit, notify, wait, check the status byte. */
  private async request(type: BlkRequestType, sector: bigint, data: DmaRun[], opts: BlkRequestOptions): Promise<void> {
    const { t, q, scratch } = this.ready();
    const name = this.ports.name;
    const view = new DataView(scratch.bytes.buffer, scratch.bytes.byteOffset, LEGACY_PAGE);
    view.setUint32(HEADER_AT, BLK_T_OF[type], true);
    view.setUint32(HEADER_AT + 4, 0, true);
    view.setBigUint64(HEADER_AT + 8, sector, true);
    const STATUS_UNSET = 0xff; // not a status any device writes: a request whose status byte stays so never completed
    scratch.bytes[STATUS_AT] = STATUS_UNSET;
    const deviceWrites = type !== "write";
    const head = q.submit([
      { address: scratch.iova + BigInt(HEADER_AT), length: BLK_HEADER_SIZE, deviceWrites: false },
      ...data.map((r) => ({ ...r, deviceWrites })),
      { address: scratch.iova + BigInt(STATUS_AT), length: 1, deviceWrites: true },
    ]);
    t.notify(0);
    const timeoutMs = opts.timeoutMs ?? 5000;
    const done = await waitForHead(t, q, this.ports.irq, head, timeoutMs, opts.signal);
    if (!done) {
      const facts = { device: name, request: type, sector, timeoutMs, interruptStatus: t.interruptStatus(), status: t.status() };
      throw new VirtioTimeoutError(`no completion of a ${type} at sector ${sector} from ${name} within ${timeoutMs} ms`, facts);
    }
    const status = scratch.bytes[STATUS_AT]!;
    if (status !== BLK_S.OK) {
      const word = status === BLK_S.IOERR ? "IOERR" : status === BLK_S.UNSUPP ? "UNSUPP" : status === STATUS_UNSET ? "no status written" : `status ${status}`;
      throw new VirtioError({ reason: "request-failed", request: type, sector, status }, name, `${name} failed a ${type} at sector ${sector} (${word})`);
    }
    this.requests++;
  }
}

function largestPowerOfTwo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}
