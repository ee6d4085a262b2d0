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

/**
 * One bus-master transaction as the IOMMU sees it: the address the device drives and the AXI attributes that decide
 * permission checks (a PL330 instruction fetch is a privileged instruction read; its data accesses carry CCR's prot).
 */
export interface BusAccess {
  /** The device's bus address (an IOVA behind an IOMMU). */
  address: bigint;
  length: number;
  write: boolean;
  /** Instruction fetch (ARPROT[2]). */
  instruction: boolean;
  /** Privileged access (AxPROT[0]). */
  privileged: boolean;
  /** Non-secure access (AxPROT[1]). */
  nonSecure: boolean;
  /** The transaction's stream ID (the master's AXI ID: PL330 channel n = n, manager = number of channels). */
  streamId: number;
}

/**
 * Why a transaction was terminated; the device only sees an error response. The IOMMU's kinds (translation,
 * permission, address-size, blocked) answer SLVERR; "decode" is the interconnect's DECERR: a physical address (no IOMMU
 * in front of the device) that no slave decodes, or RAM that no pinned page of this process backs.
 */
export interface BusFault {
  kind: "translation" | "permission" | "address-size" | "blocked" | "decode";
  /** The first faulting address. */
  address: bigint;
}

/**
 * A device's path to memory. `access` translates [address, address+length) page by page and returns views of the
 * memory behind it, in order, so a model can move data without copying through intermediate buffers (the views are
 * real process memory: writes land in the program's DMA buffer). Translation stops at the first page that faults: the
 * views then cover only the good prefix and `fault` says why; the IOMMU has already recorded the fault (event queue /
 * fault registers, kernel log). A model that needs all-or-nothing semantics per burst-and-page chunk asks per chunk.
 */
export interface DmaPort {
  access(a: BusAccess): { views: Uint8Array[]; fault?: BusFault };
}

/**
 * What a PCI function's model sees of its own configuration space, which the simulated PCI core owns (src/sim/pci):
 * the function never reads its config registers itself. Bus mastering needs no query: with COMMAND.MASTER clear the
 * core's DmaPort aborts every request before it reaches the IOMMU, and it stamps each request with the function's
 * requester ID (the stream ID the SMMU sees), so a model leaves `streamId` to it. INTx is line 0 of the IrqSink.
 */
export interface PciFunctionPort {
  /** MSI Enable is set in the function's MSI capability: interrupts go out as MSI messages, not on INTx. */
  msiEnabled(): boolean;
  /** Send MSI vector `vector` (a posted memory write, so it needs bus mastering like any DMA). */
  msiNotify(vector: number): void;
}

/**
 * How much host time a model may spend catching up with its clock (running the work that fell due since its last
 * advance) in the current kernel entry: one register access, one event-timer tick, one poll() round. A model whose
 * work would take longer stops at the deadline and drops the rest: its virtual time falls behind the clock, and it
 * says so through `fellBehind`. Without one (tests on a manual clock) only the model's own work bound applies.
 */
export interface CatchUpBudget {
  /** Host time (ms, the timebase of `hostNowMs`) by which catching up must stop; Infinity: unbounded. */
  deadline(): number;
  /** Monotonic host time in ms. */
  hostNowMs(): number;
  /** The model dropped `ms` of clock time worth of work (it fell that far behind its clock). */
  fellBehind(ms: number): void;
}

/** What a device model is given when created. */
export interface DeviceContext {
  readonly clock: Clock;
  /** The host-time bound on catching up (see CatchUpBudget); absent: unbounded. */
  readonly catchUp?: CatchUpBudget;
  readonly irq: IrqSink;
  /** Bus-master access for DMA-capable devices (through the IOMMU); absent for devices that cannot DMA. */
  readonly dma?: DmaPort;
  /** A PCI function's view of its configuration space; absent for platform and AMBA devices. */
  readonly pci?: PciFunctionPort;
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
  /**
   * Serializable register state (plain JSON: numbers and strings; encode bigints as strings), or undefined when there
   * is nothing new to keep (a user's model that failed: the board keeps its last good state).
   */
  save(): unknown;
  /** Restore from `save()` output. Called once after construction when saved state exists. */
  restore(state: unknown): void;
  /** True when state changed since the last save (the board saves it before returning to the program). */
  readonly dirty: boolean;
  /** Clear the dirty flag after a save. */
  markSaved(): void;
}
