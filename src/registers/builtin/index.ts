// The built-in register maps, one per device the simulator models, and how a device finds its own: by device-tree
// compatible (most specific first, as a DT lists them) or, for a PCI function, by vendor and device ID with the
// type-0 configuration header added at region 7 (vfio-pci's config region).
import type { RegisterMap } from "../register-map.ts";
import { EDU_MAP, EDU_PCI_ID } from "./edu.ts";
import { PCI_CONFIG_MAP } from "./pci-config.ts";
import { PL011_MAP } from "./pl011.ts";
import { PL031_MAP } from "./pl031.ts";
import { PL330_MAP } from "./pl330.ts";
import { VIRTIO_MMIO_V1_BLK_MAP, VIRTIO_MMIO_V1_MAP, VIRTIO_MMIO_V2_BLK_MAP, VIRTIO_MMIO_V2_MAP } from "./virtio-mmio.ts";

export { virtioMmioMapFor } from "./virtio-mmio.ts";

/**
 * The maps a device can get by compatible, in the order builtinMapFor tries them. "virtio,mmio" gets the legacy
 * layout (Version 1, what QEMU's virt board offers unless told otherwise); virtioMmioMapFor picks by the Version and
 * DeviceID registers when they have been read.
 */
const BY_COMPATIBLE: readonly RegisterMap[] = [PL330_MAP, PL031_MAP, PL011_MAP, VIRTIO_MMIO_V1_MAP];

/** PCI functions with a map of their own, by "vendor:device" (lower-case hex, 4 digits each). */
const BY_PCI_ID: Readonly<Record<string, RegisterMap>> = {
  [pciKey(EDU_PCI_ID.vendor, EDU_PCI_ID.device)]: EDU_MAP,
};

function pciKey(vendor: number, device: number): string {
  return `${vendor.toString(16).padStart(4, "0")}:${device.toString(16).padStart(4, "0")}`;
}

/** `map`'s registers with the PCI configuration header added (region 7), named "<map>+pci-config". */
function withConfigHeader(map: RegisterMap): RegisterMap {
  return {
    ...map,
    name: `${map.name}+${PCI_CONFIG_MAP.name}`,
    description: `${map.description ?? map.name}, with the PCI configuration header (region 7)`,
    registers: [...map.registers, ...PCI_CONFIG_MAP.registers],
  };
}

/** Every built-in map by its name (the PCI maps both alone and with the configuration header). */
export const BUILTIN_MAPS: Readonly<Record<string, RegisterMap>> = Object.fromEntries(
  [
    PL031_MAP,
    PL011_MAP,
    PL330_MAP,
    VIRTIO_MMIO_V1_MAP,
    VIRTIO_MMIO_V2_MAP,
    VIRTIO_MMIO_V1_BLK_MAP,
    VIRTIO_MMIO_V2_BLK_MAP,
    EDU_MAP,
    PCI_CONFIG_MAP,
    withConfigHeader(EDU_MAP),
  ].map((m) => [m.name, m]),
);

/**
 * The built-in map of a device with these device-tree compatibles: the first compatible (most specific first) that a
 * map lists wins; "arm,primecell" alone names no map. Undefined when no built-in map applies.
 */
export function builtinMapFor(compatibles: readonly string[]): RegisterMap | undefined {
  for (const c of compatibles) {
    const map = BY_COMPATIBLE.find((m) => m.compatible?.includes(c));
    if (map) return map;
  }
  return undefined;
}

/**
 * The built-in map of a PCI function: its own BAR registers with the configuration header at region 7 for a function
 * the library knows (edu, 1234:11e8), else the configuration header alone (every PCI function has it). Never undefined.
 */
export function builtinMapForPci(vendor: number, device: number): RegisterMap {
  const own = BY_PCI_ID[pciKey(vendor, device)];
  return own ? BUILTIN_MAPS[`${own.name}+${PCI_CONFIG_MAP.name}`]! : PCI_CONFIG_MAP;
}
