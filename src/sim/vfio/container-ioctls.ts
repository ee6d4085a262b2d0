// ioctls on a simulated container (/dev/vfio/vfio): API version, extensions, SET_IOMMU, and the type1 IOMMU's
// GET_INFO / MAP_DMA / UNMAP_DMA, with the kernel's argsz rules and errnos. A noiommu container answers only the
// container-level ioctls; everything of the IOMMU driver is ENOTTY there.
import {
  VFIO_DMA_MAP_FLAG_READ,
  VFIO_DMA_MAP_FLAG_VADDR,
  VFIO_DMA_MAP_FLAG_WRITE,
  VFIO_DMA_UNMAP_FLAG_ALL,
  VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
  VFIO_DMA_UNMAP_FLAG_VADDR,
  VFIO_IOMMU_INFO_CAPS,
  VFIO_IOMMU_INFO_PGSIZES,
  VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
  VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
  VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
  VFIO_NOIOMMU_IOMMU,
  VFIO_TYPE1_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  VFIO_UNMAP_ALL,
  VFIO_UPDATE_VADDR,
} from "../../vfio/abi/constants.ts";
import { buildCapabilityChain } from "../../vfio/abi/capability-chain.ts";
import { CONTAINER_IOCTLS } from "../../vfio/abi/ioctls.ts";
import {
  vfio_iommu_type1_dma_map,
  vfio_iommu_type1_dma_unmap,
  vfio_iommu_type1_info,
  vfio_iommu_type1_info_cap_iova_range,
  vfio_iommu_type1_info_cap_migration,
  vfio_iommu_type1_info_dma_avail,
  vfio_iova_range,
} from "../../vfio/abi/structs.ts";
import { fail, knownFlags, type1Argsz } from "../kernel/errno.ts";
import { Type1Domain } from "./type1-domain.ts";
import type { ContainerFile } from "./vfio-files.ts";

/** What the container handlers need from the rest of the simulated kernel. */
interface ContainerEnv {
  /** The board has an IOMMU (type1 available). */
  hasIommu: boolean;
  /** noiommu mode is enabled (vfio.enable_unsafe_noiommu_mode). */
  noiommuEnabled(): boolean;
  dmaEntryLimit(): number;
  /**
   * What the SMMUs of the groups `groups` give a type1 domain: input address bits (the upper IOVA range, the smallest
   * of them) and vfio_iommu_type1's iova_pgsizes (the sizes all of them have, CPU-page adjusted).
   */
  iommuOf(groups: number[]): { ias: number; pgsizes: bigint };
  /** Is [vaddr, vaddr+size) mapped in the process (writable if `write`)? */
  vaddrOk(vaddr: bigint, size: bigint, write: boolean): boolean;
}

const DIRTY_BITMAP_SIZE_MAX = 0x1000_0000n; // bitmap bytes for INT_MAX pages, as the kernel reports

const TYPE1_EXTENSIONS = [VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_UNMAP_ALL];

/**
 * CHECK_EXTENSION as vfio's container does it: with an IOMMU driver set, only that driver answers; without one, every
 * registered driver is asked (type1 is built in whether or not the board has an IOMMU, as in the lab's kernel), but
 * once a group is attached only the drivers its kind allows (noiommu groups: the noiommu driver; real groups: not it).
 */
function checkExtension(c: ContainerFile, env: ContainerEnv, ext: number): number {
  const noiommuAnswer = env.noiommuEnabled() && ext === VFIO_NOIOMMU_IOMMU ? 1 : 0;
  if (c.iommu) {
    if (c.iommu.noiommu) return noiommuAnswer;
    return TYPE1_EXTENSIONS.includes(ext) || ext === VFIO_UPDATE_VADDR ? 1 : 0;
  }
  // type1 without an open IOMMU context: UPDATE_VADDR (and DMA_CC) need one, so they read 0 here.
  const type1Answer = TYPE1_EXTENSIONS.includes(ext) ? 1 : 0;
  const first = [...c.groups][0];
  if (first === undefined) return type1Answer || noiommuAnswer;
  return first.noiommu ? noiommuAnswer : type1Answer;
}

function setIommu(c: ContainerFile, env: ContainerEnv, type: number): number {
  if (c.groups.size === 0 || c.iommu) fail("EINVAL");
  const noiommuGroups = [...c.groups].every((g) => g.noiommu);
  if (type === VFIO_NOIOMMU_IOMMU) {
    if (!env.noiommuEnabled() || !noiommuGroups) fail("ENODEV");
    c.iommu = { type, noiommu: true };
    return 0;
  }
  if (type === VFIO_TYPE1_IOMMU || type === VFIO_TYPE1v2_IOMMU) {
    if (!env.hasIommu || noiommuGroups) fail("ENODEV");
    // type1 copies dma_entry_limit into the container when it opens; later writes to the parameter do not reach it.
    const limit = env.dmaEntryLimit();
    const iommu = env.iommuOf([...c.groups].map((g) => g.id));
    c.iommu = { type, noiommu: false, domain: new Type1Domain(() => limit, iommu.ias, iommu.pgsizes) };
    return 0;
  }
  return fail("ENODEV");
}

