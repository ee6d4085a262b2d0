// The devices of an IOMMU group, and whether the group is viable for VFIO. The kernel lets user space own a group's
// DMA only while no member is bound to a driver that uses the kernel's DMA API: a member with no driver, with a VFIO
// driver, or with a driver that manages DMA itself (driver_managed_dma, dma-owner-free.ts) is fine; any other makes
// VFIO_GROUP_GET_STATUS clear VIABLE and VFIO_GROUP_SET_CONTAINER fail (iommu_group_claim_dma_owner: EPERM).
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { devicesNamed, type HostDevice } from "./discovery.ts";
import { DMA_OWNER_FREE_DRIVERS, keepsGroupViable } from "./dma-owner-free.ts";

export { DMA_OWNER_FREE_DRIVERS };

/** Names listed in the device's group directory (itself included); empty without a group. */
function memberNames(b: KernelBoundary, dev: HostDevice): string[] {
  for (const dir of [`${dev.sysfsPath}/iommu_group/devices`, ...(dev.iommuGroup !== undefined ? [`/sys/kernel/iommu_groups/${dev.iommuGroup}/devices`] : [])]) {
    try {
      return b.fs.readdir(dir);
    } catch {
      // not this path
    }
  }
  return [];
}

/**
 * Every device of `dev`'s IOMMU group that this tool knows (platform, AMBA, PCI), `dev` first, the others sorted by
 * name; `others` names group members on other buses. Just `dev` when it has no group. Members are looked up in `all`
 * when given (a caller that listed the machine already), else read one by one.
 */
export function groupMembers(b: KernelBoundary, dev: HostDevice, all?: readonly HostDevice[]): { devices: HostDevice[]; others: string[] } {
  if (dev.iommuGroup === undefined) return { devices: [dev], others: [] };
  const names = memberNames(b, dev).filter((n) => n !== dev.name).sort();
  const devices: HostDevice[] = [dev];
  const others: string[] = [];
  for (const n of names) {
    const named = all ? all.filter((x) => x.name === n) : devicesNamed(b, n);
    const d = named.find((x) => x.iommuGroup === dev.iommuGroup) ?? named[0];
    if (d) devices.push(d);
    else others.push(n);
  }
  return { devices, others };
}

/** True when `driver` stops a group from being viable. */
export function blocksViability(driver: string | undefined): boolean {
  return !keepsGroupViable(driver);
}

/** The other members of `dev`'s group that keep it from being viable (bound to a kernel DMA-API driver). */
export function viabilityBlockers(b: KernelBoundary, dev: HostDevice, all?: readonly HostDevice[]): HostDevice[] {
  return groupMembers(b, dev, all).devices.slice(1).filter((d) => blocksViability(d.driver));
}

/** PCI class 0x0604: a PCI-to-PCI bridge (a root port, a switch port). */
const PCI_BRIDGE_CLASS = 0x0604;

/** Why a bind of a whole group leaves a member alone: a PCI bridge, or already on a driver that keeps the group viable. */
export type GroupSkip = { device: HostDevice; why: "pci-bridge" | "dma-owner-free" };

/**
 * The members of a group that a bind of the whole group must move, and the ones it leaves: a PCI bridge (vfio-pci
 * refuses any header type but a normal one: EINVAL) and a member whose driver already leaves DMA to VFIO but is not
 * VFIO's (pcieport, pci-stub), since neither keeps the group from being viable. `dev`, the one named, is always kept.
 */
export function groupBindMembers(devices: readonly HostDevice[]): { bind: HostDevice[]; skipped: GroupSkip[] } {
  const bind: HostDevice[] = [];
  const skipped: GroupSkip[] = [];
  devices.forEach((d, i) => {
    if (i > 0 && d.pci !== undefined && d.pci.class >> 8 === PCI_BRIDGE_CLASS) skipped.push({ device: d, why: "pci-bridge" });
    else if (i > 0 && d.driver !== undefined && !d.vfioBound && keepsGroupViable(d.driver)) skipped.push({ device: d, why: "dma-owner-free" });
    else bind.push(d);
  });
  return { bind, skipped };
}
