// Which register map applies to a device, and why: an explicit map file (the caller's) wins; then a map the device's
// own description names (a board file's `regs`, which the simulated board shows as the device-tree property
// `vfio-plat,regs`, as a real device tree may too); then the built-in map for its compatible (platform and AMBA) or its
// PCI vendor and device IDs.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { listDevices } from "../host/discovery.ts";
import { resolveDevice } from "../host/device-name.ts";
import { builtinMapFor, builtinMapForPci } from "./builtin/index.ts";
import { loadRegisterMapFile } from "./map-file.ts";
import { loadMapReference } from "./map-reference.ts";
import type { RegisterMap } from "./register-map.ts";
import { REGS_PROPERTY } from "./regs-property.ts";

/** Where a device's map came from. */
export type MapSource = { kind: "builtin"; key: string } | { kind: "file"; path: string } | { kind: "board-file"; path: string };

export { REGS_PROPERTY };

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
