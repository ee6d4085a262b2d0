// Small readers for the sysfs attributes the host layer uses, with the kernel's quirks handled once: an unset
// driver_override reads "(null)" on older kernels and an empty line on newer ones; of_node strings are NUL-separated.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { isSyscallError } from "../boundary/syscall-error.ts";

/** Buses vfio-plat looks at, in listing order. */
export const BUSES = ["platform", "amba", "pci"] as const;
export type Bus = (typeof BUSES)[number];

/** The VFIO bus driver that serves each bus. */
export const VFIO_DRIVER_OF_BUS: Record<Bus, string> = {
  platform: "vfio-platform",
  amba: "vfio-amba",
  pci: "vfio-pci",
};
export const VFIO_DRIVERS = new Set(Object.values(VFIO_DRIVER_OF_BUS));

export function busDevicesDir(bus: Bus): string {
  return `/sys/bus/${bus}/devices`;
}
export function deviceDir(bus: Bus, name: string): string {
  return `${busDevicesDir(bus)}/${name}`;
}

/** Last path component of a symlink target, or undefined when the link does not exist. */
export function linkName(b: KernelBoundary, path: string): string | undefined {
  try {
    const t = b.fs.readlink(path);
    return t.slice(t.lastIndexOf("/") + 1);
  } catch (e) {
    if (isSyscallError(e, "ENOENT", "EINVAL")) return undefined;
    throw e;
  }
}

/** The bound driver's name, or undefined when unbound. */
export function boundDriver(b: KernelBoundary, dir: string): string | undefined {
  return linkName(b, `${dir}/driver`);
}

/** driver_override, normalised: "(null)" and "" both mean unset (undefined). */
export function driverOverride(b: KernelBoundary, dir: string): string | undefined {
  try {
    const v = b.fs.readFile(`${dir}/driver_override`).trim();
    return v === "" || v === "(null)" ? undefined : v;
  } catch (e) {
    if (isSyscallError(e, "ENOENT")) return undefined;
    throw e;
  }
}

/** A NUL-separated device-tree string list (of_node/compatible, of_node/reg-names); [] when absent. */
export function ofStrings(b: KernelBoundary, path: string): string[] {
  try {
    return b.fs
      .readFile(path)
      .split("\0")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  } catch (e) {
    if (isSyscallError(e, "ENOENT", "EINVAL")) return [];
    throw e;
  }
}

/** The IOMMU group number, or undefined when the device has none. */
export function iommuGroup(b: KernelBoundary, dir: string): number | undefined {
  const n = linkName(b, `${dir}/iommu_group`);
  if (n === undefined) return undefined;
  const g = Number(n);
  return Number.isInteger(g) ? g : undefined;
}

/** readdir that answers [] for a missing directory (a bus this kernel does not have). */
export function listDir(b: KernelBoundary, path: string): string[] {
  try {
    return b.fs.readdir(path);
  } catch (e) {
    if (isSyscallError(e, "ENOENT", "ENOTDIR")) return [];
    throw e;
  }
}
