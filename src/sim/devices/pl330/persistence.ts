// Saving and restoring the whole DMAC as plain JSON between processes: registers, thread states, PCs, loop counters,
// MFIFO contents, events, faults, peripheral latches, debug latches and the engine's clock bookkeeping, so a transfer
// started by one process keeps running (on the board's clock) when the next one looks. The i-caches are not saved:
// a restored thread refills its lines from memory. A state saved by a differently configured PL330 is refused.
import type { Pl330Config } from "./config.ts";
import { Pl330Core } from "./core.ts";
import { savedNumber, savedObject, savedU32 } from "../saved-state.ts";
import type { ChannelThread, Thread } from "./thread.ts";

const MODEL = "pl330";

interface SavedThread {
  state: number;
  pc: number;
  ftr: number;
  wakeup: number;
  wfeInvalidate: boolean;
  ns: boolean;
}

interface SavedChannel extends SavedThread {
  sar: number;
  dar: number;
  ccr: number;
  lc0: number;
  lc1: number;
  requestBurst: boolean;
  wfpBurst: boolean;
  wfpPeriph: boolean;
  /** MFIFO bytes, oldest first, base64. */
  mfifo: string;
}

/** The PL330's saved state. */
export interface Pl330State {
  version: 1;
  /** The configuration the state belongs to. */
  shape: string;
  lastAdvanceMs: number;
  credit: number;
  carry: number;
  wdCycles: number;
  wdIrq: boolean;
  rrChannel: number;
  lastWasManager: boolean;
  wd: number;
  inten: number;
  ris: number;
  periphPending: number[];
  debug: { inst0: number; inst1: number; busy: boolean; cmd0: number; cmd1: number };
  manager: SavedThread;
  channels: SavedChannel[];
}

function shapeOf(c: Pl330Config): string {
  return [c.channels, c.events, c.peripherals, c.busBytes, c.mfifoLines, c.revision].join("/");
}

function thread(t: Thread): SavedThread {
  return { state: t.state, pc: t.pc, ftr: t.ftr, wakeup: t.wakeup, wfeInvalidate: t.wfeInvalidate, ns: t.ns };
}

export function saveCore(core: Pl330Core): Pl330State {
  return {
    version: 1,
    shape: shapeOf(core.cfg),
    lastAdvanceMs: core.lastAdvanceMs,
    credit: core.credit,
    carry: core.carry,
    wdCycles: core.wdCycles,
    wdIrq: core.wdIrq,
    rrChannel: core.rrChannel,
    lastWasManager: core.lastWasManager,
    wd: core.wd,
    inten: core.events.inten,
    ris: core.events.ris,
    periphPending: [...core.periphPending],
    debug: { ...core.debug },
    manager: thread(core.manager),
    channels: core.channels.map((ch) => ({
      ...thread(ch),
      sar: ch.sar,
      dar: ch.dar,
      ccr: ch.ccr,
      lc0: ch.lc0,
      lc1: ch.lc1,
      requestBurst: ch.requestBurst,
      wfpBurst: ch.wfpBurst,
      wfpPeriph: ch.wfpPeriph,
      mfifo: Buffer.from(core.mfifo.contents(ch.id)).toString("base64"),
    })),
  };
}

function bool(o: Record<string, unknown>, key: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw new TypeError(`${MODEL}: saved state field '${key}' is not a boolean`);
  return v;
}

function int(o: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = savedNumber(o, key, MODEL);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new TypeError(`${MODEL}: saved state field '${key}' is out of range`);
  }
  return v;
}

function restoreThread(t: Thread, o: Record<string, unknown>): void {
  t.state = int(o, "state", 0, 15);
  t.pc = savedU32(o, "pc", MODEL);
  t.ftr = savedU32(o, "ftr", MODEL);
  t.wakeup = int(o, "wakeup", 0, 31);
  t.wfeInvalidate = bool(o, "wfeInvalidate");
  t.ns = bool(o, "ns");
  t.icache.invalidate();
}

