// Fast-forward of a channel loop that moves no data: a body of DMANOP, DMARMB/DMAWMB, DMAADDH/DMAADNH and DMAMOV closed
// by an unconditional DMALPEND (counted or forever) jumping back to it. Its effect over k passes is computable (SAR/DAR
// move by k times the body's additions, or end at the value the last pass leaves; the counter drops by k), so any
// number of passes costs one scan instead of one step per instruction, and the channel keeps pace with its clock.
import type { Pl330Core } from "./core.ts";
import { decode, type Insn } from "./decoder.ts";
import { aloneInEngine } from "./fast-path.ts";
import { fetchInsn } from "./icache.ts";
import { ccrAsksSecure, STATE } from "./registers.ts";
import type { ChannelThread } from "./thread.ts";

/** What one pass of the body does to an address register: set it (then add), or only add. */
interface RegisterEffect {
  set: number | undefined;
  add: number;
}

interface PureLoop {
  lpendAddr: number;
  lc: 0 | 1;
  forever: boolean;
  /** Cycles and scheduler turns per pass (a barrier is two: issue, then leaving At barrier). */
  cycles: number;
  /** The i-cache lines one pass touches, in fetch order. */
  lines: number[];
  sar: RegisterEffect;
  dar: RegisterEffect;
  ccr: number | undefined;
}

/** Longest body scanned (bytes): a body is a few instructions; beyond this it is not worth a scan. */
const MAX_BODY_BYTES = 256;

const scratch = new Uint8Array(6);

function apply(e: RegisterEffect, insn: Insn & { op: "ADDH" | "MOV" }): void {
  if (insn.op === "MOV") {
    e.set = insn.imm;
    e.add = 0;
  } else {
    e.add = (e.add + insn.value) >>> 0;
  }
}

/** The loop starting at ch.pc, read from cached lines only (the first, slow pass filled them); undefined if none. */
function scan(core: Pl330Core, ch: ChannelThread): PureLoop | undefined {
  const start = ch.pc;
  const n = ch.icache.lineBytes;
  const lines: number[] = [];
  const sar: RegisterEffect = { set: undefined, add: 0 };
  const dar: RegisterEffect = { set: undefined, add: 0 };
  let ccr: number | undefined;
  let cycles = 0;
  let pc = start;
  while (((pc - start) >>> 0) < MAX_BODY_BYTES) {
    const len = fetchInsn(ch, ch.id, core.bus, pc, scratch, true);
    if (len < 0) return undefined;
    for (let line = pc - (pc % n); line < pc + len; line += n) lines.push(line >>> 0);
    const d = decode(scratch, core.cfg);
    const insn = d.insn;
    if (!insn || d.undefined || d.invalid) return undefined;
    switch (insn.op) {
      case "NOP":
        cycles += 1;
        break;
      case "RMB":
      case "WMB":
        cycles += 2;
        break;
      case "ADDH":
        apply(insn.ra === 0 ? sar : dar, insn);
        cycles += 1;
        break;
      case "MOV":
        if (insn.rd === 0) apply(sar, insn);
        else if (insn.rd === 2) apply(dar, insn);
        else if (ch.ns && ccrAsksSecure(insn.imm)) return undefined; // a precise fault, not a pure step
        else ccr = insn.imm;
        cycles += 1;
        break;
      case "LPEND":
        if (insn.cond !== "always" || insn.jump !== ((pc - start) >>> 0)) return undefined;
        return { lpendAddr: pc >>> 0, lc: insn.lc, forever: insn.forever, cycles: cycles + 1, lines, sar, dar, ccr };
      default:
        return undefined;
    }
    pc = (pc + len) >>> 0;
  }
  return undefined;
}

function finalValue(e: RegisterEffect, before: number, passes: number): number {
  if (e.set !== undefined) return (e.set + e.add) >>> 0;
  return (before + Math.imul(passes >>> 0, e.add)) >>> 0;
}

/**
 * Run as many whole passes of the pure loop at ch.pc as the cycle credit and `stepsLeft` allow; returns the
 * instructions (scheduler turns) executed, 0 when this does not apply (the slow path takes the step). Applies when the
 * channel is Executing at the start of such a loop, alone in the engine (as for the memcpy fast path), with the whole
 * loop in its instruction cache. Registers, the loop counter, CPC, cycles, the round robin and the cache's use order
 * end as the slow path leaves them after the same passes.
 */
export function tryPureLoop(core: Pl330Core, ch: ChannelThread, stepsLeft: number): number {
  if (ch.state !== STATE.EXECUTING || ch.stalled || core.bus.holdsHandover) return 0;
  if (!aloneInEngine(core, ch)) return 0;
  const loop = scan(core, ch);
  if (!loop) return 0;
  const turns = loop.cycles; // every instruction here costs one cycle per turn
  const counter = loop.lc === 0 ? ch.lc0 : ch.lc1;
  const passes = loop.forever ? Infinity : counter + 1;
  const k = Math.min(passes, Math.floor(core.credit / loop.cycles), Math.floor(stepsLeft / turns));
  if (k < 2) return 0;
  ch.sar = finalValue(loop.sar, ch.sar, k);
  ch.dar = finalValue(loop.dar, ch.dar, k);
  if (loop.ccr !== undefined) ch.ccr = loop.ccr;
  if (!loop.forever) {
    if (k === passes) ch.pc = (loop.lpendAddr + 2) >>> 0;
    const left = k === passes ? 0 : counter - k;
    if (loop.lc === 0) ch.lc0 = left;
    else ch.lc1 = left;
  }
  // No line missed: any number of passes leaves the lines in the order of one pass's last touches.
  for (const line of loop.lines) ch.icache.get(line);
  core.credit -= k * loop.cycles;
  core.rrChannel = ch.id;
  core.lastWasManager = false;
  core.dirty = true;
  return k * turns;
}
