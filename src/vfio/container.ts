// A VFIO container: the IOMMU context that groups are attached to (/dev/vfio/vfio). It selects the IOMMU model
// (type1v2 behind a real IOMMU, noiommu without one), reports what the IOMMU offers and creates DMA mappings.
import type { Fd, KernelBoundary, ProcessMemory } from "../boundary/kernel-boundary.ts";
import { O_CLOEXEC, O_RDWR } from "../boundary/kernel-boundary.ts";
import {
  VFIO_API_VERSION,
  VFIO_DMA_MAP_FLAG_READ,
  VFIO_DMA_MAP_FLAG_WRITE,
  VFIO_DMA_UNMAP_FLAG_ALL,
  VFIO_NOIOMMU_IOMMU,
} from "./abi/constants.ts";
import { CONTAINER_IOCTLS } from "./abi/ioctls.ts";
import { vfio_iommu_type1_dma_map, vfio_iommu_type1_dma_unmap, vfio_iommu_type1_info } from "./abi/structs.ts";
import { UnsupportedError, VfioError } from "./errors.ts";
import { forgetMappingsWithin, type DmaMapping, type DmaPermissions, type DmaSpace, type DmaWindow } from "./dma-space.ts";
import { decodeIommuInfo, type IommuInfo } from "./iommu-info.ts";
import { closeOwnedFd, vfioIoctl } from "./ioctl-call.ts";

const VFIO_CONTAINER_PATH = "/dev/vfio/vfio";

export type { DmaMapping, DmaPermissions } from "./dma-space.ts";

/** A VFIO container; as a DmaSpace it maps through the type1 IOMMU driver. */
export class Container implements DmaSpace {
  readonly kind = "type1" as const;
  private iommuType: number | undefined;
  private readonly live: DmaMapping[] = [];
  private closed = false;

  private constructor(
    private readonly b: KernelBoundary,
    readonly fd: Fd,
    readonly path: string,
  ) {}

  /**
   * Open the container node and check the API version.
   * @throws VfioError (ENOENT when the kernel has no VFIO), UnsupportedError on an unknown API version
   */
  static open(b: KernelBoundary, path = VFIO_CONTAINER_PATH): Container {
    let fd: Fd;
    try {
      fd = b.open(path, O_RDWR | O_CLOEXEC);
    } catch (e) {
      throw new VfioError(`cannot open ${path}`, { cause: e });
    }
    const c = new Container(b, fd, path);
    const version = vfioIoctl(b, fd, CONTAINER_IOCTLS.VFIO_GET_API_VERSION, 0, "VFIO_GET_API_VERSION");
    if (version !== VFIO_API_VERSION) {
      c.close();
      throw new UnsupportedError(`VFIO API version ${version} (expected ${VFIO_API_VERSION})`);
    }
    return c;
  }

  /** VFIO_CHECK_EXTENSION: true when the kernel supports extension/IOMMU type `ext`. */
  checkExtension(ext: number): boolean {
    return vfioIoctl(this.b, this.fd, CONTAINER_IOCTLS.VFIO_CHECK_EXTENSION, ext, "VFIO_CHECK_EXTENSION") > 0;
  }

  /** VFIO_SET_IOMMU. Needs at least one group attached. @throws VfioError (EINVAL, ENODEV, EPERM) */
  setIommu(type: number): void {
    vfioIoctl(this.b, this.fd, CONTAINER_IOCTLS.VFIO_SET_IOMMU, type, "VFIO_SET_IOMMU");
    this.iommuType = type;
  }

  /** The IOMMU type set on this container, if any. */
  get type(): number | undefined {
    return this.iommuType;
  }

  /** True for a noiommu container (no DMA translation, no MAP_DMA). */
  get noiommu(): boolean {
    return this.iommuType === VFIO_NOIOMMU_IOMMU;
  }

