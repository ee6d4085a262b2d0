// Aborts and kills (pl330-smmu.md §1.4, §1.8): a precise abort puts the thread in Faulting at once with its PC on the
// aborting instruction; an imprecise one (bus error responses, MFIFO overflow, lock-up) passes through
// Faulting-completing while its transactions drain. FTR keeps the cause until the debug DMAKILL that is the only way
// out; the kill clears FTR (as QEMU does; the TRM does not say) so FTR != 0 exactly while the thread faults.
import type { Pl330Core } from "./core.ts";
import { FAULT, STATE } from "./registers.ts";
import type { ChannelThread, Thread } from "./thread.ts";

/** Abort `t` with fault type `bits`. `fromDebug` (precise only): the instruction came from DBGINST (dbg_instr). */
export function abortThread(core: Pl330Core, t: Thread, bits: number, precise: boolean, fromDebug = false): void {
  t.ftr = (t.ftr | bits | (precise && fromDebug ? FAULT.DBG_INSTR : 0)) >>> 0;
  // The manager has no Faulting-completing state: it issues no data transactions.
  t.state = precise || t.kind === "manager" ? STATE.FAULTING : STATE.FAULTING_COMPLETING;
  if (t.kind === "channel") t.stalled = false;
  core.dirty = true;
}

/** Other channels waiting for MFIFO room try again (someone's data left the MFIFO). */
export function mfifoFreed(core: Pl330Core): void {
  for (const ch of core.channels) ch.stalled = false;
}

/** Drop a channel's MFIFO data (DMAEND per the TRM wording, DMAKILL). */
export function discardData(core: Pl330Core, ch: ChannelThread): void {
  if (core.mfifo.bytes(ch.id) === 0) return;
  core.mfifo.clear(ch.id);
  mfifoFreed(core);
}

/**
 * DMAKILL of `t` (its own instruction or the debug interface). A channel goes to Killing (Stopped at its next turn,
 * once its outstanding transactions are done) and loses its MFIFO data; the manager stops at once. A Stopped channel
 * stays Stopped.
 */
export function killThread(core: Pl330Core, t: Thread): void {
  core.dirty = true;
  t.ftr = 0;
  if (t.kind === "manager") {
    t.state = STATE.STOPPED;
    return;
  }
  t.stalled = false;
  discardData(core, t);
  if (t.state !== STATE.STOPPED) t.state = STATE.KILLING;
}
