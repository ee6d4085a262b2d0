// Every uapi struct vfio-plat exchanges with the kernel, at the offsets of the current include/uapi/linux/vfio.h and
// iommufd.h (checked against the installed header by test/abi). C field names are kept verbatim.
import { Struct } from "./codec.ts";

export const vfio_info_cap_header = new Struct("vfio_info_cap_header", 8, [
  { name: "id", offset: 0, type: "u16" },
  { name: "version", offset: 2, type: "u16" },
  { name: "next", offset: 4, type: "u32" },
] as const);

export const vfio_group_status = new Struct("vfio_group_status", 8, [
  { name: "argsz", offset: 0, type: "u32" },
  { name: "flags", offset: 4, type: "u32" },
] as const);

/** 24 bytes in current headers (explicit pad), 20 in 6.1-era ones; the kernel reads and writes only the first 16. */
export const vfio_device_info = new Struct(
  "vfio_device_info",
  24,
  [
    { name: "argsz", offset: 0, type: "u32" },
    { name: "flags", offset: 4, type: "u32" },
    { name: "num_regions", offset: 8, type: "u32" },
    { name: "num_irqs", offset: 12, type: "u32" },
    { name: "cap_offset", offset: 16, type: "u32" },
    { name: "pad", offset: 20, type: "u32" },
  ] as const,
  16,
);

export const vfio_region_info = new Struct("vfio_region_info", 32, [
  { name: "argsz", offset: 0, type: "u32" },
  { name: "flags", offset: 4, type: "u32" },
  { name: "index", offset: 8, type: "u32" },
  { name: "cap_offset", offset: 12, type: "u32" },
  { name: "size", offset: 16, type: "u64" },
  { name: "offset", offset: 24, type: "u64" },
] as const);

const vfio_region_sparse_mmap_area = new Struct("vfio_region_sparse_mmap_area", 16, [
  { name: "offset", offset: 0, type: "u64" },
  { name: "size", offset: 8, type: "u64" },
] as const);

const vfio_region_info_cap_sparse_mmap = new Struct("vfio_region_info_cap_sparse_mmap", 16, [
  { name: "id", offset: 0, type: "u16" },
  { name: "version", offset: 2, type: "u16" },
  { name: "next", offset: 4, type: "u32" },
  { name: "nr_areas", offset: 8, type: "u32" },
  { name: "reserved", offset: 12, type: "u32" },
] as const);

const vfio_region_info_cap_type = new Struct("vfio_region_info_cap_type", 16, [
  { name: "id", offset: 0, type: "u16" },
  { name: "version", offset: 2, type: "u16" },
  { name: "next", offset: 4, type: "u32" },
  { name: "type", offset: 8, type: "u32" },
  { name: "subtype", offset: 12, type: "u32" },
] as const);

export const vfio_irq_info = new Struct("vfio_irq_info", 16, [
  { name: "argsz", offset: 0, type: "u32" },
  { name: "flags", offset: 4, type: "u32" },
  { name: "index", offset: 8, type: "u32" },
  { name: "count", offset: 12, type: "u32" },
] as const);

/** Header only; the payload (count x u8 bools or count x s32 eventfds) follows at offset 20. See irq-set.ts. */
export const vfio_irq_set = new Struct("vfio_irq_set", 20, [
  { name: "argsz", offset: 0, type: "u32" },
  { name: "flags", offset: 4, type: "u32" },
  { name: "index", offset: 8, type: "u32" },
  { name: "start", offset: 12, type: "u32" },
  { name: "count", offset: 16, type: "u32" },
] as const);

export const vfio_iommu_type1_info = new Struct(
  "vfio_iommu_type1_info",
  24,
  [
    { name: "argsz", offset: 0, type: "u32" },
    { name: "flags", offset: 4, type: "u32" },
    { name: "iova_pgsizes", offset: 8, type: "u64" },
    { name: "cap_offset", offset: 16, type: "u32" },
    { name: "pad", offset: 20, type: "u32" },
  ] as const,
  16,
);

export const vfio_iova_range = new Struct("vfio_iova_range", 16, [
  { name: "start", offset: 0, type: "u64" },
  { name: "end", offset: 8, type: "u64" },
] as const);

export const vfio_iommu_type1_info_cap_iova_range = new Struct("vfio_iommu_type1_info_cap_iova_range", 16, [
  { name: "id", offset: 0, type: "u16" },
  { name: "version", offset: 2, type: "u16" },
  { name: "next", offset: 4, type: "u32" },
  { name: "nr_iovas", offset: 8, type: "u32" },
  { name: "reserved", offset: 12, type: "u32" },
] as const);

export const vfio_iommu_type1_info_cap_migration = new Struct("vfio_iommu_type1_info_cap_migration", 32, [
  { name: "id", offset: 0, type: "u16" },
  { name: "version", offset: 2, type: "u16" },
  { name: "next", offset: 4, type: "u32" },
  { name: "flags", offset: 8, type: "u32" },
  { name: "pgsize_bitmap", offset: 16, type: "u64" },
  { name: "max_dirty_bitmap_size", offset: 24, type: "u64" },
] as const);

export const vfio_iommu_type1_info_dma_avail = new Struct("vfio_iommu_type1_info_dma_avail", 12, [
  { name: "id", offset: 0, type: "u16" },
  { name: "version", offset: 2, type: "u16" },
  { name: "next", offset: 4, type: "u32" },
  { name: "avail", offset: 8, type: "u32" },
] as const);

