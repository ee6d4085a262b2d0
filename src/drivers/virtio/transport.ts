// The virtio-mmio transport as QEMU presents it: legacy (Version 1: GuestPageSize, QueueAlign, QueuePFN, no
// FEATURES_OK) or modern (Version 2: 64-bit ring addresses, QueueReady, FEATURES_OK), told apart by the Version
// register. It speaks registers only; the rings live in split-queue.ts and the device in blk.ts. Every access is one
// 32-bit register access (the config space also takes 8 and 16), which is what vfio-platform's pread/pwrite give.
import { DEVICE_ID_NAMES, INTERRUPT, MMIO, STATUS, VIRTIO_F, VIRTIO_MMIO_MAGIC, featureBit } from "../../spec/virtio-mmio.ts";
import { VirtioError } from "./errors.ts";

/** What the transport needs from the device's register window (a vfio Region satisfies it). */
export interface VirtioRegisters {
  read8(offset: number): number;
  read16(offset: number): number;
  read32(offset: number): number;
  write32(offset: number, value: number): void;
}

/** Where one split virtqueue lives, as the device sees it. */
export interface QueuePlacement {
  size: number;
  desc: bigint;
  avail: bigint;
  used: bigint;
  /** Legacy only: the used ring's alignment the layout used (QueueAlign). */
  align: number;
}

/** The page size a legacy transport counts QueuePFN in (GuestPageSize): the driver's choice; 4 KiB, as Linux. */
export const LEGACY_PAGE = 4096;

/** How many times reset() reads Status back waiting for 0 (modern devices may take a moment). */
const RESET_POLLS = 1000;

export class VirtioMmioTransport {
  private constructor(
    private readonly regs: VirtioRegisters,
    readonly device: string,
    /** 1: legacy; 2: modern. */
    readonly version: 1 | 2,
    readonly deviceId: number,
    readonly vendorId: number,
  ) {}

  /**
   * Identify the transport: MagicValue, Version, DeviceID, VendorID. Nothing is written.
   * @throws VirtioError not-virtio, unknown-version, wrong-device (when `expectedDeviceId` is given and differs)
   */
  static probe(regs: VirtioRegisters, device: string, expectedDeviceId?: number): VirtioMmioTransport {
    const magic = regs.read32(MMIO.MAGIC_VALUE) >>> 0;
    if (magic !== VIRTIO_MMIO_MAGIC) {
      throw new VirtioError({ reason: "not-virtio", magic }, device, `${device} is not a virtio-mmio transport (MagicValue 0x${magic.toString(16)}, not 0x${VIRTIO_MMIO_MAGIC.toString(16)} "virt")`);
    }
    const version = regs.read32(MMIO.VERSION) >>> 0;
    if (version !== 1 && version !== 2) {
      throw new VirtioError({ reason: "unknown-version", version }, device, `${device} has virtio-mmio Version ${version}; this driver knows 1 (legacy) and 2`);
    }
    const deviceId = regs.read32(MMIO.DEVICE_ID) >>> 0;
    if (expectedDeviceId !== undefined && deviceId !== expectedDeviceId) {
      const what = (id: number) => `${id} (${DEVICE_ID_NAMES[id] ?? "unknown"})`;
      throw new VirtioError(
        { reason: "wrong-device", deviceId, expected: expectedDeviceId },
        device,
        deviceId === 0
          ? `${device} is an empty virtio-mmio transport (DeviceID 0: no device plugged in)`
          : `${device} holds virtio device ${what(deviceId)}, not ${what(expectedDeviceId)}`,
      );
    }
    return new VirtioMmioTransport(regs, device, version, deviceId, regs.read32(MMIO.VENDOR_ID) >>> 0);
  }

  get legacy(): boolean {
    return this.version === 1;
  }

  /** The device status register. */
  status(): number {
    return this.regs.read32(MMIO.STATUS) >>> 0;
  }

  /** Set `bits` in the status register, keeping the ones already set (3.1.1: the driver only ever adds bits). */
  addStatus(bits: number): void {
    this.regs.write32(MMIO.STATUS, (this.status() | bits) >>> 0);
  }

