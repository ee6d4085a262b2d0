// Device discovery over sysfs: every device on the platform, amba and pci buses with what a user needs to decide what
// to bind: its driver (and whether driver_override forces it), IOMMU group, device-tree identity and VFIO node.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { resolveGroupNode } from "../vfio/session.ts";
import {
  BUSES,
  type Bus,
  VFIO_DRIVERS,
  boundDriver,
  busDevicesDir,
  deviceDir,
  driverOverride,
  iommuGroup,
  listDir,
  ofStrings,
} from "./sysfs.ts";

export interface HostDevice {
  name: string;
  bus: Bus;
  /** /sys/bus/<bus>/devices/<name> */
  sysfsPath: string;
  /** Bound driver, undefined when unbound. */
  driver?: string;
  /** driver_override, undefined when unset. */
  override?: string;
  iommuGroup?: number;
  compatible: string[];
  regNames: string[];
  /** Bound to vfio-platform, vfio-amba or vfio-pci. */
  vfioBound: boolean;
  /** /dev/vfio/N or /dev/vfio/noiommu-N when bound to VFIO and the node exists. */
  groupNode?: string;
}

/** Read one device's facts. */
export function describeDevice(b: KernelBoundary, bus: Bus, name: string): HostDevice {
  const dir = deviceDir(bus, name);
  const driver = boundDriver(b, dir);
  const group = iommuGroup(b, dir);
  const vfioBound = driver !== undefined && VFIO_DRIVERS.has(driver);
  const dev: HostDevice = {
    name,
    bus,
    sysfsPath: dir,
    compatible: ofStrings(b, `${dir}/of_node/compatible`),
    regNames: ofStrings(b, `${dir}/of_node/reg-names`),
    vfioBound,
  };
  if (driver !== undefined) dev.driver = driver;
  const override = driverOverride(b, dir);
  if (override !== undefined) dev.override = override;
  if (group !== undefined) {
    dev.iommuGroup = group;
    if (vfioBound) {
      const node = resolveGroupNode(b, group);
      if (b.fs.exists(node)) dev.groupNode = node;
    }
  }
  return dev;
}

/** Every device on the buses this machine has, sorted by bus then name. */
export function listDevices(b: KernelBoundary): HostDevice[] {
  const out: HostDevice[] = [];
  for (const bus of BUSES) {
    for (const name of listDir(b, busDevicesDir(bus)).sort()) out.push(describeDevice(b, bus, name));
  }
  return out;
}

/** Device names only (fast path for shell completion: no per-device reads). */
export function listDeviceNames(b: KernelBoundary): string[] {
  return BUSES.flatMap((bus) => listDir(b, busDevicesDir(bus)).sort());
}
