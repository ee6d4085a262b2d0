// The open VFIO files of the simulated kernel: a container (IOMMU context), a group (held by this process through
// its lock file) and a device (a window onto a live DeviceRuntime). Linux keeps references between them so a group
// outlives its fd while device fds are open, and a container while groups are attached; so do these.
import type { DeviceRuntime } from "../kernel/device-runtime.ts";
import type { Type1Domain } from "./type1-domain.ts";

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

export type VfioFile = ContainerFile | GroupFile | DeviceFile;