  /**
   * Reset the device: write 0 to Status. A modern device finishes when Status reads 0 again (4.2.3.1); a legacy one
   * at once. Resetting also drops every queue and the device's interrupt status.
   * @throws VirtioError device-status when a modern device never reads back 0
   */
  reset(): void {
    this.regs.write32(MMIO.STATUS, 0);
    if (this.legacy) return;
    for (let i = 0; i < RESET_POLLS; i++) if (this.status() === 0) return;
    const status = this.status();
    throw new VirtioError(deviceStatusFacts(status), this.device, `${this.device} did not finish its reset (Status 0x${status.toString(16)})`);
  }

  /** The 64 feature bits the device offers (two 32-bit words through DeviceFeaturesSel; a legacy device has one). */
  deviceFeatures(): bigint {
    this.regs.write32(MMIO.DEVICE_FEATURES_SEL, 0);
    const low = BigInt(this.regs.read32(MMIO.DEVICE_FEATURES) >>> 0);
    if (this.legacy) return low;
    this.regs.write32(MMIO.DEVICE_FEATURES_SEL, 1);
    const high = BigInt(this.regs.read32(MMIO.DEVICE_FEATURES) >>> 0);
    return low | (high << 32n);
  }

  /**
   * Negotiate features (3.1.1 steps 4-6): accept the offered bits among `wanted` (VERSION_1 is required and added on a
   * modern transport), write them, and on a modern transport set FEATURES_OK and check the device kept it.
   * Returns the accepted set.
   * @throws VirtioError feature-missing (a modern device not offering VERSION_1), features-refused
   */
  negotiate(wanted: bigint): bigint {
    const offered = this.deviceFeatures();
    let accepted = offered & wanted;
    if (!this.legacy) {
      if ((offered & featureBit(VIRTIO_F.VERSION_1)) === 0n) {
        throw new VirtioError({ reason: "feature-missing", feature: "VIRTIO_F_VERSION_1", offered }, this.device, `${this.device} is a modern transport whose device does not offer VIRTIO_F_VERSION_1`);
      }
      accepted |= featureBit(VIRTIO_F.VERSION_1);
    } else {
      accepted &= 0xffffffffn; // a legacy device has 32 feature bits
    }
    this.regs.write32(MMIO.DRIVER_FEATURES_SEL, 0);
    this.regs.write32(MMIO.DRIVER_FEATURES, Number(accepted & 0xffffffffn));
    if (!this.legacy) {
      this.regs.write32(MMIO.DRIVER_FEATURES_SEL, 1);
      this.regs.write32(MMIO.DRIVER_FEATURES, Number(accepted >> 32n));
      this.addStatus(STATUS.FEATURES_OK);
      const status = this.status();
      if ((status & STATUS.FEATURES_OK) === 0) {
        throw new VirtioError({ reason: "features-refused", accepted, status }, this.device, `${this.device} refused the features 0x${accepted.toString(16)} (FEATURES_OK cleared)`);
      }
    }
    return accepted;
  }

  /**
   * The largest size queue `index` may have (QueueNumMax); 0 when the device has no such queue.
   * @throws VirtioError queue-unavailable (in-use) when the queue is already live
   */
  queueMax(index: number): number {
    this.regs.write32(MMIO.QUEUE_SEL, index);
    const live = this.legacy ? this.regs.read32(MMIO.QUEUE_PFN) !== 0 : this.regs.read32(MMIO.QUEUE_READY) !== 0;
    if (live) throw new VirtioError({ reason: "queue-unavailable", queue: index, detail: "in-use" }, this.device, `queue ${index} of ${this.device} is already in use (reset the device first)`);
    return this.regs.read32(MMIO.QUEUE_NUM_MAX) >>> 0;
  }

