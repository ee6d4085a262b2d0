// vfio-plat as a library: `import { openBoundary, openDevice, listDevices } from "vfio-plat"`. The same typed API
// serves the real machine (bun:ffi + sysfs) and the simulated board; choose with openBoundary({ sim: true }).
export type { KernelBoundary, Mapping, ProcessMemory, PollRequest, Fd } from "./boundary/kernel-boundary.ts";
export { SyscallError, isSyscallError } from "./boundary/syscall-error.ts";
export { openBoundary, type BoundaryOptions } from "./open-boundary.ts";
export * from "./vfio/errors.ts";
export * as abi from "./vfio/abi/constants.ts";
export { Container, type DmaMapping, type DmaPermissions } from "./vfio/container.ts";
export { Group, groupNodePath, type GroupStatus } from "./vfio/group.ts";
export { Device, type DeviceInfo } from "./vfio/device.ts";
export { Region, type RegionInfo, type Width } from "./vfio/region.ts";
export { Irq, type IrqEvent, type IrqInfo } from "./vfio/irq.ts";
export { DmaBuffer } from "./vfio/dma-buffer.ts";
export { decodeIommuInfo, findFreeIova, type IommuInfo, type IovaRange } from "./vfio/iommu-info.ts";
export { openDevice, VfioSession, iommuGroupOf, resolveGroupNode } from "./vfio/session.ts";
export { listDevices, describeDevice, type HostDevice } from "./host/discovery.ts";
export { resolveDevice, validateDeviceName } from "./host/device-name.ts";
export { bindDevice, unbindDevice, type BindOptions, type BindResult } from "./host/bind.ts";