export const vfio_iommu_type1_dma_map = new Struct("vfio_iommu_type1_dma_map", 32, [
  { name: "argsz", offset: 0, type: "u32" },
  { name: "flags", offset: 4, type: "u32" },
  { name: "vaddr", offset: 8, type: "u64" },
  { name: "iova", offset: 16, type: "u64" },
  { name: "size", offset: 24, type: "u64" },
] as const);

export const vfio_iommu_type1_dma_unmap = new Struct("vfio_iommu_type1_dma_unmap", 24, [
  { name: "argsz", offset: 0, type: "u32" },
  { name: "flags", offset: 4, type: "u32" },
  { name: "iova", offset: 8, type: "u64" },
  { name: "size", offset: 16, type: "u64" },
] as const);

const vfio_device_feature = new Struct("vfio_device_feature", 8, [
  { name: "argsz", offset: 0, type: "u32" },
  { name: "flags", offset: 4, type: "u32" },
] as const);

// cdev + iommufd (not in 6.1-era headers; checked against hand-declared C copies).
export const vfio_device_bind_iommufd = new Struct(
  "vfio_device_bind_iommufd",
  24,
  [
    { name: "argsz", offset: 0, type: "u32" },
    { name: "flags", offset: 4, type: "u32" },
    { name: "iommufd", offset: 8, type: "s32" },
    { name: "out_devid", offset: 12, type: "u32" },
    { name: "token_uuid_ptr", offset: 16, type: "u64" },
  ] as const,
  16,
);

export const vfio_device_attach_iommufd_pt = new Struct(
  "vfio_device_attach_iommufd_pt",
  16,
  [
    { name: "argsz", offset: 0, type: "u32" },
    { name: "flags", offset: 4, type: "u32" },
    { name: "pt_id", offset: 8, type: "u32" },
    { name: "pasid", offset: 12, type: "u32" },
  ] as const,
  12,
);

export const vfio_device_detach_iommufd_pt = new Struct(
  "vfio_device_detach_iommufd_pt",
  12,
  [
    { name: "argsz", offset: 0, type: "u32" },
    { name: "flags", offset: 4, type: "u32" },
    { name: "pasid", offset: 8, type: "u32" },
  ] as const,
  8,
);

export const iommu_destroy = new Struct("iommu_destroy", 8, [
  { name: "size", offset: 0, type: "u32" },
  { name: "id", offset: 4, type: "u32" },
] as const);

export const iommu_ioas_alloc = new Struct("iommu_ioas_alloc", 12, [
  { name: "size", offset: 0, type: "u32" },
  { name: "flags", offset: 4, type: "u32" },
  { name: "out_ioas_id", offset: 8, type: "u32" },
] as const);

export const iommu_iova_range = new Struct("iommu_iova_range", 16, [
  { name: "start", offset: 0, type: "u64" },
  { name: "last", offset: 8, type: "u64" },
] as const);

export const iommu_ioas_iova_ranges = new Struct("iommu_ioas_iova_ranges", 32, [
  { name: "size", offset: 0, type: "u32" },
  { name: "ioas_id", offset: 4, type: "u32" },
  { name: "num_iovas", offset: 8, type: "u32" },
  { name: "__reserved", offset: 12, type: "u32" },
  { name: "allowed_iovas", offset: 16, type: "u64" },
  { name: "out_iova_alignment", offset: 24, type: "u64" },
] as const);

export const iommu_ioas_map = new Struct("iommu_ioas_map", 40, [
  { name: "size", offset: 0, type: "u32" },
  { name: "flags", offset: 4, type: "u32" },
  { name: "ioas_id", offset: 8, type: "u32" },
  { name: "__reserved", offset: 12, type: "u32" },
  { name: "user_va", offset: 16, type: "u64" },
  { name: "length", offset: 24, type: "u64" },
  { name: "iova", offset: 32, type: "u64" },
] as const);

export const iommu_ioas_unmap = new Struct("iommu_ioas_unmap", 24, [
  { name: "size", offset: 0, type: "u32" },
  { name: "ioas_id", offset: 4, type: "u32" },
  { name: "iova", offset: 8, type: "u64" },
  { name: "length", offset: 16, type: "u64" },
] as const);

/** Every struct above, for the layout test and for decoding traced ioctls. */
export const ALL_STRUCTS = [
  vfio_info_cap_header,
  vfio_group_status,
  vfio_device_info,
  vfio_region_info,
  vfio_region_sparse_mmap_area,
  vfio_region_info_cap_sparse_mmap,
  vfio_region_info_cap_type,
  vfio_irq_info,
  vfio_irq_set,
  vfio_iommu_type1_info,
  vfio_iova_range,
  vfio_iommu_type1_info_cap_iova_range,
  vfio_iommu_type1_info_cap_migration,
  vfio_iommu_type1_info_dma_avail,
  vfio_iommu_type1_dma_map,
  vfio_iommu_type1_dma_unmap,
  vfio_device_feature,
  vfio_device_bind_iommufd,
  vfio_device_attach_iommufd_pt,
  vfio_device_detach_iommufd_pt,
  iommu_destroy,
  iommu_ioas_alloc,
  iommu_iova_range,
  iommu_ioas_iova_ranges,
  iommu_ioas_map,
  iommu_ioas_unmap,
] as const;