  /**
   * VFIO_IOMMU_GET_INFO with the two-pass capability protocol: ask with the fixed header, and if the kernel raises
   * argsz for capabilities, ask again with a buffer that large.
   * @throws VfioError (ENOTTY on a noiommu container)
   */
  iommuInfo(): IommuInfo {
    let argsz = vfio_iommu_type1_info.size;
    for (let pass = 0; pass < 3; pass++) {
      const buf = new Uint8Array(argsz);
      vfio_iommu_type1_info.encode({ argsz }, buf);
      vfioIoctl(this.b, this.fd, CONTAINER_IOCTLS.VFIO_IOMMU_GET_INFO, buf, "VFIO_IOMMU_GET_INFO");
      const wanted = vfio_iommu_type1_info.decode(buf).argsz;
      if (wanted <= argsz) return decodeIommuInfo(buf);
      argsz = wanted;
    }
    throw new VfioError("VFIO_IOMMU_GET_INFO", { detail: "argsz kept growing" });
  }

  /** DmaSpace: the IOMMU's smallest page and its IOVA ranges, from VFIO_IOMMU_GET_INFO. */
  dmaWindow(): DmaWindow {
    const info = this.iommuInfo();
    const page = info.minPageSize || BigInt(this.b.pageSize);
    return info.iovaRanges ? { pageSize: page, iovaRanges: info.iovaRanges } : { pageSize: page };
  }

  /**
   * VFIO_IOMMU_MAP_DMA: make `size` bytes of process memory at `vaddr` visible to devices at `iova`.
   * vaddr, iova and size must be multiples of the IOMMU's smallest page size.
   * @throws VfioError EINVAL (alignment, range, flags), EEXIST (overlap), ENOSPC (entry limit), ENOMEM (memlock),
   *   EFAULT (vaddr not mapped), ENOTTY (noiommu container)
   */
  mapDma(vaddr: bigint, iova: bigint, size: bigint, perm: DmaPermissions): DmaMapping {
    const flags = (perm.read ? VFIO_DMA_MAP_FLAG_READ : 0) | (perm.write ? VFIO_DMA_MAP_FLAG_WRITE : 0);
    const arg = vfio_iommu_type1_dma_map.encode({ argsz: vfio_iommu_type1_dma_map.size, flags, vaddr, iova, size });
    vfioIoctl(this.b, this.fd, CONTAINER_IOCTLS.VFIO_IOMMU_MAP_DMA, arg, `map DMA iova 0x${iova.toString(16)}`);
    const m = { vaddr, iova, size, read: perm.read, write: perm.write };
    this.live.push(m);
    return m;
  }

  /** Map a ProcessMemory buffer (all of it) at `iova`. */
  mapMemory(mem: ProcessMemory, iova: bigint, perm: DmaPermissions): DmaMapping {
    return this.mapDma(mem.address, iova, BigInt(mem.length), perm);
  }

  /**
   * VFIO_IOMMU_UNMAP_DMA of [iova, iova+size). type1v2 refuses to split a mapping (EINVAL). Returns the bytes the
   * kernel reports as unmapped.
   */
  unmapDma(iova: bigint, size: bigint): bigint {
    const arg = vfio_iommu_type1_dma_unmap.encode({ argsz: vfio_iommu_type1_dma_unmap.size, iova, size });
    vfioIoctl(this.b, this.fd, CONTAINER_IOCTLS.VFIO_IOMMU_UNMAP_DMA, arg, `unmap DMA iova 0x${iova.toString(16)}`);
    forgetMappingsWithin(this.live, iova, size);
    return vfio_iommu_type1_dma_unmap.decode(arg).size;
  }

  /** Unmap everything (VFIO_DMA_UNMAP_FLAG_ALL). */
  unmapAll(): bigint {
    const arg = vfio_iommu_type1_dma_unmap.encode({
      argsz: vfio_iommu_type1_dma_unmap.size,
      flags: VFIO_DMA_UNMAP_FLAG_ALL,
    });
    vfioIoctl(this.b, this.fd, CONTAINER_IOCTLS.VFIO_IOMMU_UNMAP_DMA, arg, "unmap all DMA");
    this.live.length = 0;
    return vfio_iommu_type1_dma_unmap.decode(arg).size;
  }

  /** The mappings this container made and has not unmapped. */
  get mappings(): readonly DmaMapping[] {
    return this.live;
  }

  /** Close the container. Mappings die with it (the kernel unmaps on release). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.live.length = 0;
    closeOwnedFd(this.b, this.fd);
  }
}
