// One scheduler turn of a channel thread: finish a transient state (Completing, Killing, Faulting-completing), leave
// a wait whose event/request arrived, pass a barrier, or fetch, decode and execute one instruction (pl330-smmu.md
// §1.4-§1.7). Precise aborts leave CPC on the aborting instruction; DMAEND and DMAKILL leave it on themselves.
import type { Pl330Core } from "./core.ts";
import { PERIPH_NONE } from "./core.ts";
import { load, PRECISE, STALL, store } from "./data-path.ts";
import { CHANNEL, decode, type Cond, type Insn } from "./decoder.ts";
import { abortThread, discardData, killThread } from "./faults.ts";
import { fetchInsn } from "./icache.ts";
import { ccrAsksSecure, FAULT, STATE } from "./registers.ts";
import type { ChannelThread } from "./thread.ts";
import {
  eventReady,
  peripheralReady,
  signalEvent,
  waitForEvent,
  waitForPeripheral,
  wakeFromEvent,
  wakeFromPeripheral,
} from "./wait.ts";

/** Can `ch` do something at its next turn? (Waits whose condition holds and transient states count.) */
export function channelCanProgress(core: Pl330Core, ch: ChannelThread): boolean {
  switch (ch.state) {
    case STATE.EXECUTING:
      return !ch.stalled;
    case STATE.COMPLETING:
    case STATE.KILLING:
    case STATE.FAULTING_COMPLETING:
    case STATE.AT_BARRIER:
      return true;
    case STATE.WAITING_FOR_EVENT:
      return eventReady(core, ch);
    case STATE.WAITING_FOR_PERIPHERAL:
      return peripheralReady(core, ch);
    default:
      return false;
  }
}

/** One turn of `ch`: the cycles it used, or 0 when it could not progress (a load waiting for MFIFO room). */
export function stepChannel(core: Pl330Core, ch: ChannelThread): number {
  switch (ch.state) {
    case STATE.COMPLETING:
    case STATE.KILLING:
      ch.state = STATE.STOPPED;
      core.dirty = true;
      return 1;
    case STATE.FAULTING_COMPLETING:
      ch.state = STATE.FAULTING;
      core.dirty = true;
      return 1;
    case STATE.AT_BARRIER:
      ch.state = STATE.EXECUTING;
      core.dirty = true;
      return 1;
    case STATE.WAITING_FOR_EVENT:
      if (!eventReady(core, ch)) return 0;
      wakeFromEvent(core, ch);
      return 1;
    case STATE.WAITING_FOR_PERIPHERAL:
      if (!peripheralReady(core, ch)) return 0;
      wakeFromPeripheral(core, ch);
      return 1;
    case STATE.EXECUTING:
      break;
    default:
      return 0;
  }
  const b = core.scratch;
  const len = fetchInsn(ch, core.streamId(ch), core.bus, ch.pc, b);
  if (len < 0) {
    abortThread(core, ch, FAULT.INSTR_FETCH_ERR, true);
    return 1;
  }
  const d = decode(b, core.cfg);
  if (d.undefined || (d.who & CHANNEL) === 0) {
    abortThread(core, ch, FAULT.UNDEF_INSTR, true);
    return 1;
  }
  if (d.invalid || !d.insn) {
    abortThread(core, ch, FAULT.OPERAND_INVALID, true);
    return 1;
  }
  return execute(core, ch, d.insn, d.len);
}

function condHolds(ch: ChannelThread, cond: Cond): boolean {
  return cond === "always" || (cond === "burst") === ch.requestBurst;
}

function eventSecure(core: Pl330Core, event: number): boolean {
  return ((core.cfg.eventsNonSecure >>> event) & 1) === 0;
}

function periphSecure(core: Pl330Core, periph: number): boolean {
  return ((core.cfg.peripheralsNonSecure >>> periph) & 1) === 0;
}

/** Run a data instruction and move the PC past it unless it stalled or aborted precisely. */
function data(ch: ChannelThread, next: number, result: number): number {
  if (result === STALL) return 0;
  if (result === PRECISE) return 1;
  ch.pc = next;
  return result;
}

