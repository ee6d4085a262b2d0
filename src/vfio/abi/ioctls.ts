// ioctl request numbers, one table per kind of file descriptor. VFIO defines every ioctl with plain _IO(';', nr) (no
// size or direction bits: structs are versioned by argsz), so on arm64 and x86-64 the request is 0x3B00 | nr. The
// tables are separate because numbers overlap: 0x3B70 is VFIO_IOMMU_GET_INFO on a container but
// VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on a device.

const VFIO_TYPE = 0x3b; // ';'
const VFIO_BASE = 100;
const IOMMUFD_BASE = 0x80;

/** _IO(type, nr) on architectures where _IOC_NONE is 0 (arm64, x86-64: the only ones Bun ships for). */
function io(nr: number): number {
  return (VFIO_TYPE << 8) | nr;
}

export const CONTAINER_IOCTLS = {
  VFIO_GET_API_VERSION: io(VFIO_BASE + 0),
  VFIO_CHECK_EXTENSION: io(VFIO_BASE + 1),
  VFIO_SET_IOMMU: io(VFIO_BASE + 2),
  VFIO_IOMMU_GET_INFO: io(VFIO_BASE + 12),
  VFIO_IOMMU_MAP_DMA: io(VFIO_BASE + 13),
  VFIO_IOMMU_UNMAP_DMA: io(VFIO_BASE + 14),
  VFIO_IOMMU_DIRTY_PAGES: io(VFIO_BASE + 17),
} as const;

export const GROUP_IOCTLS = {
  VFIO_GROUP_GET_STATUS: io(VFIO_BASE + 3),
  VFIO_GROUP_SET_CONTAINER: io(VFIO_BASE + 4),
  VFIO_GROUP_UNSET_CONTAINER: io(VFIO_BASE + 5),
  VFIO_GROUP_GET_DEVICE_FD: io(VFIO_BASE + 6),
} as const;

export const DEVICE_IOCTLS = {
  VFIO_DEVICE_GET_INFO: io(VFIO_BASE + 7),
  VFIO_DEVICE_GET_REGION_INFO: io(VFIO_BASE + 8),
  VFIO_DEVICE_GET_IRQ_INFO: io(VFIO_BASE + 9),
  VFIO_DEVICE_SET_IRQS: io(VFIO_BASE + 10),
  VFIO_DEVICE_RESET: io(VFIO_BASE + 11),
  VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: io(VFIO_BASE + 12),
  VFIO_DEVICE_PCI_HOT_RESET: io(VFIO_BASE + 13),
  VFIO_DEVICE_IOEVENTFD: io(VFIO_BASE + 16),
  VFIO_DEVICE_FEATURE: io(VFIO_BASE + 17),
  VFIO_DEVICE_BIND_IOMMUFD: io(VFIO_BASE + 18),
  VFIO_DEVICE_ATTACH_IOMMUFD_PT: io(VFIO_BASE + 19),
  VFIO_DEVICE_DETACH_IOMMUFD_PT: io(VFIO_BASE + 20),
} as const;

export const IOMMUFD_IOCTLS = {
  IOMMU_DESTROY: io(IOMMUFD_BASE + 0x0),
  IOMMU_IOAS_ALLOC: io(IOMMUFD_BASE + 0x1),
  IOMMU_IOAS_ALLOW_IOVAS: io(IOMMUFD_BASE + 0x2),
  IOMMU_IOAS_COPY: io(IOMMUFD_BASE + 0x3),
  IOMMU_IOAS_IOVA_RANGES: io(IOMMUFD_BASE + 0x4),
  IOMMU_IOAS_MAP: io(IOMMUFD_BASE + 0x5),
  IOMMU_IOAS_UNMAP: io(IOMMUFD_BASE + 0x6),
  IOMMU_OPTION: io(IOMMUFD_BASE + 0x7),
  IOMMU_VFIO_IOAS: io(IOMMUFD_BASE + 0x8),
} as const;

/** The kinds of VFIO-related file descriptors; each has its own ioctl namespace. */
export type FdKind = "container" | "group" | "device" | "iommufd";

const TABLES: Record<FdKind, Record<string, number>> = {
  container: CONTAINER_IOCTLS,
  group: GROUP_IOCTLS,
  device: DEVICE_IOCTLS,
  iommufd: IOMMUFD_IOCTLS,
};

/** The C name of `request` on an fd of `kind`, or a hex number when the table does not know it. */
export function ioctlName(kind: FdKind | undefined, request: number): string {
  if (kind) {
    for (const [name, nr] of Object.entries(TABLES[kind])) if (nr === request) return name;
  }
  return `0x${request.toString(16)}`;
}

/** Which kind of fd a path opens: /dev/vfio/vfio and /dev/iommu are containers, /dev/vfio/N groups, cdevs devices. */
export function fdKindOfPath(path: string): FdKind | undefined {
  if (path === "/dev/vfio/vfio") return "container";
  if (path === "/dev/iommu") return "iommufd";
  if (/^\/dev\/vfio\/(noiommu-)?\d+$/.test(path)) return "group";
  if (/^\/dev\/vfio\/devices\/vfio\d+$/.test(path)) return "device";
  return undefined;
}