function restoreChannel(core: Pl330Core, ch: ChannelThread, o: Record<string, unknown>): void {
  restoreThread(ch, o);
  ch.sar = savedU32(o, "sar", MODEL);
  ch.dar = savedU32(o, "dar", MODEL);
  ch.ccr = savedU32(o, "ccr", MODEL);
  ch.lc0 = int(o, "lc0", 0, 255);
  ch.lc1 = int(o, "lc1", 0, 255);
  ch.requestBurst = bool(o, "requestBurst");
  ch.wfpBurst = bool(o, "wfpBurst");
  ch.wfpPeriph = bool(o, "wfpPeriph");
  ch.stalled = false;
  const data = o["mfifo"];
  if (typeof data !== "string") throw new TypeError(`${MODEL}: saved state field 'mfifo' is not a string`);
  const bytes = new Uint8Array(Buffer.from(data, "base64"));
  core.mfifo.clear(ch.id);
  if (bytes.length > 0) {
    if (core.mfifo.room(ch.id, bytes.length) === "never") throw new TypeError(`${MODEL}: saved MFIFO data too large`);
    core.mfifo.push(ch.id, bytes);
  }
}

/**
 * Restore `saveCore` output into `core` (already built with the current configuration). Nothing changes when it throws:
 * the state is first restored into a scratch DMAC.
 * @throws TypeError when the state is damaged, of another version, or from a PL330 configured differently.
 */
export function restoreCore(core: Pl330Core, state: unknown): void {
  apply(new Pl330Core(core.cfg, { setLevel() {}, pulse() {} }, undefined), state);
  apply(core, state);
}

function apply(core: Pl330Core, state: unknown): void {
  const s = savedObject(state, MODEL);
  if (s["version"] !== 1) throw new TypeError(`${MODEL}: unsupported saved state version`);
  if (s["shape"] !== shapeOf(core.cfg)) {
    throw new TypeError(`${MODEL}: saved state is from a differently configured PL330`);
  }
  const manager = savedObject(s["manager"], MODEL);
  const channels = s["channels"];
  if (!Array.isArray(channels) || channels.length !== core.cfg.channels) {
    throw new TypeError(`${MODEL}: saved channels do not match`);
  }
  const pending = s["periphPending"];
  const requestOk = (p: unknown) => p === 0 || p === 1 || p === 2;
  if (!Array.isArray(pending) || pending.length !== core.cfg.peripherals || !pending.every(requestOk)) {
    throw new TypeError(`${MODEL}: saved peripheral requests are damaged`);
  }
  const debug = savedObject(s["debug"], MODEL);
  core.resetState(savedNumber(s, "lastAdvanceMs", MODEL));
  core.credit = int(s, "credit", -(2 ** 40), 2 ** 40);
  core.carry = savedNumber(s, "carry", MODEL);
  core.wdCycles = int(s, "wdCycles", 0, 2 ** 40);
  core.wdIrq = bool(s, "wdIrq");
  core.rrChannel = int(s, "rrChannel", -1, core.cfg.channels - 1);
  core.lastWasManager = bool(s, "lastWasManager");
  core.wd = int(s, "wd", 0, 1);
  core.events.setInten(savedU32(s, "inten", MODEL));
  core.events.ris = savedU32(s, "ris", MODEL);
  core.periphPending = [...(pending as number[])];
  core.debug = {
    inst0: savedU32(debug, "inst0", MODEL),
    inst1: savedU32(debug, "inst1", MODEL),
    busy: bool(debug, "busy"),
    cmd0: savedU32(debug, "cmd0", MODEL),
    cmd1: savedU32(debug, "cmd1", MODEL),
  };
  restoreThread(core.manager, manager);
  channels.forEach((c, i) => restoreChannel(core, core.channels[i]!, savedObject(c, MODEL)));
  core.dirty = false;
}
