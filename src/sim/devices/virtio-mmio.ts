// An empty virtio-mmio transport, as each of the 32 on QEMU's `virt` board (a000000.virtio_mmio ...): 0x200 bytes that
// identify as virtio (magic "virt", legacy version 1, vendor "QEMU") with device ID 0, meaning no device is plugged in.
// Everything else reads 0 and writes are ignored, which is what QEMU does for a transport with no backend. With
// modelOptions {"device": "blk"} a block device is plugged in instead (virtio/mmio-transport.ts).
import type { AccessWidth, DeviceContext, DeviceModel } from "./device-model.ts";
import type { DeviceSpec } from "../boards/board-spec.ts";
import { BlkDevice } from "./virtio/blk-device.ts";
import { BlkDisk, DiskIoError, imageSectors, stateDiskPath } from "./virtio/blk-disk.ts";
import { DEFAULT_CAPACITY_SECTORS, virtioOptions } from "./virtio/blk-options.ts";
import { VirtioMmioBlk } from "./virtio/mmio-transport.ts";
import { MMIO, VIRTIO_MMIO_MAGIC, VIRTIO_MMIO_VENDOR_QEMU } from "../../spec/virtio-mmio.ts";

/** An image that cannot be read (gone since the board file was read) is a disk of no sectors: every request IOERR. */
function imageSectorsOrNone(path: string): bigint {
  try {
    return imageSectors(path);
  } catch (e) {
    if (e instanceof DiskIoError) return 0n;
    throw e;
  }
}

/**
 * The transport the spec describes: empty, or with a block device whose disk is `image` (capacity from its size, or
 * `capacitySectors`) or else the board state directory's disks/<device>.img (made at first use, `capacitySectors`
 * long, default 8 MiB). An image that cannot be read gives a disk of no sectors (requests fail with IOERR).
 * @throws ModelOptionError (TypeError) for bad modelOptions
 */
export function createVirtioMmio(spec: DeviceSpec, ctx: DeviceContext): DeviceModel {
  const o = virtioOptions(spec.modelOptions);
  if (o.device === undefined) return new VirtioMmioEmpty(spec, ctx);
  let disk: BlkDisk;
  if (o.image !== undefined) disk = new BlkDisk(o.image, BigInt(o.capacitySectors ?? imageSectorsOrNone(o.image)), false);
  else {
    const sectors = BigInt(o.capacitySectors ?? DEFAULT_CAPACITY_SECTORS);
    // Without a state directory (a saved-state check) the disk is never touched: requests would fail with IOERR.
    disk = new BlkDisk(ctx.stateDir ? stateDiskPath(ctx.stateDir, spec.name) : "", sectors, ctx.stateDir !== undefined);
    try {
      disk.ensure(); // the board's first use makes the disk, so it is there to inspect before any request
    } catch {
      // Left to the requests: each answers IOERR while the disk cannot be made.
    }
  }
  return new VirtioMmioBlk(spec, ctx, o.version, new BlkDevice(disk));
}

/**
 * Empty-transport model. QEMU decodes an access by its exact offset and truncates the register to the access size
 * (the transport has no minimum access size), so: MagicValue, Version and VendorID read in full at 32 bits; an 8- or
 * 16-bit read at 0x000 gives the low bytes of the magic ("v" = 0x76, "vi" = 0x6976) but one at 0x001..0x003 reads 0,
 * as does every other offset; a 64-bit read is two 32-bit reads, low first (QEMU splits at 4 bytes). Writes are
 * ignored. `spec.modelOptions.version` may be 2 (QEMU with force-legacy=off); default 1, what the lab read.
 * Interrupt 0 is an edge line with nothing to signal, so it never fires; the model has no state and is never dirty.
 */
export class VirtioMmioEmpty implements DeviceModel {
  readonly #version: number;

  /** Throws TypeError when modelOptions.version is not 1 or 2. */
  constructor(spec: DeviceSpec, _ctx: DeviceContext) {
    this.#version = virtioOptions(spec.modelOptions).version;
  }

  readonly dirty = false;

  markSaved(): void {}

  read(region: number, offset: number, width: AccessWidth): bigint {
    if (region !== 0) return 0n;
    if (width === 8) return BigInt(this.#register(offset)) | (BigInt(this.#register(offset + 4)) << 32n);
    return BigInt(this.#register(offset)) & ((1n << BigInt(width * 8)) - 1n);
  }

  write(_region: number, _offset: number, _width: AccessWidth, _value: bigint): void {}

  advance(): void {}

  nextEventAtMs(): number | undefined {
    return undefined;
  }

  irqAsserted(_index: number): boolean {
    return false;
  }

  reset(): void {}

  save(): { version: 1 } {
    return { version: 1 };
  }

  restore(_state: unknown): void {}

  #register(offset: number): number {
    switch (offset) {
      case MMIO.MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
      case MMIO.VERSION:
        return this.#version;
      case MMIO.VENDOR_ID:
        return VIRTIO_MMIO_VENDOR_QEMU;
      default:
        // DeviceID 0 = no device; with no backend QEMU reads every other register as 0.
        return 0;
    }
  }
}
