// The waiting states and what ends them (pl330-smmu.md §1.9, §1.13): DMASEV N with INTEN[N]=0 releases every thread
// in DMAWFE N, or is remembered in RIS[N] for the next DMAWFE N, which consumes it; with INTEN[N]=1 it raises irq[N]
// and no DMAWFE sees it. DMAWFP waits for a request latched by the peripheral hook; the request's kind (or the
// instruction's S/B form) becomes the channel's request_type.
import { PERIPH_BURST, PERIPH_NONE, type Pl330Core } from "./core.ts";
import { STATE } from "./registers.ts";
import type { ChannelThread, Thread } from "./thread.ts";

/** Leave the wait: the thread continues after its 2-byte DMAWFE/DMAWFP. */
function release(t: Thread): void {
  t.state = STATE.EXECUTING;
  t.pc = (t.pc + 2) >>> 0;
}

/** DMASEV `event` (operand and security checks already passed). */
export function signalEvent(core: Pl330Core, event: number): void {
  core.dirty = true;
  if (core.events.isInterrupt(event)) {
    core.events.set(event);
    return;
  }
  let released = false;
  for (const t of [core.manager, ...core.channels]) {
    if (t.state === STATE.WAITING_FOR_EVENT && t.wakeup === event) {
      if (t.wfeInvalidate) t.icache.invalidate();
      release(t);
      released = true;
    }
  }
  if (!released) core.events.set(event);
}

/** DMAWFE `event` by `t` (its PC is on the DMAWFE): proceed on a remembered event, else wait. */
export function waitForEvent(core: Pl330Core, t: Thread, event: number, invalidate: boolean): void {
  core.dirty = true;
  t.wakeup = event;
  t.wfeInvalidate = invalidate;
  if (core.events.pendingEvent(event)) {
    core.events.consume(event);
    if (invalidate) t.icache.invalidate();
    t.pc = (t.pc + 2) >>> 0;
    return;
  }
  t.state = STATE.WAITING_FOR_EVENT;
}

/** A thread in DMAWFE whose event is pending (set while it waited with INTEN[N]=1, then INTEN cleared). */
export function eventReady(core: Pl330Core, t: Thread): boolean {
  return core.events.pendingEvent(t.wakeup);
}

/** Take the pending event and continue. */
export function wakeFromEvent(core: Pl330Core, t: Thread): void {
  core.events.consume(t.wakeup);
  if (t.wfeInvalidate) t.icache.invalidate();
  release(t);
  core.dirty = true;
}

/** DMAWFP<S|B|P> `periph` by `ch` (PC on the DMAWFP). */
export function waitForPeripheral(
  core: Pl330Core,
  ch: ChannelThread,
  kind: "single" | "burst" | "periph",
  periph: number,
): void {
  core.dirty = true;
  ch.wakeup = periph;
  ch.wfpBurst = kind === "burst";
  ch.wfpPeriph = kind === "periph";
  ch.state = STATE.WAITING_FOR_PERIPHERAL;
  if (peripheralReady(core, ch)) wakeFromPeripheral(core, ch);
}

export function peripheralReady(core: Pl330Core, ch: ChannelThread): boolean {
  return (core.periphPending[ch.wakeup] ?? PERIPH_NONE) !== PERIPH_NONE;
}

/** Take the latched request: request_type = the form's S/B, or for P the request's own kind. */
export function wakeFromPeripheral(core: Pl330Core, ch: ChannelThread): void {
  const request = core.periphPending[ch.wakeup] ?? PERIPH_NONE;
  core.periphPending[ch.wakeup] = PERIPH_NONE;
  ch.requestBurst = ch.wfpPeriph ? request === PERIPH_BURST : ch.wfpBurst;
  release(ch);
  core.dirty = true;
}
