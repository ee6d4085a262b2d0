// Which register map applies to a device, and why: an explicit map file (the caller's) wins; then a map the device's
// own description names (a board file's `regs`, which the simulated board shows as the device-tree property
// `vfio-plat,regs`, as a real device tree may too); then the built-in map for its compatible (platform and AMBA) or its
// PCI vendor and device IDs.
import { isAbsolute } from "node:path";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { listDevices } from "../host/discovery.ts";
import { resolveDevice } from "../host/device-name.ts";
import { builtinMapFor, builtinMapForPci } from "./builtin/index.ts";
import { RegisterMapFileError } from "./errors.ts";
import { loadRegisterMapFile, readJsonFile, readRegisterMap } from "./map-file.ts";
import type { RegisterMap } from "./register-map.ts";

/** Where a device's map came from. */
export type MapSource = { kind: "builtin"; key: string } | { kind: "file"; path: string } | { kind: "board-file"; path: string };

/** The device-tree property naming a device's register map file ("FILE" or "FILE#/json/pointer" into a board file). */
export const REGS_PROPERTY = "vfio-plat,regs";

/**
 * The register map of `device` (a device name as `list` shows it, or a unique part of one) and where it came from,
 * or undefined when no map applies.
 * @throws NoSuchDeviceError / DeviceNameError for an unknown device; RegisterMapFileError for a bad map file.
 */
export function registerMapFor(b: KernelBoundary, device: string, opts: { regsFile?: string } = {}): { map: RegisterMap; source: MapSource } | undefined {
  if (opts.regsFile !== undefined) return { map: loadRegisterMapFile(opts.regsFile), source: { kind: "file", path: opts.regsFile } };
  const dev = resolveDevice(device, listDevices(b));
  const named = dtRegsProperty(b, `${dev.sysfsPath}/of_node/${REGS_PROPERTY}`);
  if (named !== undefined) return { map: loadMapReference(named), source: { kind: "board-file", path: named } };
  const builtin = dev.pci ? builtinMapForPci(dev.pci.vendor, dev.pci.device) : builtinMapFor(dev.compatible);
  return builtin ? { map: builtin, source: { kind: "builtin", key: builtin.name } } : undefined;
}

/** The `vfio-plat,regs` string property of a device node, or undefined when the node or property is absent. */
function dtRegsProperty(b: KernelBoundary, path: string): string | undefined {
  if (!b.fs.exists(path)) return undefined;
  const text = b.fs.readFile(path).split("\0")[0]!.trim();
  return text === "" ? undefined : text;
}

/**
 * A map named by "FILE" (a map file) or "FILE#/devices/3/regs" (a JSON pointer into a board file, for a map written
 * inline there). The path must be absolute: a device tree has no directory to be relative to.
 */
export function loadMapReference(reference: string): RegisterMap {
  const hash = reference.indexOf("#");
  const file = hash < 0 ? reference : reference.slice(0, hash);
  if (!isAbsolute(file)) throw new RegisterMapFileError(reference, "", "an absolute path (a device tree names its map file from no directory)", "a relative one");
  if (hash < 0) return loadRegisterMapFile(file);
  const pointer = reference.slice(hash + 1);
  let node: unknown = readJsonFile(file);
  const steps = pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let where = "";
  for (const step of steps) {
    const next = Array.isArray(node) ? node[Number(step)] : typeof node === "object" && node !== null ? (node as Record<string, unknown>)[step] : undefined;
    where = Array.isArray(node) ? `${where}[${step}]` : where ? `${where}.${step}` : step;
    if (next === undefined) throw new RegisterMapFileError(file, where, "a register map here", "nothing");
    node = next;
  }
  return readRegisterMap(node, file, where);
}
