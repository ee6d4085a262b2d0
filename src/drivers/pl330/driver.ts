// A user-space PL330 driver with the shape of the kernel VFIO selftests' device drivers (probe, init, memcpy_start,
// memcpy_wait, send_msi, remove): just enough of the DMAC to copy memory through the IOMMU and to raise its
// interrupts, with each operation's guarantees written down. Register access goes through a VFIO region; waiting
// uses the interrupts' eventfds (abort line + event line), and the registers decide what actually happened.
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import type { Device } from "../../vfio/device.ts";
import type { Irq } from "../../vfio/irq.ts";
import { channelTarget, debugGo, debugKill, debugSev, MANAGER } from "./debug.ts";
import {
  decodeCsr,
  STATE_STOPPED,
  type ChannelFaultReport,
  type ChannelStatus,
} from "./faults.ts";
import type { MemcpyJob, MemcpyOutcome, MemcpyStartRequest, Pl330Info } from "./driver-types.ts";
import { Pl330Error, type Pl330Refusal } from "./errors.ts";
import { irqLayout, type IrqLayout } from "./irq-layout.ts";
import { channelFaultRegisters, settledChannelFault } from "./fault-registers.ts";
import { waitForCopy, type CopyWaitPort } from "./memcpy-wait.ts";
import { buildMemcpyProgram, type MemcpyProgram } from "./program-builder.ts";
import { runProgram, type ProgramRunOutcome, type ProgramRunRequest } from "./program-run.ts";
import { rangeProblem } from "./reach.ts";
import { SETTLE_MS, settleStopped } from "./timing.ts";
import {
  CR0,
  CR1,
  CR3,
  CR4,
  CRD,
  CSR,
  decodeConfig,
  decodeIdentity,
  FSRD,
  INTCLR,
  INTEN,
  PCELL_ID,
  PERIPH_ID,
  revisionName,
  type Pl330Identity,
  type RegisterPort,
} from "./registers.ts";

// Re-exported for src/index.ts, which names the driver module; their homes are the files named.
export { PL330_COMPATIBLE, Pl330Error, type Pl330Refusal } from "./errors.ts";
export { irqLayout, type IrqLayout } from "./irq-layout.ts";
export type { MemcpyJob, MemcpyOutcome, MemcpyStartRequest, Pl330Info } from "./driver-types.ts";

const hex8 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

export class Pl330Driver {
  private infoCache: Pl330Info | undefined;
  private readonly enabled = new Set<Irq>();
  /** Lines whose eventfd fired: VFIO automasked them; unmask once the cause is cleared. */
  private readonly fired = new Set<Irq>();
  private job: MemcpyJob | undefined;
  /** Channels a program was started on (runProgram) and not yet seen Stopped: remove() kills them. */
  private readonly programs = new Set<number>();
  private readonly layout: IrqLayout;

  constructor(
    private readonly b: Pick<KernelBoundary, "poll">,
    private readonly device: Pick<Device, "irq" | "info" | "name">,
    readonly regs: RegisterPort,
  ) {
    this.layout = irqLayout(device.info().numIrqs);
  }

  /**
   * probe: read the PrimeCell and peripheral ID registers.
   * Guarantees:
   *  - reads only the eight ID registers (0xFE0..0xFFC), writes nothing;
   *  - no DMA, no interrupts;
   *  - `isPl330` is true exactly when the component ID is 0xB105F00D and periphid & 0xFFFFF is 0x41330 (Linux's match).
   */
  static probe(regs: RegisterPort): Pl330Identity {
    const periph = [0, 1, 2, 3].map((i) => regs.read32(PERIPH_ID(i)) & 0xff);
    const pcell = [0, 1, 2, 3].map((i) => regs.read32(PCELL_ID(i)) & 0xff);
    return decodeIdentity(periph, pcell);
  }