function iommuGetInfo(domain: Type1Domain, arg: Uint8Array): number {
  const size = type1Argsz(arg, 16);
  const iovas = domain.ranges;
  const ranges = new Uint8Array(vfio_iommu_type1_info_cap_iova_range.size + iovas.length * vfio_iova_range.size);
  vfio_iommu_type1_info_cap_iova_range.encode({ id: VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version: 1, nr_iovas: iovas.length }, ranges);
  iovas.forEach((r, i) => vfio_iova_range.encode(r, ranges, vfio_iommu_type1_info_cap_iova_range.size + i * vfio_iova_range.size));
  // Kernel order: migration, DMA available, IOVA ranges (vfio_iommu_type1_get_info).
  const caps = [
    vfio_iommu_type1_info_cap_migration.encode({
      id: VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
      version: 1,
      flags: 0,
      pgsize_bitmap: domain.pgsizes & -domain.pgsizes,
      max_dirty_bitmap_size: DIRTY_BITMAP_SIZE_MAX,
    }),
    vfio_iommu_type1_info_dma_avail.encode({ id: VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, version: 1, avail: domain.available }),
    ranges,
  ].map((bytes) => ({ bytes }));
  const { reply, capOffset } = buildCapabilityChain(vfio_iommu_type1_info.size, caps);
  const needed = reply.length;
  const flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
  let outArgsz = size;
  let outCapOffset = 0;
  if (size < needed) outArgsz = needed;
  else {
    if (arg.length < needed) fail("EFAULT"); // argsz claims more buffer than there is: copy_to_user faults
    arg.set(reply.subarray(vfio_iommu_type1_info.size, needed), vfio_iommu_type1_info.size);
    outCapOffset = capOffset;
  }
  const head = vfio_iommu_type1_info.encode({ argsz: outArgsz, flags, iova_pgsizes: domain.pgsizes, cap_offset: outCapOffset, pad: 0 });
  // The kernel copies back min(argsz, sizeof(info)) bytes of the header.
  if (arg.length < Math.min(size, vfio_iommu_type1_info.size)) fail("EFAULT");
  arg.set(head.subarray(0, Math.min(size, vfio_iommu_type1_info.size)), 0);
  return 0;
}

function mapDma(domain: Type1Domain, env: ContainerEnv, arg: Uint8Array): number {
  type1Argsz(arg, vfio_iommu_type1_dma_map.size);
  const m = vfio_iommu_type1_dma_map.decode(arg);
  knownFlags(m.flags, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE | VFIO_DMA_MAP_FLAG_VADDR);
  if (m.flags & VFIO_DMA_MAP_FLAG_VADDR) fail("EINVAL"); // no vaddr-invalidated mapping exists to update
  domain.map(
    { iova: m.iova, size: m.size, vaddr: m.vaddr, read: (m.flags & VFIO_DMA_MAP_FLAG_READ) !== 0, write: (m.flags & VFIO_DMA_MAP_FLAG_WRITE) !== 0 },
    env.vaddrOk,
  );
  return 0;
}

function unmapDma(domain: Type1Domain, arg: Uint8Array): number {
  type1Argsz(arg, vfio_iommu_type1_dma_unmap.size);
  const u = vfio_iommu_type1_dma_unmap.decode(arg);
  knownFlags(u.flags, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR);
  if (u.flags & (VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_VADDR)) fail("EINVAL"); // not modelled: no dirty tracking
  let size: bigint;
  if (u.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
    if (u.iova !== 0n || u.size !== 0n) fail("EINVAL");
    size = domain.unmapAll();
  } else size = domain.unmap(u.iova, u.size);
  new DataView(arg.buffer, arg.byteOffset).setBigUint64(vfio_iommu_type1_dma_unmap.offsetOf("size"), size, true);
  return 0;
}

/** Dispatch one ioctl on a container. @throws Errno (src/sim/kernel/errno.ts) */
export function containerIoctl(c: ContainerFile, env: ContainerEnv, request: number, arg: Uint8Array | number): number {
  switch (request) {
    case CONTAINER_IOCTLS.VFIO_GET_API_VERSION:
      return 0;
    case CONTAINER_IOCTLS.VFIO_CHECK_EXTENSION:
      return checkExtension(c, env, typeof arg === "number" ? arg : fail("EINVAL"));
    case CONTAINER_IOCTLS.VFIO_SET_IOMMU:
      return setIommu(c, env, typeof arg === "number" ? arg : fail("EINVAL"));
  }
  // Everything else is passed to the IOMMU driver: with none set yet the container answers EINVAL (its default);
  // the noiommu driver answers ENOTTY to all of them.
  if (!c.iommu) return fail("EINVAL");
  const domain = c.iommu.domain;
  if (!domain) return fail("ENOTTY");
  if (typeof arg === "number") return fail("EFAULT");
  switch (request) {
    case CONTAINER_IOCTLS.VFIO_IOMMU_GET_INFO:
      return iommuGetInfo(domain, arg);
    case CONTAINER_IOCTLS.VFIO_IOMMU_MAP_DMA:
      return mapDma(domain, env, arg);
    case CONTAINER_IOCTLS.VFIO_IOMMU_UNMAP_DMA:
      return unmapDma(domain, arg);
    default:
      return fail("ENOTTY");
  }
}
