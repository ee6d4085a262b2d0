// An empty virtio-mmio transport, as each of the 32 on QEMU's `virt` board (a000000.virtio_mmio ...): 0x200 bytes that
// identify as virtio (magic "virt", legacy version 1, vendor "QEMU") with device ID 0, meaning no device is plugged in.
// Everything else reads 0 and writes are ignored, which is what QEMU does for a transport with no backend.
import type { AccessWidth, DeviceContext, DeviceModel } from "./device-model.ts";
import type { DeviceSpec } from "../boards/board-spec.ts";

/** Register offsets used by an empty transport (virtio spec, "MMIO Device Register Layout"). */
export const VIRTIO_MMIO_REG = { MAGIC_VALUE: 0x000, VERSION: 0x004, DEVICE_ID: 0x008, VENDOR_ID: 0x00c } as const;

/** "virt" as a little-endian word. */
const VIRTIO_MMIO_MAGIC = 0x74726976;

/** "QEMU" as a little-endian word: QEMU's vendor ID. */
const VIRTIO_MMIO_VENDOR_QEMU = 0x554d4551;

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
    const version = spec.modelOptions?.["version"] ?? 1;
    if (version !== 1 && version !== 2) throw new TypeError("virtio-mmio: modelOptions.version must be 1 or 2");
    this.#version = version;
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
      case VIRTIO_MMIO_REG.MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
      case VIRTIO_MMIO_REG.VERSION:
        return this.#version;
      case VIRTIO_MMIO_REG.VENDOR_ID:
        return VIRTIO_MMIO_VENDOR_QEMU;
      default:
        // DeviceID 0 = no device; with no backend QEMU reads every other register as 0.
        return 0;
    }
  }
}
