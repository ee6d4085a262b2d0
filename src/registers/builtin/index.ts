// The built-in register maps, one per device the simulator models, and how a device finds its own: by device-tree
// compatible (most specific first, as a DT lists them) or, for a PCI function, by vendor and device ID with the
// type-0 configuration header added at region 7 (vfio-pci's config region).
//
// A map's module is loaded the first time the map is asked for (identities.ts says which map is for whom), so a
// command on one device builds that device's table only.
import type { RegisterMap } from "../register-map.ts";
import {
  EDU_IDENTITY,
  EDU_PCI_ID,
  PCI_CONFIG_IDENTITY,
  PL011_IDENTITY,
  PL031_IDENTITY,
  PL330_IDENTITY,
  VIRTIO_MMIO_COMPATIBLE,
  virtioMmioMapName,
} from "./identities.ts";

type VirtioModule = typeof import("./virtio-mmio.ts");
const virtio = (): VirtioModule => require("./virtio-mmio.ts") as VirtioModule;
const pciConfig = (): RegisterMap => (require("./pci-config.ts") as typeof import("./pci-config.ts")).PCI_CONFIG_MAP;
const edu = (): RegisterMap => (require("./edu.ts") as typeof import("./edu.ts")).EDU_MAP;

/** `map`'s registers with the PCI configuration header added (region 7), named "<map>+pci-config". */
function withConfigHeader(map: RegisterMap): RegisterMap {
  const config = pciConfig();
  return {
    ...map,
    name: `${map.name}+${config.name}`,
    description: `${map.description ?? map.name}, with the PCI configuration header (region 7)`,
    registers: [...map.registers, ...config.registers],
  };
}

/** How to build each built-in map, by name (the PCI maps both alone and with the configuration header). */
const LOADERS: Readonly<Record<string, () => RegisterMap>> = {
  [PL031_IDENTITY.name]: () => (require("./pl031.ts") as typeof import("./pl031.ts")).PL031_MAP,
  [PL011_IDENTITY.name]: () => (require("./pl011.ts") as typeof import("./pl011.ts")).PL011_MAP,
  [PL330_IDENTITY.name]: () => (require("./pl330.ts") as typeof import("./pl330.ts")).PL330_MAP,
  [virtioMmioMapName(1, false)]: () => virtio().VIRTIO_MMIO_V1_MAP,
  [virtioMmioMapName(2, false)]: () => virtio().VIRTIO_MMIO_V2_MAP,
  [virtioMmioMapName(1, true)]: () => virtio().VIRTIO_MMIO_V1_BLK_MAP,
  [virtioMmioMapName(2, true)]: () => virtio().VIRTIO_MMIO_V2_BLK_MAP,
  [EDU_IDENTITY.name]: edu,
  [PCI_CONFIG_IDENTITY.name]: pciConfig,
  [`${EDU_IDENTITY.name}+${PCI_CONFIG_IDENTITY.name}`]: () => withConfigHeader(edu()),
};

const built = new Map<string, RegisterMap>();

/** The built-in map called `name`, built on first use (the same object every time). */
function builtinMap(name: string): RegisterMap {
  let map = built.get(name);
  if (!map) {
    map = LOADERS[name]!();
    built.set(name, map);
  }
  return map;
}

/** Every built-in map by its name; each is built when first read. */
export const BUILTIN_MAPS: Readonly<Record<string, RegisterMap>> = Object.freeze(
  Object.defineProperties(
    {},
    Object.fromEntries(Object.keys(LOADERS).map((name) => [name, { enumerable: true, get: () => builtinMap(name) }])),
  ) as Record<string, RegisterMap>,
);

/**
 * The maps a device can get by compatible, in the order builtinMapFor tries them. "virtio,mmio" gets the legacy
 * layout (Version 1, what QEMU's virt board offers unless told otherwise); virtioMmioMapFor picks by the Version and
 * DeviceID registers when they have been read.
 */
const BY_COMPATIBLE: readonly { compatible: readonly string[]; name: string }[] = [
  PL330_IDENTITY,
  PL031_IDENTITY,
  PL011_IDENTITY,
  { compatible: VIRTIO_MMIO_COMPATIBLE, name: virtioMmioMapName(1, false) },
];

/** PCI functions with a map of their own, by "vendor:device" (lower-case hex, 4 digits each). */
const BY_PCI_ID: Readonly<Record<string, string>> = {
  [pciKey(EDU_PCI_ID.vendor, EDU_PCI_ID.device)]: EDU_IDENTITY.name,
};

function pciKey(vendor: number, device: number): string {
  return `${vendor.toString(16).padStart(4, "0")}:${device.toString(16).padStart(4, "0")}`;
}

/**
 * The built-in map of a device with these device-tree compatibles: the first compatible (most specific first) that a
 * map lists wins; "arm,primecell" alone names no map. Undefined when no built-in map applies.
 */
export function builtinMapFor(compatibles: readonly string[]): RegisterMap | undefined {
  for (const c of compatibles) {
    const entry = BY_COMPATIBLE.find((m) => m.compatible.includes(c));
    if (entry) return builtinMap(entry.name);
  }
  return undefined;
}

/**
 * The built-in map of a PCI function: its own BAR registers with the configuration header at region 7 for a function
 * the library knows (edu, 1234:11e8), else the configuration header alone (every PCI function has it). Never undefined.
 */
export function builtinMapForPci(vendor: number, device: number): RegisterMap {
  const own = BY_PCI_ID[pciKey(vendor, device)];
  return builtinMap(own ? `${own}+${PCI_CONFIG_IDENTITY.name}` : PCI_CONFIG_IDENTITY.name);
}

/**
 * The map of a virtio-mmio transport from what it says about itself: its Version register (1 legacy, 2 modern) and
 * its DeviceID (2 adds the virtio-blk configuration space). Undefined for any other version.
 */
export function virtioMmioMapFor(version: number, deviceId: number): RegisterMap | undefined {
  return virtio().virtioMmioMapFor(version, deviceId);
}
