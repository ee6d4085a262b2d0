// vfio-plat as a library: `import { openBoundary, openDevice, listDevices } from "vfio-plat"`. The same typed API
// serves the real machine (bun:ffi + sysfs) and the simulated board; choose with openBoundary({ sim: true }).
// Every error class and refusal type a caller can meet is exported here, so `instanceof` and `refusal.reason` work
// without reaching into the package's files (test/vfio/exports.test.ts keeps it so).
//
// The numeric rule, everywhere: offsets and sizes inside a region or buffer are `number`s; IOVAs, physical
// addresses, file offsets on a device fd and 64-bit values are `bigint`s; 8/16/32-bit register values are `number`s;
// access widths are in bits (8, 16, 32, 64).
export type { KernelBoundary, Mapping, ProcessMemory, PollRequest, Fd } from "./boundary/kernel-boundary.ts";
export { SyscallError, isSyscallError } from "./boundary/syscall-error.ts";
export { openBoundary, resetSimBoard, inspectSimState, type BoundaryOptions } from "./open-boundary.ts";
export * from "./vfio/errors.ts";
export * as abi from "./vfio/abi/constants.ts";
export { Container, type DmaMapping, type DmaPermissions } from "./vfio/container.ts";
export type { DmaSpace, DmaWindow } from "./vfio/dma-space.ts";
export { Ioas, type IoasRanges } from "./vfio/ioas.ts";
export { IommuFd } from "./vfio/iommufd.ts";
export { Group, groupNodePath, type GroupStatus } from "./vfio/group.ts";
export { Device, type DeviceInfo } from "./vfio/device.ts";
export {
  Region,
  RegionAccessError,
  RegionRefusedError,
  isWidth,
  type NarrowWidth,
  type RegionInfo,
  type RegionRefusal,
  type RegisterValue,
  type Width,
} from "./vfio/region.ts";
export { Irq, IrqEvent, IrqRefusedError, type IrqEventJson, type IrqInfo, type IrqRefusal } from "./vfio/irq.ts";
export { VirqfdHandle, type VirqfdAction } from "./vfio/virqfd.ts";
export { DmaBuffer, type DmaBufferOptions, type DmaSegment, type Pinning } from "./vfio/dma-buffer.ts";
export { physicalSegments, PAGEMAP_PATH } from "./vfio/physical-address.ts";
export { chooseHugePages, hugePagePools, type HugePagePool, type SmallPagesReason } from "./vfio/huge-pages.ts";
export { decodeIommuInfo, findFreeIova, type IommuInfo, type IovaRange } from "./vfio/iommu-info.ts";
export { VfioSession, iommuGroupOf, resolveGroupNode, type IommuMode, type OpenOptions, type SessionParts } from "./vfio/session.ts";

// The host layer: discovery, names, bind/unbind, doctor, the kernel log.
export { openDevice, type OpenByNameOptions } from "./host/open-device.ts";
export { listDevices, describeDevice, type HostDevice, type PciIdentity } from "./host/discovery.ts";
export { resolveDevice, validateDeviceName } from "./host/device-name.ts";
export {
  bindDevice,
  unbindDevice,
  recoverTransaction,
  type BindOptions,
  type BindResult,
  type NodeOwner,
  type OnWait,
  type Recovery,
  type UnbindOptions,
  type UnbindResult,
} from "./host/bind.ts";
export { bindDevices, unbindDevices, type BatchOptions, type BatchResult } from "./host/batch-bind.ts";
export { recoverStaleBatches, type BatchRecovery } from "./host/batch-recovery.ts";
export { groupMembers, viabilityBlockers, blocksViability, DMA_OWNER_FREE_DRIVERS } from "./host/group-members.ts";
export {
  BindBusyError,
  BindUnsupportedError,
  BindDriverError,
  GroupNotViableError,
  DeviceNameError,
  NoSuchDeviceError,
  type BindRefusal,
  type DeviceNameRefusal,
} from "./host/host-errors.ts";
export { physicalRegions, type PhysicalRegion } from "./host/physical-regions.ts";
export { resolvePhysical, type PhysicalHit } from "./host/physical-resolve.ts";
export {
  PhysicalAddressError,
  PhysicalNotFoundError,
  PhysicalUnsupportedError,
  type PhysicalRefusal,
  type PhysicalWindow,
} from "./host/physical-errors.ts";
export type { NodeHolder } from "./host/in-use.ts";
export { UdevValueError } from "./host/udev-rules.ts";
export { UdevRuleSyntaxError } from "./host/udev-match.ts";
export { defaultStateDir } from "./host/state-dir.ts";
export { checkSystem, checkDevice, type Finding, type FindingStatus, type Fix } from "./host/doctor.ts";
export { checkBindTransactions } from "./host/doctor-bind.ts";
export { readKernelLog, kernelLogPosition, smmuFaults, describeSmmuFault, type KernelLog, type KernelLogRecord, type SmmuFault, type SmmuFaultKind } from "./host/kernel-log.ts";

