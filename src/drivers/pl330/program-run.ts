// Running a program of the caller's own on one PL330 channel (`pl330 exec`): write the microcode into its DMA buffer,
// enable the interrupts of the events it signals, start it with DMAGO through the debug registers, and wait until
// the channel stops, faults or runs out of time (then DMAKILL). The result is the channel's registers as the program
// left them, the events raised, and the fault decoded by faults.ts (the same words as dma-test's).
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import { POLLIN } from "../../boundary/kernel-boundary.ts";
import { SyscallError } from "../../boundary/syscall-error.ts";
import { AbortedError } from "../../vfio/errors.ts";
import type { Device } from "../../vfio/device.ts";
import type { Irq } from "../../vfio/irq.ts";
import { debugGo } from "./debug.ts";
import { disassemble } from "./disassembler.ts";
import type { Pl330Driver } from "./driver.ts";
import { Pl330Error } from "./errors.ts";
import { channelFaultRegisters, settledChannelFault } from "./fault-registers.ts";
import { STATE_STOPPED, type ChannelFaultReport, type ChannelStatus } from "./faults.ts";
import { irqLayout } from "./irq-layout.ts";
import { FSRC, INT_EVENT_RIS, INTCLR, INTEN } from "./registers.ts";
import { rangeProblem } from "./reach.ts";
import { SETTLE_MS, WAIT_SLICE_MS } from "./timing.ts";

/** A program to run. */
export interface ProgramRunRequest {
  channel: number;
  /** The microcode (assembled with the program buffer's address as its base when it uses labels as addresses). */
  code: Uint8Array;
  /** Where the channel fetches it: `iova` is given to DMAGO; `bytes` is the CPU's view of that memory. */
  program: { iova: bigint; bytes: Uint8Array };
  /**
   * Events whose interrupts are enabled and reported (each must exist); default every event a DMASEV in `code` names
   * that the DMAC has (a DMASEV of one it lacks is left to fault, `operand_invalid`, as the DMAC decides).
   */
  events?: readonly number[];
}

/** How a program run ended. `registers` are the channel's registers when it ended, before any DMAKILL. */
export interface ProgramRunOutcome {
  status: "stopped" | "fault" | "timeout";
  channel: number;
  /** CSR, CPC, SAR, DAR, CCR, LC0, LC1, FTR (and FSRC/FSRD/FTRD), decoded: state, fault bits, cause. */
  registers: ChannelFaultReport;
  /** Events whose INT_EVENT_RIS bit was seen, in the order first seen (each cleared with INTCLR). */
  events: number[];
  /** Events whose interrupts were enabled (the request's, or those the program's DMASEVs name). */
  armed: number[];
  /** Eventfd wakeups counted on the abort and event lines. */
  interrupts: number;
  /** The channel's state after DMAKILL (fault and timeout only): not Stopped means the DMAC may still run it. */
  afterKill?: ChannelStatus;
  /** From just before DMAGO to the moment the ending was seen. */
  ns: bigint;
}

/** The events a program's DMASEV instructions name, in order, once each. */
export function signalledEvents(code: Uint8Array): number[] {
  const seen = new Set<number>();
  for (const l of disassemble(code)) if (l.mnemonic === "DMASEV" && !l.invalid && l.fields?.event !== undefined) seen.add(l.fields.event);
  return [...seen];
}

/**
 * Run `req.code` on `req.channel` and wait at most `timeoutMs` (negative = forever) for it to end.
 * Guarantees:
 *  - refuses (Pl330Error, nothing written) a channel the DMAC lacks, a `req.events` event it lacks, a channel not
 *    Stopped (`channel-busy`), an empty program, one larger than its buffer (`program-too-big`) or beyond the 32-bit
 *    bus (`bad-range`);
 *  - writes the code at the start of `program.bytes`, INTEN-sets the armed events' bits then INTCLRs them (INTCLR acts
 *    only where INTEN is set: a stale bit is dropped, not reported as this program's), enables the abort line and the
 *    armed events' lines on eventfds, and issues DMAGO (ns = the manager's security state) through the debug
 *    interface; nothing else is written before the channel ends; the driver notes the channel (remove() kills it);
 *  - "stopped": the channel was seen Stopped with no FSRC bit; "fault": its FSRC bit was set (registers read once
 *    Faulting completing settled, at most 500 ms), then DMAKILL; "timeout": neither within `timeoutMs`, then DMAKILL;
 *  - events raised are collected on every ending it returns (fault and timeout: after the DMAKILL too);
 *  - on return and on every throw the armed bits are INTCLR'd, then cleared from INTEN, and the lines this run enabled
 *    are disabled; after a fault or a timeout the channel has been killed (`afterKill` says into what state); any
 *    throw after DMAGO (an abort, a failed poll, a busy debug interface) kills the channel (best effort, settled up
 *    to 500 ms) before it propagates, and the driver keeps the channel noted until a kill sees it Stopped.
 * @throws Pl330Error as above, DebugBusyError, VfioError when an interrupt cannot be enabled, AbortedError when
 *   `signal` aborts (the channel is killed first), SyscallError when a poll fails (killed first as well)
 */