function execute(core: Pl330Core, ch: ChannelThread, insn: Insn, len: number): number {
  const next = (ch.pc + len) >>> 0;
  core.dirty = true;
  switch (insn.op) {
    case "END":
      // The TRM: DMAEND flushes the channel's MFIFO data; the channel completes its transactions, then stops.
      discardData(core, ch);
      ch.state = STATE.COMPLETING;
      return 1;
    case "KILL":
      killThread(core, ch);
      return 1;
    case "NOP":
      ch.pc = next;
      return 1;
    case "RMB":
    case "WMB":
      barrier(ch, next);
      return 1;
    case "LD":
    case "LDP":
    case "ST":
    case "STP":
      if (insn.op === "LDP" || insn.op === "STP") {
        if (ch.ns && periphSecure(core, insn.periph)) return precise(core, ch, FAULT.CH_PERIPH_ERR);
      }
      if (!condHolds(ch, insn.cond)) {
        ch.pc = next;
        return 1;
      }
      return data(ch, next, insn.op === "LD" || insn.op === "LDP" ? load(core, ch) : store(core, ch, false));
    case "STZ":
      return data(ch, next, store(core, ch, true));
    case "LP":
      if (insn.lc === 0) ch.lc0 = insn.count;
      else ch.lc1 = insn.count;
      ch.pc = next;
      return 1;
    case "LPEND":
      loopEnd(ch, insn, next);
      return 1;
    case "WFP":
      if (ch.ns && periphSecure(core, insn.periph)) return precise(core, ch, FAULT.CH_PERIPH_ERR);
      waitForPeripheral(core, ch, insn.kind, insn.periph);
      return 1;
    case "FLUSHP":
      if (ch.ns && periphSecure(core, insn.periph)) return precise(core, ch, FAULT.CH_PERIPH_ERR);
      core.periphPending[insn.periph] = PERIPH_NONE;
      barrier(ch, next);
      return 1;
    case "SEV":
      if (ch.ns && eventSecure(core, insn.event)) return precise(core, ch, FAULT.CH_EVNT_ERR);
      signalEvent(core, insn.event);
      ch.pc = next;
      return 1;
    case "WFE":
      if (ch.ns && eventSecure(core, insn.event)) return precise(core, ch, FAULT.CH_EVNT_ERR);
      waitForEvent(core, ch, insn.event, insn.invalidate);
      return 1;
    case "ADDH":
      if (insn.ra === 0) ch.sar = (ch.sar + insn.value) >>> 0;
      else ch.dar = (ch.dar + insn.value) >>> 0;
      ch.pc = next;
      return 1;
    case "MOV":
      if (insn.rd === 0) ch.sar = insn.imm;
      else if (insn.rd === 2) ch.dar = insn.imm;
      else if (ch.ns && ccrAsksSecure(insn.imm)) return precise(core, ch, FAULT.CH_RDWR_ERR);
      else ch.ccr = insn.imm;
      ch.pc = next;
      return 1;
    case "GO":
      // Decoded as manager-only; never reaches a channel.
      return precise(core, ch, FAULT.UNDEF_INSTR);
  }
}

/**
 * DMARMB / DMAWMB / DMAFLUSHP: At barrier until the channel's next turn, when its earlier transactions (or the
 * peripheral's flush) have completed. CPC already points past the barrier meanwhile.
 */
function barrier(ch: ChannelThread, next: number): void {
  ch.state = STATE.AT_BARRIER;
  ch.pc = next;
}

function precise(core: Pl330Core, ch: ChannelThread, bits: number): number {
  abortThread(core, ch, bits, true);
  return 1;
}

/** DMALPEND / DMALPFE end: test the counter before decrementing; jump back from the DMALPEND's own address. */
function loopEnd(ch: ChannelThread, insn: Extract<Insn, { op: "LPEND" }>, next: number): void {
  if (!condHolds(ch, insn.cond)) {
    ch.pc = next;
    return;
  }
  const back = (ch.pc - insn.jump) >>> 0;
  if (insn.forever) {
    ch.pc = back;
    return;
  }
  const lc = insn.lc === 0 ? ch.lc0 : ch.lc1;
  if (lc === 0) {
    ch.pc = next;
    return;
  }
  if (insn.lc === 0) ch.lc0 = lc - 1;
  else ch.lc1 = lc - 1;
  ch.pc = back;
}