  /**
   * init: learn the configuration and bring the DMAC to a known quiet state.
   * Guarantees:
   *  - reads the ID registers, CR0, CR1, CR3, CR4, CRD;
   *  - writes INTEN = every event, INTCLR = all ones, then INTEN = 0 (INTCLR clears only bits INTEN enables): no
   *    event interrupt nor stale event-mode bit is pending, and none is enabled, afterwards;
   *  - a Faulting manager and every channel not Stopped are killed through the debug interface; on return every
   *    channel is Stopped (no DMA in flight);
   *  - enables no interrupt and starts no DMA.
   * @throws Pl330Error `not-pl330` when the ID registers are not a PL330's (nothing written), `channel-stuck` when a
   *   channel will not stop; DebugBusyError when the debug interface stays busy
   */
  init(): Pl330Info {
    const identity = Pl330Driver.probe(this.regs);
    if (!identity.isPl330) {
      const { periphid, cid } = identity;
      this.refuse({ reason: "not-pl330", periphid, cid }, `${this.device.name} is not a PL330: periphid ${hex8(periphid)}, component ID ${hex8(cid)}`);
    }
    const cfg = decodeConfig(this.regs.read32(CR0), this.regs.read32(CR1), this.regs.read32(CRD));
    const info: Pl330Info = { ...cfg, identity, ins: this.regs.read32(CR3) >>> 0, pns: this.regs.read32(CR4) >>> 0 };
    this.regs.write32(INTEN, cfg.numEvents >= 32 ? 0xffff_ffff : (1 << cfg.numEvents) - 1);
    this.regs.write32(INTCLR, 0xffff_ffff);
    this.regs.write32(INTEN, 0);
    if (this.regs.read32(FSRD) & 1) debugKill(this.regs, MANAGER);
    for (let ch = 0; ch < info.numChannels; ch++) {
      if (this.channelStatus(ch).state.code === STATE_STOPPED) continue;
      debugKill(this.regs, channelTarget(ch));
      const st = settleStopped(this.regs, ch);
      if (st.state.code !== STATE_STOPPED) {
        this.refuse({ reason: "channel-stuck", channel: ch, state: st.state.name }, `channel ${ch} of ${this.device.name} stays ${st.state.name} after DMAKILL`);
      }
    }
    this.infoCache = info;
    return info;
  }

  /** The configuration from init(). @throws Pl330Error `not-ready` before init */
  get info(): Pl330Info {
    if (!this.infoCache) this.refuse({ reason: "not-ready", step: "init" }, "PL330 driver used before init()");
    return this.infoCache;
  }

  /**
   * The one check that `channel` exists on this DMAC (memcpyStart makes it too; a caller may make it before
   * allocating anything for the copy).
   * @throws Pl330Error `no-such-channel` with the channel asked and the channels present; `not-ready` before init
   */
  checkChannel(channel: number): void {
    const channels = this.info.numChannels;
    if (!Number.isInteger(channel) || channel < 0 || channel >= channels) {
      this.refuse({ reason: "no-such-channel", channel, channels }, `channel ${channel} does not exist on ${this.device.name} (it has ${channels})`);
    }
  }

  /**
   * The one check that `event` exists on this DMAC.
   * @throws Pl330Error `no-such-event` with the event asked and the events present; `not-ready` before init
   */
  checkEvent(event: number): void {
    const events = this.info.numEvents;
    if (!Number.isInteger(event) || event < 0 || event >= events) {
      this.refuse({ reason: "no-such-event", event, events }, `event ${event} does not exist on ${this.device.name} (it has ${events})`);
    }
  }

  private refuse(refusal: Pl330Refusal, message: string): never {
    throw new Pl330Error(refusal, this.device.name, message);
  }

  /** The interrupt layout this driver uses. */
  get irqs(): IrqLayout {
    return this.layout;
  }

  /** CSRn decoded. */
  channelStatus(channel: number): ChannelStatus {
    return decodeCsr(this.regs.read32(CSR(channel)));
  }

