// Opening a device the short way: by the name a user knows ("9010000.pl031", a compatible, or its /sys path), with
// its regions named from the device tree's reg-names. It finds the device in sysfs and hands the facts to the typed
// layer's openDevice (src/vfio/session.ts), which stays free of discovery.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { openDevice as openByPath, type IommuMode, type OpenOptions, type VfioSession } from "../vfio/session.ts";
import { lookupDevice } from "./device-name.ts";
import { describeDevice, listDevices, type HostDevice } from "./discovery.ts";
import { BUSES } from "./sysfs.ts";

/** How to open a device found by name. */
export interface OpenByNameOptions {
  /** Which path to open the device by; `auto` when absent. */
  iommuMode?: IommuMode;
}

/**
 * Open a device bound to a VFIO driver. `device` is a name as resolveDevice takes it (sysfs name, compatible or
 * /sys path), a HostDevice from listDevices, or explicit OpenOptions; regions are named from the device tree's
 * reg-names unless `regionNames` is given.
 * @throws DeviceNotFoundError (no such device, or not bound), InvalidArgumentError (an ambiguous name), and whatever the typed
 *   layer's openDevice throws (BusyError, UnsupportedError, VfioError)
 */
export function openDevice(b: KernelBoundary, device: string | HostDevice | OpenOptions, opts: OpenByNameOptions = {}): VfioSession {
  if (typeof device === "string") device = lookupDevice(b, device);
  const mode = opts.iommuMode !== undefined ? { iommuMode: opts.iommuMode } : {};
  if ("regNames" in device) {
    return openByPath(b, { sysfsPath: device.sysfsPath, name: device.name, regionNames: device.regNames, ...mode });
  }
  const regionNames = device.regionNames ?? regNamesOf(b, device.sysfsPath, device.name);
  return openByPath(b, { ...device, regionNames, ...mode });
}

/** The reg-names of the device at `sysfsPath` (/sys/bus/<bus>/devices/<name>), or none when sysfs does not say. */
function regNamesOf(b: KernelBoundary, sysfsPath: string, name: string): string[] {
  const bus = BUSES.find((x) => sysfsPath.startsWith(`/sys/bus/${x}/devices/`));
  if (bus === undefined) return [];
  try {
    return describeDevice(b, bus, name).regNames;
  } catch {
    return [];
  }
}
