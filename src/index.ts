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
export { Irq, IrqEvent, type IrqEventJson, type IrqInfo } from "./vfio/irq.ts";
export { DmaBuffer } from "./vfio/dma-buffer.ts";
export { decodeIommuInfo, findFreeIova, type IommuInfo, type IovaRange } from "./vfio/iommu-info.ts";
export { VfioSession, iommuGroupOf, resolveGroupNode, type IommuMode, type OpenOptions } from "./vfio/session.ts";
export { openDevice, type OpenByNameOptions } from "./host/open-device.ts";
export { listDevices, describeDevice, type HostDevice } from "./host/discovery.ts";
export { resolveDevice, validateDeviceName } from "./host/device-name.ts";
export { bindDevice, unbindDevice, type BindOptions, type BindResult, type UnbindOptions, type UnbindResult } from "./host/bind.ts";
export { defaultStateDir } from "./host/state-dir.ts";
export { checkSystem, checkDevice, type Finding, type FindingStatus } from "./host/doctor.ts";
export { readKernelLog, kernelLogPosition, smmuFaults, describeSmmuFault, type KernelLog, type KernelLogRecord, type SmmuFault } from "./host/kernel-log.ts";

// The user-space PL330 driver (what `dma-test` and `pl330` use) and its program tools.
export { Pl330Driver, Pl330Error, irqLayout, type Pl330Info, type MemcpyJob, type MemcpyOutcome, type MemcpyStartRequest } from "./drivers/pl330/driver.ts";
export { assemble, AsmError, type AsmResult } from "./drivers/pl330/assembler.ts";
export { disassemble, formatListing } from "./drivers/pl330/disassembler.ts";
export { buildMemcpyProgram } from "./drivers/pl330/program-builder.ts";

// Your own device model on the simulated board (docs/device-models.md): the interface a model module implements, and
// the error the simulator reports when one fails.
export type {
  UserAccessWidth,
  UserDeviceModel,
  UserDma,
  UserDmaAttributes,
  UserDmaFault,
  UserDmaRead,
  UserDmaWrite,
  UserModelContext,
  UserModelFactory,
  UserModelOperation,
} from "./sim/devices/user-model.ts";
export { UserModelError, type UserModelAccess } from "./sim/devices/user-model-errors.ts";
export type { BoardSpec, DeviceSpec, IrqSpec, RegionSpec, SmmuSpec } from "./sim/boards/board-spec.ts";
