// The public interface of a user's own device model: what a TypeScript (or JavaScript) module exports so that a board
// can put the user's IP block on the simulated bus (DeviceSpec.model "module", modelOptions.module = its path). It is
// small and stable on purpose; user-model-adapter.ts turns it into the simulator's internal DeviceModel. Types only:
// `import type { UserDeviceModel, UserModelContext } from "vfio-plat"`. docs/device-models.md is the user's guide.

/** Access width in bytes. vfio-platform's pread/pwrite issue 1, 2 and 4; 8 comes only through mmap. */
export type UserAccessWidth = 1 | 2 | 4 | 8;

/** Why the IOMMU (or the bus) refused a DMA transaction. The transfer stopped at `address`. */
export interface UserDmaFault {
  /**
   * "translation": no mapping at that IOVA; "permission": mapped, but not for this direction; "address-size": beyond
   * the IOMMU's input range; "blocked": no IOMMU domain attached (device not opened by a program); "decode": no
   * IOMMU in front of the device (noiommu), and no pinned page of the program backs that physical address (DECERR).
   */
  kind: "translation" | "permission" | "address-size" | "blocked" | "decode";
  /** The first byte that was not transferred. */
  address: bigint;
}

/** AXI attributes of a DMA transaction (defaults: a non-secure, unprivileged data access on stream `streamIds[0]`). */
export interface UserDmaAttributes {
  privileged?: boolean;
  nonSecure?: boolean;
  /** An instruction fetch (decides permission checks on a stage-1 SMMU). */
  instruction?: boolean;
  /** The stream ID the SMMU sees (the default is the device's first stream ID, 0 when the board gives none). */
  streamId?: number;
}

/** A DMA read: the bytes read; on a fault, only the good prefix (`data.length` bytes) before `fault.address`. */
export interface UserDmaRead {
  data: Uint8Array;
  fault?: UserDmaFault;
}

/** A DMA write: how many bytes reached memory; on a fault, the prefix before `fault.address` did. */
export interface UserDmaWrite {
  written: number;
  fault?: UserDmaFault;
}

/**
 * The device's bus master. Every transaction goes through the board's IOMMU exactly as the built-in PL330's do: IOVAs
 * are translated through the mappings the program made (VFIO_IOMMU_MAP_DMA / IOMMU_IOAS_MAP), page by page, and a
 * fault is recorded by the SMMU (in the kernel log, as the SMMU driver prints it) and stops the transfer. Never throws for a fault.
 */
export interface UserDma {
  read(address: bigint, length: number, attrs?: UserDmaAttributes): UserDmaRead;
  write(address: bigint, data: Uint8Array, attrs?: UserDmaAttributes): UserDmaWrite;
}

/** What a model is given when it is created (once per process that opens the device). */
export interface UserModelContext {
  /** The device's name on the board (dev_name, e.g. "1c000000.copy-engine"). */
  readonly device: string;
  /** The board's `modelOptions` for this device, without `module` (the model's own knobs). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The device's MMIO regions (index = region number in read/write), from the board. */
  readonly regions: readonly { readonly size: number; readonly name?: string }[];
  /** The device's interrupt lines (index = line number), from the board. */
  readonly irqs: readonly { readonly trigger: "level" | "edge" }[];
  /** The board's clock, in milliseconds (the same time `advance` and `nextEventAtMs` use). */
  nowMs(): number;
  /** Drive level-triggered line `index` (throws TypeError for an edge line or a line the board does not give). */
  setIrq(index: number, asserted: boolean): void;
  /** Raise an edge on edge-triggered line `index` (throws TypeError for a level line or an unknown line). */
  pulseIrq(index: number): void;
  /** DMA through the board's IOMMU. */
  readonly dma: UserDma;
}

/**
 * One instance of a user's device. The simulator creates it when a program opens the device, then calls `restore`
 * with what `save` returned in the previous process (registers survive between commands, as on hardware).
 * Any method may throw: the simulator reports a UserModelError naming the module, the device and the operation, and
 * keeps the board's last good saved state for this device.
 */
export interface UserDeviceModel {
  /**
   * One register read at `offset` of region `region`, exactly `width` bytes. Return the value (number or bigint,
   * 0 .. 2^(8*width)-1). The simulator has already checked the offset is inside the region. Issued exactly once.
   */
  read(region: number, offset: number, width: UserAccessWidth): number | bigint;
  /** One register write of `value` (little-endian, `width` bytes) at `offset` of region `region`. */
  write(region: number, offset: number, width: UserAccessWidth, value: bigint): void;
  /** The device's state as plain JSON (numbers, strings, booleans, arrays, objects; encode bigints as strings). */
  save(): unknown;
  /** Take back what `save` returned (in another process). Throw when it is not what you saved. */
  restore(state: unknown): void;
  /** Back to the reset state (VFIO_DEVICE_RESET, and open/close when the board gives the device a reset function). */
  reset?(): void;
  /** Clock time (ms) of the next thing the device will do by itself (finish a transfer), or undefined for none. */
  nextEventAtMs?(): number | undefined;
  /**
   * Called with the clock's now once that time has come (`nextEventAtMs() <= nowMs`): do the due work. Called again
   * while the next event is still due, at most 64 times per entry into the simulated kernel.
   */
  advance?(nowMs: number): void;
}

/** What the module exports as its default export: creates the model for one device. */
export type UserModelFactory = (ctx: UserModelContext) => UserDeviceModel;

/** The operations the simulator reports a model failure for (UserModelError.operation). */
export type UserModelOperation =
  | "load"
  | "construct"
  | "read"
  | "write"
  | "save"
  | "restore"
  | "reset"
  | "advance"
  | "nextEventAtMs";