  /**
   * Tell the device where queue `index` lives and make it live: legacy writes GuestPageSize, QueueNum, QueueAlign and
   * QueuePFN (so `desc` must be GuestPageSize-aligned and avail/used laid out as legacy demands, which the caller's
   * layout guarantees); modern writes QueueNum, the three addresses and QueueReady.
   * @throws VirtioError queue-unavailable (address-too-high) on legacy when `desc` is at or above 2^44
   */
  activateQueue(index: number, q: QueuePlacement): void {
    const r = this.regs;
    r.write32(MMIO.QUEUE_SEL, index);
    r.write32(MMIO.QUEUE_NUM, q.size);
    if (this.legacy) {
      r.write32(MMIO.GUEST_PAGE_SIZE, LEGACY_PAGE);
      r.write32(MMIO.QUEUE_ALIGN, q.align);
      const pfn = q.desc / BigInt(LEGACY_PAGE);
      if (pfn > 0xffffffffn) {
        // Written as is, the page number would be truncated and the device would use someone else's memory.
        throw new VirtioError(
          { reason: "queue-unavailable", queue: index, detail: "address-too-high", address: q.desc },
          this.device,
          `queue ${index} of ${this.device} would live at 0x${q.desc.toString(16)}, beyond the legacy transport's 32-bit page number (below 2^44)`,
        );
      }
      r.write32(MMIO.QUEUE_PFN, Number(pfn));
      return;
    }
    const split = (v: bigint): [number, number] => [Number(v & 0xffffffffn), Number(v >> 32n)];
    const [dl, dh] = split(q.desc);
    const [al, ah] = split(q.avail);
    const [ul, uh] = split(q.used);
    r.write32(MMIO.QUEUE_DESC_LOW, dl);
    r.write32(MMIO.QUEUE_DESC_HIGH, dh);
    r.write32(MMIO.QUEUE_DRIVER_LOW, al);
    r.write32(MMIO.QUEUE_DRIVER_HIGH, ah);
    r.write32(MMIO.QUEUE_DEVICE_LOW, ul);
    r.write32(MMIO.QUEUE_DEVICE_HIGH, uh);
    r.write32(MMIO.QUEUE_READY, 1);
  }

  /** Tell the device queue `index` has new available buffers. */
  notify(index: number): void {
    this.regs.write32(MMIO.QUEUE_NOTIFY, index);
  }

  /** InterruptStatus: why the device raised its interrupt (INTERRUPT bits). */
  interruptStatus(): number {
    return this.regs.read32(MMIO.INTERRUPT_STATUS) >>> 0;
  }

  /** Acknowledge `bits` (write them to InterruptACK): the device lowers its line once none is left. */
  ackInterrupt(bits: number): void {
    if (bits !== 0) this.regs.write32(MMIO.INTERRUPT_ACK, bits);
  }

  /** Read and acknowledge the interrupt status in one go; returns the bits that were set. */
  takeInterrupt(): number {
    const bits = this.interruptStatus() & (INTERRUPT.USED_BUFFER | INTERRUPT.CONFIG_CHANGE);
    this.ackInterrupt(bits);
    return bits;
  }

  /**
   * Read a config-space value of `width` bits at `offset` (64 bits as two 32-bit reads, low first). On a modern
   * transport the read is repeated until ConfigGeneration is the same before and after (4.2.2: a consistent view).
   */
  config(offset: number, width: 8 | 16 | 32 | 64): bigint {
    const once = (): bigint => {
      const at = MMIO.CONFIG + offset;
      if (width === 64) return BigInt(this.regs.read32(at) >>> 0) | (BigInt(this.regs.read32(at + 4) >>> 0) << 32n);
      return BigInt(width === 32 ? this.regs.read32(at) >>> 0 : width === 16 ? this.regs.read16(at) : this.regs.read8(at));
    };
    if (this.legacy) return once();
    for (;;) {
      const before = this.regs.read32(MMIO.CONFIG_GENERATION);
      const v = once();
      if (this.regs.read32(MMIO.CONFIG_GENERATION) === before) return v;
    }
  }

  /**
   * Throw when the device reports DEVICE_NEEDS_RESET or FAILED in its status.
   * @throws VirtioError device-status
   */
  checkHealthy(): void {
    const status = this.status();
    if ((status & (STATUS.DEVICE_NEEDS_RESET | STATUS.FAILED)) === 0) return;
    const facts = deviceStatusFacts(status);
    throw new VirtioError(facts, this.device, `${this.device} reports ${facts.needsReset ? "DEVICE_NEEDS_RESET" : "FAILED"} in its status (0x${status.toString(16)})`);
  }
}

function deviceStatusFacts(status: number): { reason: "device-status"; status: number; needsReset: boolean; failed: boolean } {
  return { reason: "device-status", status, needsReset: (status & STATUS.DEVICE_NEEDS_RESET) !== 0, failed: (status & STATUS.FAILED) !== 0 };
}
