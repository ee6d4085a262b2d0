// VFIO uapi constants: API version, extension ids, flag bits, region-offset encoding. C names are kept verbatim so
// that `grep` against include/uapi/linux/vfio.h finds them. ioctl request numbers live in ioctls.ts.

export const VFIO_API_VERSION = 0;

// Extensions / IOMMU types (VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU).
export const VFIO_TYPE1_IOMMU = 1;
export const VFIO_SPAPR_TCE_IOMMU = 2;
export const VFIO_TYPE1v2_IOMMU = 3;
export const VFIO_DMA_CC_IOMMU = 4;
export const VFIO_EEH = 5;
export const VFIO_SPAPR_TCE_v2_IOMMU = 7;
export const VFIO_NOIOMMU_IOMMU = 8;
export const VFIO_UNMAP_ALL = 9;
export const VFIO_UPDATE_VADDR = 10;

// vfio_group_status.flags
export const VFIO_GROUP_FLAGS_VIABLE = 1 << 0;
export const VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1;

// vfio_device_info.flags
export const VFIO_DEVICE_FLAGS_RESET = 1 << 0;
export const VFIO_DEVICE_FLAGS_PCI = 1 << 1;
export const VFIO_DEVICE_FLAGS_PLATFORM = 1 << 2;
export const VFIO_DEVICE_FLAGS_AMBA = 1 << 3;
export const VFIO_DEVICE_FLAGS_CCW = 1 << 4;
export const VFIO_DEVICE_FLAGS_AP = 1 << 5;
export const VFIO_DEVICE_FLAGS_FSL_MC = 1 << 6;
export const VFIO_DEVICE_FLAGS_CAPS = 1 << 7;
export const VFIO_DEVICE_FLAGS_CDX = 1 << 8;

// vfio_region_info.flags and capability ids
export const VFIO_REGION_INFO_FLAG_READ = 1 << 0;
export const VFIO_REGION_INFO_FLAG_WRITE = 1 << 1;
export const VFIO_REGION_INFO_FLAG_MMAP = 1 << 2;
export const VFIO_REGION_INFO_FLAG_CAPS = 1 << 3;
export const VFIO_REGION_INFO_CAP_SPARSE_MMAP = 1;
export const VFIO_REGION_INFO_CAP_TYPE = 2;
export const VFIO_REGION_INFO_CAP_MSIX_MAPPABLE = 3;

// vfio_irq_info.flags
export const VFIO_IRQ_INFO_EVENTFD = 1 << 0;
export const VFIO_IRQ_INFO_MASKABLE = 1 << 1;
export const VFIO_IRQ_INFO_AUTOMASKED = 1 << 2;
export const VFIO_IRQ_INFO_NORESIZE = 1 << 3;

// vfio_irq_set.flags: exactly one DATA_* and one ACTION_* bit.
export const VFIO_IRQ_SET_DATA_NONE = 1 << 0;
export const VFIO_IRQ_SET_DATA_BOOL = 1 << 1;
export const VFIO_IRQ_SET_DATA_EVENTFD = 1 << 2;
export const VFIO_IRQ_SET_ACTION_MASK = 1 << 3;
export const VFIO_IRQ_SET_ACTION_UNMASK = 1 << 4;
export const VFIO_IRQ_SET_ACTION_TRIGGER = 1 << 5;
export const VFIO_IRQ_SET_DATA_TYPE_MASK = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_DATA_EVENTFD;
export const VFIO_IRQ_SET_ACTION_TYPE_MASK =
  VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_ACTION_TRIGGER;

// vfio_iommu_type1_info.flags and capability ids
export const VFIO_IOMMU_INFO_PGSIZES = 1 << 0;
export const VFIO_IOMMU_INFO_CAPS = 1 << 1;
export const VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;
export const VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION = 2;
export const VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL = 3;