  /**
   * memcpy_start: build Linux's memcpy program for [src, src+size) -> [dst, dst+size), write it into the program
   * buffer and start `channel` on it.
   * Guarantees:
   *  - the channel was Stopped (else Pl330Error `channel-busy`, nothing written);
   *  - INTEN gets the event's bit, then INTCLR drops a stale one (it acts only where INTEN is set), so the program's
   *    DMASEV raises that event's interrupt line and nothing raised before is taken for it;
   *  - the abort line and the event's line are enabled on eventfds (once; stale counts are drained);
   *  - the program is written into `program.bytes` and DMAGO (ns = the manager's security state) is issued to the
   *    manager through the debug interface; nothing else on the device is touched;
   *  - from then on the channel fetches instructions from [program.iova, +program length), reads [src, src+size) and
   *    writes [dst, dst+size), nothing else; it signals the event once, after issuing its last store;
   *  - returns without waiting.
   * @throws Pl330Error (`no-such-channel`, `no-such-event`, `channel-busy`, `bad-range` for a range the program
   *   cannot address (beyond 32 bits, empty), `program-too-big`, `not-ready` before init), VfioError when an interrupt
   *   cannot be enabled, DebugBusyError
   */
  memcpyStart(req: MemcpyStartRequest): MemcpyJob {
    const info = this.info;
    const { channel } = req;
    const event = req.event ?? channel;
    this.checkChannel(channel);
    this.checkEvent(event);
    const st = this.channelStatus(channel);
    if (st.state.code !== STATE_STOPPED) {
      this.refuse({ reason: "channel-busy", channel, state: st.state.name }, `channel ${channel} of ${this.device.name} is busy (${st.state.name})`);
    }
    let program: MemcpyProgram;
    try {
      // The PL330 is a 32-bit master: IOVAs become 32-bit operands here (the builder refuses any that does not fit).
      program = buildMemcpyProgram({ src: operand(req.src), dst: operand(req.dst), size: req.size, event }, { ...info, revision: info.identity.revision });
    } catch (e) {
      this.refuse({ reason: "bad-range", detail: (e as Error).message }, (e as Error).message);
    }
    const has = req.program.bytes.length;
    const detail = rangeProblem("program", req.program.iova, has);
    if (detail) this.refuse({ reason: "bad-range", detail }, detail);
    if (program.bytes.length > has) {
      this.refuse({ reason: "program-too-big", needs: program.bytes.length, has }, `the program needs ${program.bytes.length} bytes; the program buffer has ${has}`);
    }
    req.program.bytes.set(program.bytes);
    const bit = (1 << event) >>> 0;
    this.regs.write32(INTEN, (this.regs.read32(INTEN) | bit) >>> 0);
    this.regs.write32(INTCLR, bit);
    for (const index of new Set([this.layout.abort, this.layout.event(event)])) {
      if (index === undefined) continue;
      const irq = this.device.irq(index);
      irq.enable();
      this.enabled.add(irq);
      // A line that fired after the last copy was finished with is masked by VFIO: drain it and (the cause was cleared
      // by INTCLR above) unmask it, or this copy's completion would go unsignalled.
      if (irq.take() > 0n || this.fired.has(irq)) this.unmask(irq);
    }
    const job: MemcpyJob = {
      channel,
      event,
      src: req.src,
      dst: req.dst,
      size: req.size,
      programIova: req.program.iova,
      program,
      startNs: process.hrtime.bigint(),
    };
    this.job = job;
    debugGo(this.regs, channel, Number(req.program.iova), info.managerNs);
    return job;
  }

  /** The copy started last, if it has not been waited for or killed. */
  get current(): MemcpyJob | undefined {
    return this.job;
  }

  /**
   * memcpy_wait: wait for the copy started by memcpyStart to finish, fault or time out.
   * Guarantees:
   *  - sleeps on the abort and event eventfds (polls the registers every 1 ms when the device has no such lines);
   *  - "done" only once the event's RIS bit was seen AND the channel is back to Stopped, so the last writes have
   *    completed (Linux's program has no DMAWMB before its DMASEV: the event may precede the last write responses);
   *  - on the event: INTCLR of the event's bit, then the line is unmasked (VFIO automasked it);
   *  - "fault" when the channel's FSRC bit is set; the registers are read after Faulting completing has settled
   *    (at most 500 ms); the channel is left Faulting (kill() it) and the abort line stays masked until kill();
   *  - "timeout" when `timeoutMs` (negative = forever) passes with neither and without progress: the wait restarts
   *    each time DAR reaches a new high inside [dst, dst+size], so a copy that keeps moving is never cut off, whatever
   *    its size and the DMAC's clock; the channel is left as it is (kill() it);
   *  - `ns` is the time from just before DMAGO to the moment the outcome was seen.
   * @throws AbortedError when `signal` aborts (Ctrl-C); Pl330Error `not-ready` without a started copy
   */
  async memcpyWait(timeoutMs: number, signal?: AbortSignal): Promise<MemcpyOutcome> {
    const job = this.job;
    if (!job) this.refuse({ reason: "not-ready", step: "memcpyStart" }, "memcpyWait without memcpyStart");
    const outcome = await waitForCopy(this.waitPort(), job, timeoutMs, signal);
    if (outcome.status === "done") this.job = undefined;
    return outcome;
  }

  /** What memcpy-wait.ts reads and changes of this driver. */
  private waitPort(): CopyWaitPort {
    return {
      b: this.b,
      regs: this.regs,
      layout: this.layout,
      lines: [...this.enabled],
      fired: this.fired,
      unmask: (irq) => this.unmask(irq),
      channelStatus: (channel) => this.channelStatus(channel),
      readFault: (channel, deadline) => this.readFault(channel, deadline),
    };
  }

