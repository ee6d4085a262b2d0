// Which register map applies to a device, and why: an explicit map file (the caller's) wins; then a map the device's
// own description names (a board file's `regs`, which the simulated board shows as the device-tree property
// `vfio-plat,regs`, as a real device tree may too); then the built-in map for its compatible (platform and AMBA) or its
// PCI vendor and device IDs.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { lookupDevice } from "../host/device-name.ts";
import { builtinMapFor, builtinMapForPci, virtioMmioMapFor } from "./builtin/index.ts";
import type { RegisterMap } from "./register-map.ts";
import { REGS_PROPERTY } from "./regs-property.ts";

/** Where a device's map came from. */
export type MapSource =
  /** `readFrom`: the device registers that chose this built-in map over its compatible's (refineRegisterMap). */
  | { kind: "builtin"; key: string; readFrom?: readonly string[] }
  | { kind: "file"; path: string }
  | { kind: "board-file"; path: string };

export { REGS_PROPERTY };

// Map files are read (and their reader loaded) only for a device that names one: most use a built-in map.
const mapFiles = (): typeof import("./map-file.ts") => require("./map-file.ts");
const mapReferences = (): typeof import("./map-reference.ts") => require("./map-reference.ts");

/**
 * The register map of `device` (a device name as `list` shows it, or a unique part of one) and where it came from,
 * or undefined when no map applies.
 * @throws NoSuchDeviceError / DeviceNameError for an unknown device; RegisterMapFileError for a bad map file.
 */
export function registerMapFor(b: KernelBoundary, device: string, opts: { regsFile?: string } = {}): FoundMap | undefined {
  if (opts.regsFile !== undefined) return { map: mapFiles().loadRegisterMapFile(opts.regsFile), source: { kind: "file", path: opts.regsFile } };
  const dev = lookupDevice(b, device);
  const named = dtRegsProperty(b, `${dev.sysfsPath}/of_node/${REGS_PROPERTY}`);
  if (named !== undefined) return { map: mapReferences().loadMapReference(named), source: { kind: "board-file", path: named } };
  const builtin = dev.pci ? builtinMapForPci(dev.pci.vendor, dev.pci.device) : builtinMapFor(dev.compatible);
  return builtin ? { map: builtin, source: { kind: "builtin", key: builtin.name } } : undefined;
}

/** The `vfio-plat,regs` string property of a device node, or undefined when the node or property is absent. */
function dtRegsProperty(b: KernelBoundary, path: string): string | undefined {
  if (!b.fs.exists(path)) return undefined;
  const text = b.fs.readFile(path).split("\0")[0]!.trim();
  return text === "" ? undefined : text;
}

/** A map and where it came from, as registerMapFor returns it. */
export interface FoundMap {
  map: RegisterMap;
  source: MapSource;
}

/**
 * A built-in map made exact by the device's own registers, once the device is open: a virtio-mmio transport's layout
 * comes from its Version register (1 legacy, 2 virtio 1.x) and its device-specific space from DeviceID (virtio-blk),
 * which its compatible cannot say. `read` reads a register by name through `found.map` (NamedRegisters.read). Maps
 * from a file, and built-in maps that need nothing more, come back as they are; so does a transport whose Version is
 * neither 1 nor 2 (not a virtio device the built-in maps know).
 * @throws what `read` throws (the device's region access).
 */
export function refineRegisterMap(found: FoundMap, read: (name: string) => bigint): FoundMap {
  if (!mapDependsOnDevice(found)) return found;
  const map = virtioMmioMapFor(Number(read("Version")), Number(read("DeviceID")));
  return map ? { map, source: { kind: "builtin", key: map.name, readFrom: ["Version", "DeviceID"] } } : found;
}

/**
 * True when refineRegisterMap may replace `found` (a built-in virtio-mmio map): its layout is known only once the
 * device's own Version and DeviceID registers have been read.
 */
export function mapDependsOnDevice(found: FoundMap): boolean {
  return found.source.kind === "builtin" && found.map.compatible?.includes("virtio,mmio") === true;
}
