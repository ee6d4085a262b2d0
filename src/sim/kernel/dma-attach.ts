// DMA attachment and page pinning in the simulated kernel: which translation a device's bus-master accesses go
// through (the IOAS its bound cdev is attached to, or the type1 domain of the container its group is in; blocked
// otherwise, untranslated under noiommu), and MAP_DMA / IOAS_MAP's pinning of the user's pages.
import { PROT_READ, PROT_WRITE, type OsPrimitives } from "../../boundary/kernel-boundary.ts";
import type { IommuAttachment } from "../iommu/dma-port.ts";
import type { CdevFile, GroupFile } from "../vfio/vfio-files.ts";

/** What a device's DMA is translated by: its bound cdev's IOAS if it has one, else its group's container. */
export function attachmentOf(
  name: string,
  group: number | undefined,
  boundCdevs: ReadonlyMap<string, CdevFile>,
  heldGroups: ReadonlyMap<number, GroupFile>,
): IommuAttachment {
  const cdev = boundCdevs.get(name);
  if (cdev) {
    // The cdev path: the IOAS the device is attached to translates; bound but not attached is blocked.
    const ioas = cdev.attached ? cdev.bound?.iommufd.objects.get(cdev.attached.ioasId) : undefined;
    return ioas?.type === "ioas" ? { kind: "type1", domain: ioas.table } : { kind: "blocked" };
  }
  const iommu = group === undefined ? undefined : heldGroups.get(group)?.container?.iommu;
  if (!iommu) return { kind: "blocked" };
  if (iommu.noiommu) return { kind: "noiommu" };
  return iommu.domain ? { kind: "type1", domain: iommu.domain } : { kind: "blocked" };
}

/** Keeps the pinning reads from being optimised away. */
let pinSum = 0;

/**
 * MAP_DMA / IOAS_MAP's pinning: is the range mapped (writable if `write`)? If so, fault every page in now, as the
 * kernel's pin_user_pages does (for write when the device may write), so the first DMA into a fresh buffer does not
 * pay the page faults (a 64 MiB copy took 23-61 ms with them, 6-14 ms without). Contents are unchanged.
 */
export function pinPages(os: OsPrimitives, pageSize: number, address: bigint, length: number, write: boolean): boolean {
  if (!os.isMapped(address, length, write ? PROT_READ | PROT_WRITE : PROT_READ)) return false;
  if (length > 0) {
    const v = os.memoryAt(address, length);
    let sum = 0;
    for (let i = 0; i < length; i += pageSize) {
      if (write) v[i] = v[i]!; // a write fault: the page becomes private and writable, as FOLL_WRITE pins it
      else sum += v[i]!;
    }
    if (write) v[length - 1] = v[length - 1]!;
    else sum += v[length - 1]!;
    pinSum = sum;
  }
  return pinSum >= 0;
}
