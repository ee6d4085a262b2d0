// The whole DMAC state in one place: configuration, threads, MFIFO, events, peripheral request latches, the debug
// interface latches, the WD register and the engine's clock bookkeeping. The executors, the engine, the register file
// and persistence all work on this object; the DeviceModel (pl330.ts) owns it.
import type { DmaPort, IrqSink } from "../device-model.ts";
import { Bus } from "./bus.ts";
import type { Pl330Config } from "./config.ts";
import { EventUnit } from "./events.ts";
import { Mfifo } from "./mfifo.ts";
import { STATE } from "./registers.ts";
import { isFaulting, newChannel, newManager, type ChannelThread, type ManagerThread, type Thread } from "./thread.ts";

/** A peripheral request latched until a DMAWFP takes it (or DMAFLUSHP drops it). */
export const PERIPH_NONE = 0;
export const PERIPH_SINGLE = 1;
export const PERIPH_BURST = 2;

/** The debug interface latches (§1.3). */
interface DebugState {
  inst0: number;
  inst1: number;
  /** A DBGCMD was accepted and the engine has not executed it yet (DBGSTATUS[0]). */
  busy: boolean;
  /** The instruction captured at the DBGCMD write. */
  cmd0: number;
  cmd1: number;
}

export class Pl330Core {
  readonly bus: Bus;
  readonly events: EventUnit;
  readonly mfifo: Mfifo;
  manager!: ManagerThread;
  channels!: ChannelThread[];
  wd = 0;
  periphPending!: number[];
  debug!: DebugState;
  /** Board clock time the engine has been brought up to. */
  lastAdvanceMs = 0;
  /** Whole cycles available to the engine (negative: the last instruction's cycles are still being paid). */
  credit = 0;
  /** Fraction of a cycle carried to the next advance. */
  carry = 0;
  /** Cycles spent with no thread progressing while a channel waits for MFIFO room. */
  wdCycles = 0;
  /** The watchdog fired with WD.wd_irq_only = 1: irq_abort without aborting anyone. */
  wdIrq = false;
  /** Cycles dropped because catching up hit a work or host-time bound (how far behind its clock; not saved). */
  lagCycles = 0;
  /** Round robin: the last channel that ran, and whether the manager had the last slot. */
  rrChannel = -1;
  lastWasManager = false;
  dirty = true;
  /** Instruction bytes scratch for fetch/decode. */
  readonly scratch = new Uint8Array(6);

  constructor(
    readonly cfg: Pl330Config,
    irq: IrqSink,
    dma: DmaPort | undefined,
    /**
     * The master's SMMU stream IDs from the device tree (DeviceSpec.iommu): channel n uses streamIds[n] while n is
     * below the last index, the manager (and any channel beyond) the last one. Empty: the AXI IDs themselves.
     */
    private readonly streamIds: readonly number[] = [],
  ) {
    this.bus = new Bus(dma);
    this.events = new EventUnit(cfg, irq);
    this.mfifo = new Mfifo(cfg.channels, cfg.mfifoLines, cfg.busBytes);
    this.resetState(0);
  }

  /**
   * Silicon reset: all channels Stopped with reset registers, the manager Stopped (or Executing from CR2 when it
   * boots from it), MFIFO empty, INTEN/RIS/WD zero, debug idle. The caller drives the lines afterwards.
   */
  resetState(nowMs: number): void {
    const c = this.cfg;
    this.manager = newManager(c.managerNonSecure, c.icacheLineBytes, c.icacheLines);
    if (c.bootAddress !== undefined) {
      this.manager.state = STATE.EXECUTING;
      this.manager.pc = c.bootAddress;
    }
    this.channels = Array.from({ length: c.channels }, (_, i) => newChannel(i, c.icacheLineBytes, c.icacheLines));
    for (let i = 0; i < c.channels; i++) this.mfifo.clear(i);
    this.events.reset();
    this.periphPending = new Array<number>(c.peripherals).fill(PERIPH_NONE);
    this.debug = { inst0: 0, inst1: 0, busy: false, cmd0: 0, cmd1: 0 };
    this.wd = 0;
    this.bus.dropHandover();
    this.lastAdvanceMs = nowMs;
    this.credit = 0;
    this.carry = 0;
    this.wdCycles = 0;
    this.wdIrq = false;
    this.rrChannel = -1;
    this.lastWasManager = false;
    this.dirty = true;
  }

  /**
   * Stream ID of a thread's transactions. The AXI ID is channel n's n and the manager's the number of channels
   * (pl330-smmu.md §1.1); with DT stream IDs, channel n gets streamIds[n] and the manager the last one, as Juno's
   * `iommus` lists them (one per channel, then the manager's).
   */
  streamId(t: Thread): number {
    const ids = this.streamIds;
    if (ids.length === 0) return t.kind === "channel" ? t.id : this.cfg.channels;
    const last = ids.length - 1;
    return t.kind === "channel" && t.id < last ? ids[t.id]! : ids[last]!;
  }

  /** FSRC: bit n while channel n is Faulting or Faulting-completing. */
  fsrc(): number {
    let v = 0;
    for (const ch of this.channels) if (isFaulting(ch)) v |= 1 << ch.id;
    return v;
  }

  /** FSRD: bit 0 while the manager is Faulting. */
  fsrd(): number {
    return isFaulting(this.manager) ? 1 : 0;
  }

  /** irq_abort: any thread faulting, or the watchdog firing in irq-only mode. */
  abortAsserted(): boolean {
    return this.wdIrq || this.fsrd() !== 0 || this.fsrc() !== 0;
  }

  /** Drive every interrupt line from the current state. */
  driveLines(): void {
    this.events.drive(this.abortAsserted());
  }
}