// vfio_iommu_type1_dma_map.flags / dma_unmap.flags
export const VFIO_DMA_MAP_FLAG_READ = 1 << 0;
export const VFIO_DMA_MAP_FLAG_WRITE = 1 << 1;
export const VFIO_DMA_MAP_FLAG_VADDR = 1 << 2;
export const VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1 << 0;
export const VFIO_DMA_UNMAP_FLAG_ALL = 1 << 1;
export const VFIO_DMA_UNMAP_FLAG_VADDR = 1 << 2;

// vfio-platform encodes the region index in the top bits of the file offset (VFIO_PLATFORM_OFFSET_SHIFT).
export const VFIO_PLATFORM_OFFSET_SHIFT = 40;
export const VFIO_PLATFORM_OFFSET_MASK = 2 ** VFIO_PLATFORM_OFFSET_SHIFT - 1;
/** File offset of region `index` on a vfio-platform/vfio-amba device fd. */
export function regionOffset(index: number): number {
  return index * 2 ** VFIO_PLATFORM_OFFSET_SHIFT;
}
// vfio-pci uses the same 40-bit shift (VFIO_PCI_OFFSET_SHIFT); config space is region 7.
export const VFIO_PCI_BAR0_REGION_INDEX = 0;
export const VFIO_PCI_BAR5_REGION_INDEX = 5;
export const VFIO_PCI_ROM_REGION_INDEX = 6;
export const VFIO_PCI_CONFIG_REGION_INDEX = 7;
export const VFIO_PCI_VGA_REGION_INDEX = 8;
export const VFIO_PCI_NUM_REGIONS = 9;
// vfio-pci interrupt indexes.
export const VFIO_PCI_INTX_IRQ_INDEX = 0;
export const VFIO_PCI_MSI_IRQ_INDEX = 1;
export const VFIO_PCI_MSIX_IRQ_INDEX = 2;
export const VFIO_PCI_ERR_IRQ_INDEX = 3;
export const VFIO_PCI_REQ_IRQ_INDEX = 4;
export const VFIO_PCI_NUM_IRQS = 5;
/** Names of vfio-pci's fixed region and interrupt indexes, for `info`. */
export const VFIO_PCI_REGION_NAMES = ["BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM", "CONFIG", "VGA"] as const;
export const VFIO_PCI_IRQ_NAMES = ["INTx", "MSI", "MSI-X", "ERR", "REQ"] as const;

// iommufd (include/uapi/linux/iommufd.h, enum iommufd_ioas_map_flags): iommu_ioas_map.flags.
export const IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0;
export const IOMMU_IOAS_MAP_WRITEABLE = 1 << 1;
export const IOMMU_IOAS_MAP_READABLE = 1 << 2;

/** Arm SMMU drivers reserve this IOVA window for MSI doorbells (MSI_IOVA_BASE, MSI_IOVA_LENGTH). */
export const MSI_IOVA_BASE = 0x0800_0000n;
export const MSI_IOVA_LENGTH = 0x0010_0000n;

/** Names of flag bits, in bit order, for decoding flags into words (JSON output, traced ioctls). */
export const FLAG_NAMES = {
  device: ["RESET", "PCI", "PLATFORM", "AMBA", "CCW", "AP", "FSL_MC", "CAPS", "CDX"],
  region: ["READ", "WRITE", "MMAP", "CAPS"],
  irq: ["EVENTFD", "MASKABLE", "AUTOMASKED", "NORESIZE"],
  irqSet: ["DATA_NONE", "DATA_BOOL", "DATA_EVENTFD", "ACTION_MASK", "ACTION_UNMASK", "ACTION_TRIGGER"],
  group: ["VIABLE", "CONTAINER_SET"],
  iommuInfo: ["PGSIZES", "CAPS"],
  dmaMap: ["READ", "WRITE", "VADDR"],
  ioasMap: ["FIXED_IOVA", "WRITEABLE", "READABLE"],
} as const;

/** Decode a flags word into names; unknown bits come out as `BIT<n>`. */
export function flagNames(kind: keyof typeof FLAG_NAMES, flags: number): string[] {
  const names: readonly string[] = FLAG_NAMES[kind];
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (flags & (1 << bit)) out.push(names[bit] ?? `BIT${bit}`);
  }
  return out;
}
