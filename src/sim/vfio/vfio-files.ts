// The open VFIO files of the simulated kernel: a container (IOMMU context), a group (held by this process through
// its lock file), a device (a window onto a live DeviceRuntime), and the cdev path's iommufd context and device cdev.
// Linux keeps references between them so a group outlives its fd while device fds are open, and a container while
// groups are attached; so do these.
import type { DeviceRuntime } from "../kernel/device-runtime.ts";
import type { IommufdFile } from "./iommufd-ioctls.ts";
import type { Type1Domain } from "./type1-domain.ts";
import type { KmsgFile } from "../kernel/kmsg-file.ts";

export interface ContainerFile {
  kind: "container";
  fd: number;
  groups: Set<GroupFile>;
  /** Set by VFIO_SET_IOMMU. */
  iommu?: { type: number; noiommu: boolean; domain?: Type1Domain };
  closed: boolean;
}

export interface GroupFile {
  kind: "group";
  fd: number;
  id: number;
  noiommu: boolean;
  path: string;
  lockPath: string;
  container?: ContainerFile;
  devices: Set<DeviceFile>;
  closed: boolean;
}

export interface DeviceFile {
  kind: "device";
  fd: number;
  name: string;
  group: GroupFile;
  runtime: DeviceRuntime;
}

/** A device cdev (/dev/vfio/devices/vfioN): useless until VFIO_DEVICE_BIND_IOMMUFD, then a device fd. */
export interface CdevFile {
  kind: "cdev";
  fd: number;
  name: string;
  path: string;
  /** The device's IOMMU group (bind refuses while it is open through /dev/vfio/N). */
  group: number;
  /** Set by BIND_IOMMUFD: the runtime, the iommufd it is bound to, its device object id and the bind's lock file. */
  bound?: { runtime: DeviceRuntime; iommufd: IommufdFile; devid: number; lockPath: string };
  /** Set by ATTACH_IOMMUFD_PT: the IOAS and the automatically created hardware page table object. */
  attached?: { ioasId: number; hwptId: number };
}

/** /proc/self/pagemap, open: not a VFIO file, but numbered with them (kernel/pagemap.ts). */
export interface PagemapFile {
  kind: "pagemap";
  /** The opener had CAP_SYS_ADMIN (checked at open, as file_ns_capable does): PFNs are shown. */
  showPfn: boolean;
}

export type VfioFile = ContainerFile | GroupFile | DeviceFile | IommufdFile | CdevFile | PagemapFile | KmsgFile;
