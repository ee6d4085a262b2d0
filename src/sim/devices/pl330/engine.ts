// The DMAC's engine on a virtual clock: board time since the last advance becomes cycles (cyclesPerMs), spent one
// instruction at a time (a pending debug instruction first, then the manager and a round-robin channel in turn),
// 1 cycle per instruction or state change, max(1, ceil(bytes / bus width)) per burst. Nothing runs inside a register
// access; with nothing able to progress the spare cycles are dropped, or feed the watchdog while a channel starves.
// Catching up is bounded by host time (the kernel's CatchUpBudget) and by maxInstructionsPerAdvance; the cycles beyond
// are dropped and counted as lag. Loops are batched: memcpy loops (fast-path.ts), loops moving no data (pure-loop.ts).
import type { CatchUpBudget } from "../device-model.ts";
import { channelCanProgress, stepChannel } from "./channel-exec.ts";
import type { Pl330Core } from "./core.ts";
import { executeDebug } from "./debug.ts";
import { tryFastPath } from "./fast-path.ts";
import { abortThread } from "./faults.ts";
import { managerCanProgress, stepManager } from "./manager-exec.ts";
import { tryPureLoop } from "./pure-loop.ts";
import { FAULT } from "./registers.ts";
import type { Thread } from "./thread.ts";

/** Scheduler turns between two looks at the host clock (a turn costs 0.1-4 µs of host time; a look ~50 ns). */
const CHECK_EVERY = 4;

/**
 * Turns a run may go on past its deadline for a fault the fast path handed over to reach its burst (a partial loop
 * iteration away: a few turns); the bound keeps an access cheap should the channel not get there.
 */
const HANDOVER_GRACE_STEPS = 256;
/**
 * Host copy rate assumed when sizing a fast-path batch to what is left of the budget (bytes per host ms): low enough
 * that a batch ends well within the budget on a slow, shared machine.
 */
const BATCH_BYTES_PER_HOST_MS = 2_000_000;
/** The smallest batch the budget allows (a batch of a few bursts is still far cheaper than the slow path). */
const MIN_BATCH_BYTES = 16 * 1024;
/**
 * Board time (ms) of work a kernel entry that hit its host-time deadline holds over for the next entry instead of
 * dropping it. Without it, a copy's progress was dropped at every register read of the driver's wait loop, so the next
 * poll() found the DMAC "caught up" and slept while the copy waited for the wall clock (a 64 MiB copy took twice as
 * long); with it, the poll's wait time does the held-over work. Bounded, so a channel looping forever while a program
 * polls it falls behind (and says so) once this much is owed, and a register read stays within its budget.
 */
export const HOLD_OVER_MS = 50;

/**
 * Bring the engine up to board time `nowMs`. An instruction issues while at least one cycle is available; its cost
 * may leave a debt the next advance pays (so its effects show at issue: SAR/DAR advance when a burst is issued). At
 * most maxInstructionsPerAdvance instructions run per call, and with a `catchUp` budget, at least one instruction and
 * then no more once its host-time deadline passed: up to HOLD_OVER_MS of the cycles left wait for the next advance,
 * the cycles beyond either bound are dropped (core.lagCycles counts them, catchUp.fellBehind hears of them). A clock that moved back only rebases (no cycles).
 */
export function advanceEngine(core: Pl330Core, nowMs: number, catchUp?: CatchUpBudget): void {
  const dt = nowMs - core.lastAdvanceMs;
  if (dt > 0) {
    const c = dt * core.cfg.cyclesPerMs + core.carry;
    // Board times are binary fractions of ms: absorb their rounding so 0.001 ms at 1 MHz is one cycle, not 0.99999.
    const whole = Math.floor(c + 1e-6);
    core.carry = c - whole;
    core.credit += whole;
  }
  core.lastAdvanceMs = nowMs;
  run(core, catchUp);
  core.bus.dropHandover();
}

/**
 * Stop catching up: up to `holdOverMs` of the credit left waits for the next advance; the rest is work the DMAC will
 * never do, so it falls that far behind its clock (lag; an engine with nothing to do drops all of it: no lag then).
 */
function fallBehind(core: Pl330Core, catchUp: CatchUpBudget | undefined, holdOverMs = 0): void {
  const kept = Math.min(core.credit, Math.floor(holdOverMs * core.cfg.cyclesPerMs));
  const dropped = core.credit - kept;
  core.credit = 0;
  if (!engineBusy(core)) return;
  core.credit = kept;
  if (dropped <= 0) return;
  core.lagCycles += dropped;
  catchUp?.fellBehind(dropped / core.cfg.cyclesPerMs);
}

function anyStalled(core: Pl330Core): boolean {
  return core.channels.some((ch) => ch.stalled);
}

/** The next thread to run: the manager and the round-robin channel take turns. */
function pick(core: Pl330Core): Thread | undefined {
  const chans = core.channels;
  const n = chans.length;
  let channel: Thread | undefined;
  for (let i = 1; i <= n; i++) {
    const ch = chans[(core.rrChannel + i + n) % n]!;
    if (channelCanProgress(core, ch)) {
      channel = ch;
      break;
    }
  }
  if (managerCanProgress(core) && (!core.lastWasManager || channel === undefined)) return core.manager;
  return channel;
}