export async function runProgram(
  b: Pick<KernelBoundary, "poll">,
  device: Pick<Device, "irq" | "info" | "name">,
  driver: Pl330Driver,
  req: ProgramRunRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProgramRunOutcome> {
  const { channel, code, program } = req;
  const regs = driver.regs;
  const refuse = (refusal: ConstructorParameters<typeof Pl330Error>[0], message: string): never => {
    throw new Pl330Error(refusal, device.name, message);
  };
  driver.checkChannel(channel);
  if (req.events) for (const e of req.events) driver.checkEvent(e);
  const armed = [...new Set(req.events ?? signalledEvents(code).filter((e) => e < driver.info.numEvents))];
  const st = driver.channelStatus(channel);
  if (st.state.code !== STATE_STOPPED) refuse({ reason: "channel-busy", channel, state: st.state.name }, `channel ${channel} of ${device.name} is busy (${st.state.name})`);
  if (code.length === 0) refuse({ reason: "bad-range", detail: "the program is empty" }, "the program is empty");
  if (code.length > program.bytes.length) {
    refuse({ reason: "program-too-big", needs: code.length, has: program.bytes.length }, `the program needs ${code.length} bytes; the program buffer has ${program.bytes.length}`);
  }
  const detail = rangeProblem("program", program.iova, code.length);
  if (detail) refuse({ reason: "bad-range", detail }, detail);
  program.bytes.set(code);

  const mask = armed.reduce((m, e) => (m | (1 << e)) >>> 0, 0);
  const layout = irqLayout(device.info().numIrqs);
  const lines: Irq[] = [];
  const fired = new Set<Irq>();
  let interrupts = 0;
  const events: number[] = [];
  const take = (irq: Irq) => {
    const n = irq.take();
    if (n > 0n) {
      interrupts += Number(n);
      if (irq.level) fired.add(irq);
    }
  };
  const kill = () => driver.kill(channel);
  let started = false;
  try {
    regs.write32(INTEN, (regs.read32(INTEN) | mask) >>> 0);
    regs.write32(INTCLR, mask);
    const indices = new Set([layout.abort, ...armed.map((e) => layout.event(e))].filter((i): i is number => i !== undefined));
    for (const index of indices) {
      const irq = device.irq(index);
      irq.enable();
      irq.take(); // a stale count from before this run is not this program's
      lines.push(irq);
    }
    const startNs = process.hrtime.bigint();
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    driver.noteProgram(channel, true);
    started = true;
    debugGo(regs, channel, Number(program.iova), driver.info.managerNs);
    const collectEvents = () => {
      const ris = regs.read32(INT_EVENT_RIS) & mask;
      if (ris === 0) return;
      for (let e = 0; e < 32; e++) if ((ris >>> e) & 1 && !events.includes(e)) events.push(e);
      regs.write32(INTCLR, ris >>> 0);
      for (const irq of [...fired]) {
        fired.delete(irq);
        try {
          irq.unmask(); // VFIO automasked the level line; its cause is cleared now
        } catch {
          // a lost unmask only costs later wakeups: the loop reads the registers anyway
        }
      }
    };
    // Before returning: count what the lines got since the last poll (a short program ends before the first one).
    const drain = () => lines.forEach(take);
    for (;;) {
      if (signal?.aborted) throw AbortedError.fromAbort(signal); // killed below, as on any throw
      if (regs.read32(FSRC) & (1 << channel)) {
        const registers = await settledChannelFault(regs, channel, SETTLE_MS);
        const ns = process.hrtime.bigint() - startNs;
        const afterKill = kill();
        collectEvents();
        drain();
        return { status: "fault", channel, registers, events, armed, interrupts, afterKill, ns };
      }
      collectEvents();
      if (driver.channelStatus(channel).state.code === STATE_STOPPED) {
        const ns = process.hrtime.bigint() - startNs;
        collectEvents(); // a DMASEV just before DMAEND
        drain();
        driver.noteProgram(channel, false);
        return { status: "stopped", channel, registers: channelFaultRegisters(regs, channel), events, armed, interrupts, ns };
      }
      const now = performance.now();
      if (now >= deadline) {
        const registers = channelFaultRegisters(regs, channel);
        const ns = process.hrtime.bigint() - startNs;
        const afterKill = kill();
        collectEvents();
        drain();
        return { status: "timeout", channel, registers, events, armed, interrupts, afterKill, ns };
      }
      // Until every armed event was seen, the next one wakes the poll; after that (or with none) only the registers
      // say the channel stopped, so they are read every millisecond.
      const awaited = armed.some((e) => !events.includes(e));
      const slice = awaited ? Math.max(1, Math.min(deadline - now, WAIT_SLICE_MS)) : 1;
      await waitLines(b, lines, slice, take);
    }
  } catch (e) {
    // Whatever went wrong, the channel must not go on running on buffers the caller is about to free.
    if (started) {
      try {
        kill();
      } catch {
        // the driver still has the channel noted: remove() tries again; the caller checks the state before freeing
      }
    }
    throw e;
  } finally {
    try {
      regs.write32(INTCLR, mask); // while INTEN still has the bits: INTCLR acts only there
      regs.write32(INTEN, (regs.read32(INTEN) & ~mask) >>> 0);
    } finally {
      for (const irq of lines) {
        try {
          irq.disable();
        } catch {
          // closing the device frees the interrupt anyway
        }
      }
    }
  }
}

/** Sleep on the lines' eventfds for up to `ms` (1 ms when there are none), counting what fired. */
async function waitLines(b: Pick<KernelBoundary, "poll">, lines: Irq[], ms: number, take: (irq: Irq) => void): Promise<void> {
  if (lines.length === 0) {
    await new Promise<void>((r) => setTimeout(r, 1));
    return;
  }
  let revents: number[] = [];
  try {
    revents = b.poll(lines.map((irq) => ({ fd: irq.eventfd!, events: POLLIN })), Math.ceil(ms));
  } catch (e) {
    if (!(e instanceof SyscallError && e.code === "EINTR")) throw e;
  }
  revents.forEach((r, i) => {
    if (r & POLLIN) take(lines[i]!);
  });
  await new Promise<void>((r) => setTimeout(r, 0)); // let signal handlers run
}
