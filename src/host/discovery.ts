// Device discovery over sysfs: every device on the platform, amba and pci buses with what a user needs to decide what
// to bind: its driver (and whether driver_override forces it), IOMMU group, device-tree or PCI identity and VFIO node.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { resolveGroupNode } from "../vfio/session.ts";
import { deviceIommu, type DeviceIommu } from "./device-iommu.ts";
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
  /** The IOMMU in front of the device (its `iommu` link) and the device's stream IDs, when the kernel shows one. */
  iommu?: DeviceIommu;
  compatible: string[];
  regNames: string[];
  /** Bound to vfio-platform, vfio-amba or vfio-pci. */
  vfioBound: boolean;
  /** /dev/vfio/N or /dev/vfio/noiommu-N when bound to VFIO and the node exists. */
  groupNode?: string;
  /** A PCI function's ids from sysfs (`vendor`, `device`, `class`), for bus "pci". */
  pci?: PciIdentity;
}

export interface PciIdentity {
  vendor: number;
  device: number;
  /** 24-bit class code. */
  class: number;
}

/** vendor/device/class of a PCI function, or undefined when sysfs does not show them. */
function pciIdentity(b: KernelBoundary, dir: string): PciIdentity | undefined {
  const num = (attr: string): number | undefined => {
    try {
      const v = Number(b.fs.readFile(`${dir}/${attr}`).trim());
      return Number.isInteger(v) ? v : undefined;
    } catch {
      return undefined;
    }
  };
  const vendor = num("vendor");
  const device = num("device");
  const cls = num("class");
  return vendor === undefined || device === undefined ? undefined : { vendor, device, class: cls ?? 0 };
}

/** "1234:11e8", as lspci -n prints a function's ids. */
export function pciIdText(id: PciIdentity): string {
  return `${id.vendor.toString(16).padStart(4, "0")}:${id.device.toString(16).padStart(4, "0")}`;
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
  if (bus === "pci") {
    const id = pciIdentity(b, dir);
    if (id) dev.pci = id;
  }
  const override = driverOverride(b, dir);
  if (override !== undefined) dev.override = override;
  const iommu = deviceIommu(b, dir);
  if (iommu) dev.iommu = iommu;
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

/**
 * The devices called exactly `name`, one per bus that has it (in listDevices' bus order), optionally on `bus` only.
 * Reads only those devices: a command on one device need not describe the whole machine. `name` must already be a
 * valid device name (device-name.ts checks it before it reaches a path).
 */
export function devicesNamed(b: KernelBoundary, name: string, bus?: Bus): HostDevice[] {
  return BUSES.filter((x) => (bus === undefined || x === bus) && b.fs.exists(deviceDir(x, name))).map((x) => describeDevice(b, x, name));
}

/** Device names only (fast path for shell completion: no per-device reads). */
export function listDeviceNames(b: KernelBoundary): string[] {
  return BUSES.flatMap((bus) => listDir(b, busDevicesDir(bus)).sort());
}
