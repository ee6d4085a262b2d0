// The manager thread: DMAGO, DMASEV, DMAWFE, DMANOP, DMAEND, DMAKILL from a boot program (CR0.boot_en) or from the
// debug interface (debug.ts). DMAGO starts a Stopped channel at its PC with CNS = ns; a Non-secure manager's ns=0
// DMAGO is dmago_err. DMAGO to a channel that is not Stopped faults the manager with operand_invalid (QEMU; VCML
// ignores it; TRM text unknown): the strict choice, so a program relying on it fails here as it may on silicon.
import type { Pl330Core } from "./core.ts";
import { decode, MANAGER } from "./decoder.ts";
import { abortThread, killThread } from "./faults.ts";
import { fetchInsn } from "./icache.ts";
import { FAULT, STATE } from "./registers.ts";
import { eventReady, signalEvent, waitForEvent, wakeFromEvent } from "./wait.ts";

export function managerCanProgress(core: Pl330Core): boolean {
  const m = core.manager;
  if (m.state === STATE.EXECUTING) return true;
  return m.state === STATE.WAITING_FOR_EVENT && eventReady(core, m);
}

/** DMAGO chan, pc, ns by the manager; false when it aborted the manager. */
export function managerGo(core: Pl330Core, ns: boolean, chan: number, pc: number, fromDebug: boolean): boolean {
  const m = core.manager;
  core.dirty = true;
  if (m.ns && !ns) {
    abortThread(core, m, FAULT.DMAGO_ERR, true, fromDebug);
    return false;
  }
  const ch = core.channels[chan];
  if (!ch || ch.state !== STATE.STOPPED) {
    abortThread(core, m, FAULT.OPERAND_INVALID, true, fromDebug);
    return false;
  }
  // SAR/DAR/CCR/LC keep the previous program's values; the new program starts with a cold cache.
  ch.state = STATE.EXECUTING;
  ch.pc = pc;
  ch.ns = ns;
  ch.ftr = 0;
  ch.stalled = false;
  ch.requestBurst = false; // request_type starts Single at each DMAGO (inference; QEMU never resets it)
  ch.icache.invalidate();
  return true;
}

/** DMASEV by the manager (checks the event's security); false when it aborted. */
export function managerSev(core: Pl330Core, event: number, fromDebug: boolean): boolean {
  const m = core.manager;
  if (m.ns && ((core.cfg.eventsNonSecure >>> event) & 1) === 0) {
    abortThread(core, m, FAULT.MGR_EVNT_ERR, true, fromDebug);
    return false;
  }
  signalEvent(core, event);
  return true;
}

/** One turn of the manager's own program: cycles used (0 when it cannot progress). */
export function stepManager(core: Pl330Core): number {
  const m = core.manager;
  if (m.state === STATE.WAITING_FOR_EVENT) {
    if (!eventReady(core, m)) return 0;
    wakeFromEvent(core, m);
    return 1;
  }
  if (m.state !== STATE.EXECUTING) return 0;
  core.dirty = true;
  const b = core.scratch;
  const len = fetchInsn(m, core.streamId(m), core.bus, m.pc, b);
  if (len < 0) {
    abortThread(core, m, FAULT.INSTR_FETCH_ERR, true);
    return 1;
  }
  const d = decode(b, core.cfg);
  if (d.undefined || (d.who & MANAGER) === 0) {
    abortThread(core, m, FAULT.UNDEF_INSTR, true);
    return 1;
  }
  if (d.invalid || !d.insn) {
    abortThread(core, m, FAULT.OPERAND_INVALID, true);
    return 1;
  }
  const next = (m.pc + d.len) >>> 0;
  const insn = d.insn;
  switch (insn.op) {
    case "END":
    case "KILL":
      killThread(core, m);
      break;
    case "NOP":
      m.pc = next;
      break;
    case "GO":
      if (managerGo(core, insn.ns, insn.chan, insn.pc, false)) m.pc = next;
      break;
    case "SEV":
      if (managerSev(core, insn.event, false)) m.pc = next;
      break;
    case "WFE":
      if (m.ns && ((core.cfg.eventsNonSecure >>> insn.event) & 1) === 0) {
        abortThread(core, m, FAULT.MGR_EVNT_ERR, true);
        break;
      }
      waitForEvent(core, m, insn.event, insn.invalidate);
      break;
    default:
      abortThread(core, m, FAULT.UNDEF_INSTR, true);
  }
  return 1;
}