/** Watchdog: channels starved of MFIFO room with nobody progressing are aborted (lockup_err), or only irq_abort. */
function lockUp(core: Pl330Core): void {
  core.dirty = true;
  const irqOnly = core.cfg.revision >= 1 && (core.wd & 1) !== 0;
  if (irqOnly) {
    core.wdIrq = true;
    return;
  }
  for (const ch of core.channels) if (ch.stalled) abortThread(core, ch, FAULT.LOCKUP_ERR, false);
}

function run(core: Pl330Core, catchUp: CatchUpBudget | undefined): void {
  const cap = core.cfg.maxInstructionsPerAdvance;
  const deadline = catchUp ? catchUp.deadline() : Infinity;
  const timed = catchUp !== undefined && deadline !== Infinity;
  let steps = 0;
  let nextLook = 1;
  let graceFrom: number | undefined; // the turn the deadline first found a handed-over fault waiting
  // A fast-path batch is sized to what is left of the budget at the last look.
  const batchBytes = (now: number) => Math.max(MIN_BATCH_BYTES, (deadline - now) * BATCH_BYTES_PER_HOST_MS);
  let maxBytes = timed ? batchBytes(catchUp.hostNowMs()) : Infinity;
  while (core.credit >= 1) {
    if (steps >= cap) {
      fallBehind(core, catchUp); // the work bound: the DMAC falls behind its clock rather than stall the process
      break;
    }
    if (timed && steps >= nextLook) {
      const now = catchUp.hostNowMs();
      // Past the deadline with work to do: stop (idle credit still goes to the watchdog or is dropped, as always).
      // Not while a fault the fast path took waits for its burst (a few slow steps away): dropped at the end of this
      // run, the next run would ask the IOMMU again and it would record the same fault twice.
      if (now >= deadline && engineBusy(core)) {
        if (core.bus.holdsHandover) graceFrom ??= steps;
        if (!core.bus.holdsHandover || steps - graceFrom! >= HANDOVER_GRACE_STEPS) {
          fallBehind(core, catchUp, HOLD_OVER_MS); // the host-time bound: a register access never waits long for the model
          break;
        }
      }
      maxBytes = batchBytes(now);
      nextLook = steps + CHECK_EVERY;
    }
    if (core.debug.busy) {
      executeDebug(core);
      core.credit -= 1;
      steps++;
      progressed(core);
      continue;
    }
    const t = pick(core);
    if (!t) {
      if (!idle(core)) break;
      continue;
    }
    if (t.kind === "channel" && core.cfg.fastPath) {
      const done = tryFastPath(core, t, cap - steps, maxBytes) || tryPureLoop(core, t, cap - steps);
      if (done > 0) {
        steps += done;
        progressed(core);
        continue;
      }
    }
    const cost = t.kind === "manager" ? stepManager(core) : stepChannel(core, t);
    if (cost === 0) continue; // stalled on MFIFO room: flagged, not picked again until room appears
    core.credit -= cost;
    steps++;
    if (t.kind === "manager") {
      core.lastWasManager = true;
    } else {
      core.rrChannel = t.id;
      core.lastWasManager = false;
    }
    progressed(core);
  }
}

function progressed(core: Pl330Core): void {
  core.wdCycles = 0;
  if (core.wdIrq && !anyStalled(core)) core.wdIrq = false;
}

/** Nobody can progress: spend the credit on the watchdog (true: it fired, keep running) or drop it. */
function idle(core: Pl330Core): boolean {
  if (!anyStalled(core) || core.wdIrq) {
    if (core.wdCycles !== 0) core.dirty = true;
    core.wdCycles = 0;
    core.credit = 0;
    return false;
  }
  const need = core.cfg.watchdogCycles - core.wdCycles;
  core.dirty = true;
  if (core.credit >= need) {
    core.credit -= need;
    core.wdCycles = 0;
    lockUp(core);
    return true;
  }
  core.wdCycles += core.credit;
  core.credit = 0;
  return false;
}

/** Anything the engine will do when given cycles (a thread able to progress or a debug instruction). */
function engineBusy(core: Pl330Core): boolean {
  if (core.debug.busy || managerCanProgress(core)) return true;
  return core.channels.some((ch) => channelCanProgress(core, ch));
}

/**
 * When the engine next has work: the time its next instruction can issue while anything can progress, the watchdog's
 * deadline while a channel starves, else undefined (idle or every thread waiting on software).
 */
export function engineNextEventAtMs(core: Pl330Core): number | undefined {
  const cpm = core.cfg.cyclesPerMs;
  if (engineBusy(core)) return core.lastAdvanceMs + Math.max(0, 1 - core.credit - core.carry) / cpm;
  if (anyStalled(core) && !core.wdIrq) {
    const need = core.cfg.watchdogCycles - core.wdCycles - core.credit;
    return core.lastAdvanceMs + Math.max(0, need - core.carry) / cpm;
  }
  return undefined;
}