// The simulated board's refusals (openBoundary({ sim: true }), resetSimBoard) and what its listeners are told. Only
// the small error modules are loaded here: the board itself stays a lazy import.
export { BoardFileError, UnknownBoardError } from "./sim/boards/board-errors.ts";
export { BoardIommuError } from "./sim/boards/board-iommu.ts";
export { StateDamagedError, StateLockedError, type StateProblem } from "./sim/state/state-errors.ts";
export type { LockWaitListener, StaleLock, StaleLockListener } from "./sim/state/pid-lock.ts";
export type { ResetResult } from "./sim/state/state-reset.ts";
export type { StateIssue } from "./sim/state/state-check.ts";

// The user-space PL330 driver (what `dma-test` and `pl330` use) and its program tools.
export {
  Pl330Driver,
  Pl330Error,
  PL330_COMPATIBLE,
  irqLayout,
  type IrqLayout,
  type Pl330Info,
  type Pl330Refusal,
  type MemcpyJob,
  type MemcpyOutcome,
  type MemcpyStartRequest,
} from "./drivers/pl330/driver.ts";
export {
  DebugBusyError,
  debugExecute,
  debugGo,
  debugKill,
  debugSev,
  dbgInst0,
  dbgInst1,
  channelTarget,
  MANAGER,
  type DebugTarget,
} from "./drivers/pl330/debug.ts";
export { runProgram, signalledEvents, type ProgramRunOutcome, type ProgramRunRequest } from "./drivers/pl330/program-run.ts";
export { channelFaultRegisters } from "./drivers/pl330/fault-registers.ts";
export { decodeChannelFault, describeChannelFault, formatChannelFault } from "./drivers/pl330/faults.ts";
export type { RegisterPort, Pl330Config, Pl330Identity } from "./drivers/pl330/registers.ts";
export type { ChannelFaultReport, ChannelStatus, StateCode, FaultBit } from "./drivers/pl330/faults.ts";
export { assemble, AsmError, type AsmResult, type AsmOptions, type AsmInstruction } from "./drivers/pl330/assembler.ts";
export { disassemble, formatListing, type DisasmLine, type DisasmOptions } from "./drivers/pl330/disassembler.ts";
export { buildMemcpyProgram, type MemcpyProgram, type MemcpyRequest, type MemcpyTarget } from "./drivers/pl330/program-builder.ts";

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

// The user-space virtio-blk driver over virtio-mmio (what `blk-test` uses): the driver, its transport and queue, and
// its refusals.
export { VirtioBlk, BLK_DRIVER_FEATURES, MAX_QUEUE_SIZE, MIN_QUEUE_SIZE, type VirtioBlkInfo, type VirtioBlkPorts, type BlkRequestOptions } from "./drivers/virtio/blk.ts";
export { VirtioMmioTransport, type VirtioRegisters, type QueuePlacement } from "./drivers/virtio/transport.ts";
export { SplitQueue, UsedRingError, ringLayout, type RingLayout, type UsedChain } from "./drivers/virtio/split-queue.ts";
export { VirtioError, VirtioTimeoutError, type VirtioRefusal, type VirtioTimeoutFacts } from "./drivers/virtio/errors.ts";
export { dmaRuns, type DmaRun } from "./drivers/virtio/dma-runs.ts";

// Registers by name: register maps (built-in, user files, board files), name resolution, field decoding and the
// by-name accessor over an open device.
export type { FieldSpec, RegisterAccess, RegisterMap, RegisterSpec } from "./registers/register-map.ts";
export { RegisterMapFileError, ReadOnlyRegisterError, UnknownRegisterError, WriteNeedsReadError } from "./registers/errors.ts";
export { planPartialWrite, plannedValue, readHasSideEffect, type WritePlan } from "./registers/write-plan.ts";
export { resolveName, findRegister, registersIn, suggestNames, looksLikeName, type ResolvedName } from "./registers/resolve.ts";
export { fieldValue, withField, fieldMask } from "./registers/fields.ts";
export { decodeValue, bitRange, RESERVED, type DecodedField } from "./registers/decode.ts";
export { loadRegisterMapFile, parseRegisterMap, readRegisterMap } from "./registers/map-file.ts";
export { registerMapFileOf } from "./registers/map-file-export.ts";
export { mapDependsOnDevice, registerMapFor, refineRegisterMap, REGS_PROPERTY, type FoundMap, type MapSource } from "./registers/map-for-device.ts";
export { loadMapReference } from "./registers/map-reference.ts";
export { NamedRegisters, effectiveAccess, type RegionSource } from "./registers/named-registers.ts";
// The built-in maps themselves (docs/builtin-register-maps.md): all by key, the one a device-tree compatible or PCI ID
// gets, the virtio-mmio layout a transport's Version and DeviceID pick, and the PL330's.
export { BUILTIN_MAPS, builtinMapFor, builtinMapForPci, virtioMmioMapFor } from "./registers/builtin/index.ts";
export { PL330_MAP } from "./registers/builtin/pl330.ts";
