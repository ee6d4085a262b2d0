// The one home of "drivers that keep an IOMMU group viable": the kernel hands a group's DMA to user space only while
// each member has no driver or one that manages DMA itself (driver_managed_dma). Shared by the host's viability
// checks (group-members.ts) and the simulated kernel's VFIO_GROUP_GET_STATUS, which models the same rule.
import { VFIO_DRIVERS } from "./sysfs.ts";

/**
 * Linux 6.12's drivers with driver_managed_dma set, by the name they register under /sys/bus/<bus>/drivers: VFIO's own
 * (vfio-platform, vfio-amba, vfio-pci), pci-stub, pcieport, and the vfio-pci variant drivers of drivers/vfio/pci/*
 * (registered as their module name, '-' read as '_').
 */
export const DMA_OWNER_FREE_DRIVERS: ReadonlySet<string> = new Set([
  ...VFIO_DRIVERS,
  "pci-stub",
  "pcieport",
  "mlx5_vfio_pci",
  "hisi_acc_vfio_pci",
  "virtio_vfio_pci",
  "pds_vfio_pci",
  "nvgrace_gpu_vfio_pci",
  "qat_vfio_pci",
]);

/** True when `driver` (undefined: no driver) leaves its group viable. */
export function keepsGroupViable(driver: string | undefined): boolean {
  return driver === undefined || DMA_OWNER_FREE_DRIVERS.has(driver);
}