  /**
   * kill: stop a channel with DMAKILL through the debug interface (the only exit from Faulting).
   * Guarantees:
   *  - DMAKILL is issued to the channel (the debug interface waited for at most 500 ms), then its state is polled (at
   *    most 500 ms) until Stopped;
   *  - INTCLR and INTEN drop the event bit of the copy running on it (Linux's stop sequence); a program started on
   *    it by runProgram is forgotten once the channel is Stopped;
   *  - interrupt lines left masked by a fired abort are unmasked once the channel is killed;
   *  - returns the channel's state afterwards (Stopped unless the DMAC misbehaves).
   * @throws DebugBusyError when the debug interface stays busy
   */
  kill(channel: number): ChannelStatus {
    // A channel paying for a long burst on a slow clock takes the instruction late: allow the settle time.
    debugKill(this.regs, channelTarget(channel), SETTLE_MS);
    const st = settleStopped(this.regs, channel);
    if (st.state.code === STATE_STOPPED) this.programs.delete(channel);
    const job = this.job;
    if (job && job.channel === channel) {
      const bit = (1 << job.event) >>> 0;
      this.regs.write32(INTCLR, bit);
      this.regs.write32(INTEN, (this.regs.read32(INTEN) & ~bit) >>> 0);
      this.job = undefined;
    }
    for (const irq of [...this.fired]) {
      irq.take();
      this.unmask(irq);
    }
    return st;
  }

  /**
   * send_msi: make the device raise event `event`'s interrupt, for interrupt self-tests.
   * Guarantees:
   *  - INTEN gets the event's bit and DMASEV `event` is executed by the manager through the debug interface;
   *  - the event's interrupt line (VFIO index 1 + event, or the combined line) goes high and stays high until
   *    INTCLR; the caller enables and waits on it;
   *  - no DMA; no channel is started.
   * Note: a Non-secure manager signalling an event whose CR3 bit is 0 faults the manager (mgr_evnt_err).
   * @throws Pl330Error `no-such-event` for an event the DMAC does not have, DebugBusyError
   */
  sendInterrupt(event: number): void {
    this.checkEvent(event);
    const bit = (1 << event) >>> 0;
    this.regs.write32(INTEN, (this.regs.read32(INTEN) | bit) >>> 0);
    debugSev(this.regs, event);
  }

  /** Acknowledge event `event` after sendInterrupt: INTCLR its bit. */
  clearInterrupt(event: number): void {
    this.regs.write32(INTCLR, (1 << event) >>> 0);
  }

  /**
   * remove: undo what this driver set up.
   * Guarantees:
   *  - a copy still running and every channel a program runs on are killed (all tried; the first error rethrown);
   *  - INTCLR all, INTEN = 0;
   *  - every interrupt this driver enabled is disabled (eventfds closed). Idempotent.
   */
  remove(): void {
    try {
      let failed: unknown;
      for (const ch of new Set([...(this.job ? [this.job.channel] : []), ...this.programs])) {
        try {
          this.kill(ch);
        } catch (e) {
          failed ??= e;
        }
      }
      this.regs.write32(INTCLR, 0xffff_ffff);
      this.regs.write32(INTEN, 0);
      if (failed) throw failed;
    } finally {
      for (const irq of this.enabled) {
        try {
          irq.disable();
        } catch {
          // closing the device frees the interrupt anyway
        }
      }
      this.enabled.clear();
      this.fired.clear();
    }
  }

  /** exec: run a program of the caller's own on a channel and wait for it to end; runProgram's guarantees hold. */
  runProgram(req: ProgramRunRequest, timeoutMs: number, signal?: AbortSignal): Promise<ProgramRunOutcome> {
    return runProgram(this.b, this.device, this, req, timeoutMs, signal);
  }

  /** runProgram's notes: `running` just before DMAGO (remove() kills the channel unless kill() saw it Stopped), not once Stopped. */
  noteProgram(channel: number, running: boolean): void {
    if (running) this.programs.add(channel);
    else this.programs.delete(channel);
  }

  /** Read every register that describes a channel's fault (after Faulting completing settles). */
  readFault(channel: number, deadline = Infinity): Promise<ChannelFaultReport> {
    return settledChannelFault(this.regs, channel, SETTLE_MS, deadline);
  }

  /** The fault registers of a channel, as they are now. */
  faultRegisters(channel: number): ChannelFaultReport {
    return channelFaultRegisters(this.regs, channel);
  }

  /** "PL330 r1p1, 8 channels, 32 events, 64-bit bus, 256-line MFIFO, manager non-secure". */
  describe(): string {
    const i = this.info;
    return (
      `PL330 ${revisionName(i.identity.revision)}, ${i.numChannels} channels, ${i.numEvents} events, ` +
      `${i.busWidthBits}-bit bus, ${i.dataBufDep}-line MFIFO, manager ${i.managerNs ? "non-secure" : "secure"}`
    );
  }

  private unmask(irq: Irq): void {
    this.fired.delete(irq);
    try {
      irq.unmask();
    } catch {
      // A failed unmask only loses later wakeups on this line; the wait loops read the registers anyway.
    }
  }
}

/** An IOVA as the 32-bit operand a program carries; one beyond 2^53 becomes a number the builder refuses as too high. */
function operand(iova: bigint): number {
  return iova < 0n ? -1 : Number(iova);
}
