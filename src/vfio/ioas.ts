// An iommufd IO address space (IOAS): the DmaSpace of a device opened through its cdev. IOMMU_IOAS_MAP pins process
// memory at a fixed IOVA; the usable ranges and the alignment come from IOMMU_IOAS_IOVA_RANGES and change when a device
// is attached (its IOMMU's page size and reserved regions, such as the Arm SMMU MSI window, apply from then on).
import type { KernelBoundary, ProcessMemory } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import { IOMMU_IOAS_MAP_FIXED_IOVA, IOMMU_IOAS_MAP_READABLE, IOMMU_IOAS_MAP_WRITEABLE } from "./abi/constants.ts";
import { IOMMUFD_IOCTLS } from "./abi/ioctls.ts";
import { iommu_ioas_iova_ranges, iommu_ioas_map, iommu_ioas_unmap, iommu_iova_range } from "./abi/structs.ts";
import { forgetMappingsWithin, type DmaMapping, type DmaPermissions, type DmaSpace, type DmaWindow } from "./dma-space.ts";
import { VfioError } from "./errors.ts";
import type { IommuFd } from "./iommufd.ts";
import type { IovaRange } from "./iommu-info.ts";
import { vfioIoctl } from "./ioctl-call.ts";

/** iommu_ioas_unmap with iova 0 and this length unmaps everything (iommufd_ioas_unmap). */
const UNMAP_ALL_LENGTH = (1n << 64n) - 1n;

/** What IOMMU_IOAS_IOVA_RANGES reports. */
export interface IoasRanges {
  /** Allowed IOVA ranges, inclusive ([start, last] in the uapi; `end` here as in IovaRange). */
  ranges: IovaRange[];
  /** Required alignment of IOVA and length: 1 until a device is attached, then the IOMMU page size. */
  alignment: bigint;
}

export class Ioas implements DmaSpace {
  readonly kind = "iommufd" as const;
  readonly noiommu = false;
  private readonly live: DmaMapping[] = [];

  constructor(
    private readonly b: KernelBoundary,
    readonly iommufd: IommuFd,
    /** The IOAS object id (pt_id for VFIO_DEVICE_ATTACH_IOMMUFD_PT). */
    readonly id: number,
  ) {}

  /**
   * IOMMU_IOAS_IOVA_RANGES. The ranges array lives in process memory the kernel writes through a pointer; asked again
   * with a larger array when the kernel answers EMSGSIZE.
   * @throws VfioError
   */
  iovaRanges(): IoasRanges {
    let room = Math.floor(this.b.pageSize / iommu_iova_range.size);
    for (let pass = 0; pass < 4; pass++) {
      const mem = this.b.allocMemory(room * iommu_iova_range.size);
      try {
        const arg = iommu_ioas_iova_ranges.encode({
          size: iommu_ioas_iova_ranges.size,
          ioas_id: this.id,
          num_iovas: room,
          allowed_iovas: mem.address,
        });
        try {
          this.b.ioctl(this.iommufd.fd, IOMMUFD_IOCTLS.IOMMU_IOAS_IOVA_RANGES, arg);
        } catch (e) {
          if (e instanceof SyscallError && e.code === "EMSGSIZE") {
            room = iommu_ioas_iova_ranges.decode(arg).num_iovas;
            continue;
          }
          throw new VfioError("IOMMU_IOAS_IOVA_RANGES", { cause: e });
        }
        const v = iommu_ioas_iova_ranges.decode(arg);
        const ranges: IovaRange[] = [];
        for (let i = 0; i < v.num_iovas; i++) {
          const r = iommu_iova_range.decode(mem.bytes, i * iommu_iova_range.size);
          ranges.push({ start: r.start, end: r.last });
        }
        return { ranges, alignment: v.out_iova_alignment };
      } finally {
        mem.free();
      }
    }
    throw new VfioError("IOMMU_IOAS_IOVA_RANGES", { detail: "the number of ranges kept growing" });
  }

  /** DmaSpace: alignment (at least the CPU page: mappings are of whole pages) and allowed ranges. */
  dmaWindow(): DmaWindow {
    const { ranges, alignment } = this.iovaRanges();
    const cpu = BigInt(this.b.pageSize);
    return { pageSize: alignment > cpu ? alignment : cpu, iovaRanges: ranges };
  }

  /**
   * IOMMU_IOAS_MAP with FIXED_IOVA: make `size` bytes of process memory at `vaddr` visible at `iova`.
   * @throws VfioError EEXIST (overlaps a mapping), EINVAL (unaligned once a device is attached, reserved IOVA such as
   *   the MSI window, no READ/WRITE), EFAULT (vaddr not mapped), ENOMEM (memlock), ENOENT (IOAS destroyed)
   */
  mapDma(vaddr: bigint, iova: bigint, size: bigint, perm: DmaPermissions): DmaMapping {
    const flags =
      IOMMU_IOAS_MAP_FIXED_IOVA | (perm.read ? IOMMU_IOAS_MAP_READABLE : 0) | (perm.write ? IOMMU_IOAS_MAP_WRITEABLE : 0);
    const arg = iommu_ioas_map.encode({ size: iommu_ioas_map.size, flags, ioas_id: this.id, user_va: vaddr, length: size, iova });
    vfioIoctl(this.b, this.iommufd.fd, IOMMUFD_IOCTLS.IOMMU_IOAS_MAP, arg, `IOAS map iova 0x${iova.toString(16)}`);
    const m = { vaddr, iova, size, read: perm.read, write: perm.write };
    this.live.push(m);
    return m;
  }

  mapMemory(mem: ProcessMemory, iova: bigint, perm: DmaPermissions): DmaMapping {
    return this.mapDma(mem.address, iova, BigInt(mem.length), perm);
  }

  /**
   * IOMMU_IOAS_UNMAP of [iova, iova+size): every mapping inside goes; a mapping only partly inside, or nothing at all
   * in the range, is ENOENT. Returns the bytes unmapped. @throws VfioError
   */
  unmapDma(iova: bigint, size: bigint): bigint {
    const arg = iommu_ioas_unmap.encode({ size: iommu_ioas_unmap.size, ioas_id: this.id, iova, length: size });
    vfioIoctl(this.b, this.iommufd.fd, IOMMUFD_IOCTLS.IOMMU_IOAS_UNMAP, arg, `IOAS unmap iova 0x${iova.toString(16)}`);
    forgetMappingsWithin(this.live, iova, size);
    return iommu_ioas_unmap.decode(arg).length;
  }

  /** Unmap everything in the IOAS (iova 0, length U64_MAX); an empty IOAS is fine. */
  unmapAll(): bigint {
    const arg = iommu_ioas_unmap.encode({ size: iommu_ioas_unmap.size, ioas_id: this.id, iova: 0n, length: UNMAP_ALL_LENGTH });
    vfioIoctl(this.b, this.iommufd.fd, IOMMUFD_IOCTLS.IOMMU_IOAS_UNMAP, arg, "IOAS unmap all");
    this.live.length = 0;
    return iommu_ioas_unmap.decode(arg).length;
  }

  get mappings(): readonly DmaMapping[] {
    return this.live;
  }

  /** IOMMU_DESTROY of this IOAS (EBUSY while a device is attached to it). */
  destroy(): void {
    this.iommufd.destroy(this.id);
    this.live.length = 0;
  }
}
