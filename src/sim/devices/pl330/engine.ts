// The DMAC's engine on a virtual clock: board time since the last advance becomes cycles (cyclesPerMs), spent one
// instruction at a time (a pending debug instruction first, then the manager and a round-robin channel in turn),
// 1 cycle per instruction or state change, max(1, ceil(bytes / bus width)) per burst. Nothing runs inside a register
// access; with nothing able to progress the spare cycles are dropped, or feed the watchdog while a channel starves.
import { channelCanProgress, stepChannel } from "./channel-exec.ts";
import type { Pl330Core } from "./core.ts";
import { executeDebug } from "./debug.ts";
import { tryFastPath } from "./fast-path.ts";
import { abortThread } from "./faults.ts";
import { managerCanProgress, stepManager } from "./manager-exec.ts";
import { FAULT } from "./registers.ts";
import type { Thread } from "./thread.ts";

/**
 * Bring the engine up to board time `nowMs`. An instruction issues while at least one cycle is available; its cost
 * may leave a debt the next advance pays (so its effects show at issue: SAR/DAR advance when a burst is issued). At
 * most maxInstructionsPerAdvance instructions run per call; the cycles beyond are dropped. A clock that moved back
 * only rebases (no cycles).
 */
export function advanceEngine(core: Pl330Core, nowMs: number): void {
  const dt = nowMs - core.lastAdvanceMs;
  if (dt > 0) {
    const c = dt * core.cfg.cyclesPerMs + core.carry;
    // Board times are binary fractions of ms: absorb their rounding so 0.001 ms at 1 MHz is one cycle, not 0.99999.
    const whole = Math.floor(c + 1e-6);
    core.carry = c - whole;
    core.credit += whole;
  }
  core.lastAdvanceMs = nowMs;
  run(core);
  core.bus.dropHandover();
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

function run(core: Pl330Core): void {
  const cap = core.cfg.maxInstructionsPerAdvance;
  let steps = 0;
  while (core.credit >= 1) {
    if (steps >= cap) {
      core.credit = 0; // the work bound: the DMAC falls behind its clock rather than stall the process
      break;
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
      const done = tryFastPath(core, t, cap - steps);
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
