// The contract between the simulated kernel and a simulated device: registers reached by width-exact accesses,
// interrupt lines driven by the device, time that moves forward, and state that is saved between processes (real
// hardware keeps its registers when the program that touched them exits).

/** Access width in bytes; the kernel side never issues anything else. */
export type AccessWidth = 1 | 2 | 4 | 8;

/** How the device signals an interrupt line (the Linux trigger type decides the VFIO flags). */
export type IrqTrigger = "level" | "edge";

/** Where the device's outputs go: the simulated interrupt controller (vfio-platform's handlers sit behind it). */
export interface IrqSink {
  /** Drive a level-triggered line. Idempotent: setting the level it already has does nothing. */
  setLevel(index: number, asserted: boolean): void;
  /** Raise an edge on an edge-triggered line. */
  pulse(index: number): void;
}

/** The simulated clock, in milliseconds. Real time by default; tests inject a manual clock. */
export interface Clock {
  nowMs(): number;
}

/** What a device model is given when created. */
export interface DeviceContext {
  readonly clock: Clock;
  readonly irq: IrqSink;
  /** Bus-master access for DMA-capable devices (the IOMMU translates); absent for devices that cannot DMA. */
  readonly dma?: unknown;
}

/** One device model instance on the simulated board. */
export interface DeviceModel {
  /**
   * One register access at `offset` in region `region`, exactly `width` bytes wide, little-endian value. The caller
   * has already checked bounds. Reads may have side effects (read-to-clear), so they are issued exactly once.
   */
  read(region: number, offset: number, width: AccessWidth): bigint;
  write(region: number, offset: number, width: AccessWidth, value: bigint): void;
  /** Bring time-driven state (counters, alarms, DMA progress) up to the clock's now, driving irq lines as needed. */
  advance(): void;
  /** When the next time-driven event is due (clock ms), or undefined if none is pending; poll() sleeps until then. */
  nextEventAtMs(): number | undefined;
  /** Current level of each level-triggered line (after advance), so the kernel side can re-evaluate on unmask. */
  irqAsserted(index: number): boolean;
  /** Put the device back in its reset state (only called when the board gives the device a reset function). */
  reset(): void;
  /** Serializable register state (plain JSON: numbers and strings; encode bigints as strings). */
  save(): unknown;
  /** Restore from `save()` output. Called once after construction when saved state exists. */
  restore(state: unknown): void;
  /** True when state changed since the last save (the board saves it before returning to the program). */
  readonly dirty: boolean;
  /** Clear the dirty flag after a save. */
  markSaved(): void;
}
