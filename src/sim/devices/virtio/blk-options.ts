// The build options of a virtio-mmio transport with a block device plugged in (a DeviceSpec's modelOptions):
// {"device": "blk", "image"?: absolute path of a raw image, "capacitySectors"?: N, "version"?: 1 | 2}. Checked in
// one place, for the model and for board files alike; a bad value is a ModelOptionError naming the option.
import { isAbsolute } from "node:path";
import { ModelOptionError } from "../model-option-error.ts";

/** The option keys a board file may write for a virtio-mmio transport. */
export const VIRTIO_OPTION_KEYS = ["version", "device", "image", "capacitySectors"] as const;

/** The disk of a transport whose modelOptions say nothing else: 8 MiB. */
export const DEFAULT_CAPACITY_SECTORS = 16384;

export interface VirtioOptions {
  version: 1 | 2;
  /** The device behind the transport; undefined: an empty transport (DeviceID 0). */
  device: "blk" | undefined;
  image: string | undefined;
  capacitySectors: number | undefined;
}

/** Read and check modelOptions. @throws ModelOptionError (a TypeError) naming the bad option */
export function virtioOptions(o: Record<string, unknown> | undefined): VirtioOptions {
  const version = o?.["version"] ?? 1;
  if (version !== 1 && version !== 2) throw new ModelOptionError("virtio-mmio", "version", "1 or 2");
  const device = o?.["device"];
  if (device !== undefined && device !== "blk") throw new ModelOptionError("virtio-mmio", "device", '"blk" (or absent: an empty transport)');
  const image = o?.["image"];
  if (image !== undefined && !(typeof image === "string" && isAbsolute(image))) {
    throw new ModelOptionError("virtio-mmio", "image", "the absolute path of a raw disk image");
  }
  const cap = o?.["capacitySectors"];
  if (cap !== undefined && !(Number.isSafeInteger(cap) && (cap as number) > 0)) {
    throw new ModelOptionError("virtio-mmio", "capacitySectors", "a positive integer (512-byte sectors)");
  }
  if (device === undefined && (image !== undefined || cap !== undefined)) {
    throw new ModelOptionError("virtio-mmio", "device", '"blk" when image or capacitySectors is given');
  }
  return { version, device, image: image as string | undefined, capacitySectors: cap as number | undefined };
}
