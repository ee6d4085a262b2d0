// Policy: a register access never makes the PL330 model crawl (issue 12, item 5). With a host-time budget the engine
// stops catching up at its deadline and drops the rest (the DMAC falls behind its clock and says so), so 10 000 CSR
// polls while a channel loops forever stay cheap and the channel stays correct; loops that move no data are
// fast-forwarded with exactly the slow path's results. The host clock here is fake and deterministic: no timing.
import { describe, expect, test } from "bun:test";
import type { CatchUpBudget } from "../../src/sim/devices/device-model.ts";
import { HOLD_OVER_MS } from "../../src/sim/devices/pl330/engine.ts";
import { STATE } from "../../src/sim/devices/pl330/registers.ts";
import { ccr, chState, debug, I, memcpyProgram, R, rig, runUntil, start, US, type Rig } from "../helpers/sim-pl330.ts";

/**
 * A fake host clock that moves `perLookMs` each time it is read; every advance gets a window of `windowMs` from its
 * first look (what the kernel's CatchUpWindow gives a register access). Counts the ms reported as lag.
 */
class FakeBudget implements CatchUpBudget {
  host = 0;
  lagMs = 0;
  reports = 0;
  constructor(
    private readonly perLookMs: number,
    /** Host time one advance may take (tests may change it between advances: a poll's wait is longer). */
    public windowMs: number,
  ) {}
  deadline(): number {
    return this.host + this.windowMs;
  }
  hostNowMs(): number {
    this.host += this.perLookMs;
    return this.host;
  }
  fellBehind(ms: number): void {
    this.lagMs += ms;
    this.reports++;
  }
}

/** A rig whose PL330 has a catch-up budget (same shape as pl330-helpers' rig). */
/** A PL330 rig whose catch-up runs under `budget` (the host-time bound, faked). */
function budgetRig(budget: CatchUpBudget, options?: Record<string, unknown>): Rig {
  return rig(options, { catchUp: budget });
}

const PROG = 0x1000;
const SRC = 0x8000;
const DST = 0x9000;
const FIXED_CCR = ccr(8, 16, true) & ~((1 << 0) | (1 << 14)); // 8-byte beats x 16, neither address increments

/**
 * Forever: DMALP lc0 4 { DMALD; DMAST } DMALPEND lc0; DMALPEND (forever) — a FIFO-style loop moving data between two
 * fixed addresses, which the memcpy fast path does not take. Returns the program and its loop's byte range.
 */
function fifoForever(): { bytes: number[]; loopStart: number; loopEnd: number } {
  const head = [...I.movCcr(FIXED_CCR), ...I.movSar(SRC), ...I.movDar(DST)];
  const outer = head.length;
  const body = [...I.lp(0, 4), 0x04, 0x08];
  const inner = [...I.lpend(0, 2)];
  const forever = [...I.lpfe(0, body.length + inner.length)];
  return { bytes: [...head, ...body, ...inner, ...forever], loopStart: PROG + outer, loopEnd: PROG + outer + body.length + inner.length };
}

describe("a register poll while a channel loops forever", () => {
  test("10 000 CSR polls, 1 ms of board clock apart: the channel keeps executing its loop, the work per poll is bounded, DMAKILL stops it", () => {
    const budget = new FakeBudget(0.001, 0.02); // a window lasts 20 looks at the host clock
    const t = budgetRig(budget);
    const p = fifoForever();
    t.put(PROG, p.bytes);
    const pattern = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
    t.put(SRC, pattern);
    start(t, 0, PROG);
    t.port.logging = true;
    const pcs = new Set<number>();
    const lc0s = new Set<number>();
    let lastLag = t.dmac.lagMs;
    let maxPerPoll = 0;
    for (let i = 0; i < 10_000; i++) {
      t.port.log.length = 0;
      t.clock.advance(1); // 1 ms = a million cycles at 1 GHz: far more than a window lets the engine do
      const csr = t.r(R.CSR(0));
      expect(csr & 0xf).toBe(STATE.EXECUTING);
      // The CSR read made progress, and at most what a window allows (20 looks, 4 turns apart). Each read below is an
      // entry of its own that works off what this one held over.
      const data = t.port.log.filter((a) => !a.instruction).length;
      expect(data).toBeGreaterThan(0);
      maxPerPoll = Math.max(maxPerPoll, data);
      const pc = t.r(R.CPC(0));
      expect(pc).toBeGreaterThanOrEqual(p.loopStart);
      expect(pc).toBeLessThanOrEqual(p.loopEnd);
      const lc0 = t.r(R.LC0(0));
      expect(lc0).toBeLessThanOrEqual(3);
      pcs.add(pc);
      lc0s.add(lc0);
      // Fixed addresses: SAR/DAR never move.
      if (i % 1000 === 0) {
        expect(t.r(R.SAR(0))).toBe(SRC);
        expect(t.r(R.DAR(0))).toBe(DST);
      }
      // The first HOLD_OVER_MS of work owed wait for the next entry (no lag yet); from then on the engine fell
      // further behind its clock at every poll, and said so.
      if (i < HOLD_OVER_MS - 1) expect(t.dmac.lagMs).toBe(0);
      if (i > HOLD_OVER_MS + 1) expect(t.dmac.lagMs).toBeGreaterThan(lastLag);
      lastLag = t.dmac.lagMs;
    }
    expect(maxPerPoll).toBeLessThanOrEqual(4 * 20);
    expect(budget.lagMs).toBeCloseTo(t.dmac.lagMs, 6);
    expect(budget.reports).toBeGreaterThanOrEqual(10_000 - HOLD_OVER_MS - 1);
    // 10 000 ms of clock went by and the reads' work is a few ms of it: the rest was dropped, except what is held over.
    expect(t.dmac.lagMs).toBeGreaterThan(9_000);
    expect(t.dmac.lagMs).toBeLessThan(10_000 - HOLD_OVER_MS + 0.01);
    // The loop really ran: several PCs and every inner counter value were seen, and the data landed (a fixed burst
    // reads the same beat 16 times and leaves the last beat at the fixed destination).
    expect(pcs.size).toBeGreaterThan(2);
    expect([...lc0s].sort()).toEqual([0, 1, 2, 3]);
    expect([...t.port.mem.subarray(DST, DST + 8)]).toEqual(pattern);
    debug(t, I.kill(), 0);
    t.tick(US);
    expect(chState(t, 0)).toBe(STATE.STOPPED);
  }, 60_000); // ~800 000 slow-path instructions in all: seconds on a loaded machine

  test("without a budget (a manual clock's deterministic run) the same poll runs the whole instruction bound", () => {
    const t = rig({ maxInstructionsPerAdvance: 5000 });
    const p = fifoForever();
    t.put(PROG, p.bytes);
    start(t, 0, PROG);
    t.port.logging = true;
    t.clock.advance(1);
    t.r(R.CSR(0));
    const data = t.port.log.filter((a) => !a.instruction).length;
    // 5000 instructions of the loop: 8 loads and stores in every 14 turns of an outer pass.
    expect(data).toBeGreaterThan(2500);
    expect(t.dmac.lagMs).toBeGreaterThan(0);
  });
});

describe("a copy that finishes gives the same results under a budget", () => {
  test("a 1 MiB memcpy polled in small host-time windows (batches cut to 16 KiB, the rest held over) ends as without a budget", () => {
    const size = 1 << 20;
    const src = 0x100000;
    const dst = 0x300000;
    const budget = new FakeBudget(0.001, 0.004); // 4 looks: fast-path batches at their 16 KiB minimum
    const runs = [budgetRig(budget), rig()];
    for (const t of runs) {
      t.port.logging = true;
      t.put(PROG, memcpyProgram(src, dst, size, { event: 1 }));
      t.put(src, Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff));
      start(t, 2, PROG);
      runUntil(t, () => chState(t, 2) === STATE.STOPPED, 0.01, 10_000);
    }
    const [budgeted, free] = runs as [Rig, Rig];
    // The copy owed far less than HOLD_OVER_MS at any time: what a window left undone was held over, never dropped.
    expect(budgeted.dmac.lagMs).toBe(0);
    expect(budget.reports).toBe(0);
    // Stopped, the DMAC has nothing to catch up: time passing is not lag.
    for (let i = 0; i < 10; i++) budgeted.tick(1);
    expect(budgeted.dmac.lagMs).toBe(0);
    // Batches: at most 16 KiB per DmaPort call under the budget, far more without it.
    const largest = (t: Rig) => Math.max(...t.port.log.filter((a) => !a.instruction).map((a) => a.length));
    expect(largest(budgeted)).toBeLessThanOrEqual(16 * 1024);
    expect(largest(free)).toBeGreaterThan(16 * 1024);
    expect(Buffer.from(budgeted.port.mem.subarray(dst, dst + size)).equals(Buffer.from(free.port.mem.subarray(src, src + size)))).toBe(true);
    expect(snapshot(budgeted, 2)).toEqual(snapshot(free, 2));
    expect(budgeted.r(R.INT_EVENT_RIS)).toBe(free.r(R.INT_EVENT_RIS));
  });

  test("a read-only destination page met when a host-time window closes: the IOMMU records the write fault once, as without a budget", () => {
    // The fast path asks the IOMMU for the faulting page and hands the answer to the slow path; a window that closes
    // before the slow path reaches that burst must not make the next advance ask (and the IOMMU record) again.
    const size = 1 << 20;
    const src = 0x100000;
    const dst = 0x300000;
    for (const [perLook, window] of [[0.001, 0.001], [0.001, 0.002], [0.001, 0.004], [0.01, 0.001]] as const) {
      const runs = [budgetRig(new FakeBudget(perLook, window)), rig()];
      for (const t of runs) {
        t.put(PROG, memcpyProgram(src, dst, size, { unroll: 4 }));
        t.port.readOnly.add(dst / 4096 + 100);
        start(t, 0, PROG);
        runUntil(t, () => chState(t, 0) === STATE.FAULTING, 0.01, 10_000);
      }
      const [budgeted, free] = runs as [Rig, Rig];
      expect(free.port.faults.length).toBe(1);
      expect(budgeted.port.faults.map((f) => f.fault), `window ${window} ms`).toEqual(free.port.faults.map((f) => f.fault));
      expect(snapshot(budgeted, 0)).toEqual(snapshot(free, 0));
    }
  });
});

describe("work a register read leaves undone waits for the next entry", () => {
  test("a copy started, then one short read after 1 ms of clock: the next long entry (a poll) finishes it with no new clock time", () => {
    const size = 1 << 20; // 131 072 cycles at 8 bytes a cycle: well within 1 ms at 1 GHz
    const src = 0x100000;
    const dst = 0x300000;
    const budget = new FakeBudget(0.001, 0.004); // a register read: a few looks, at most a few 16 KiB batches
    const t = budgetRig(budget);
    t.put(PROG, memcpyProgram(src, dst, size, { event: 1 }));
    t.put(src, Uint8Array.from({ length: size }, (_, i) => (i * 13 + 5) & 0xff));
    start(t, 2, PROG);
    t.clock.advance(1);
    expect(chState(t, 2)).toBe(STATE.EXECUTING); // the read's window ended with most of the copy to do
    expect(t.r(R.DAR(2))).toBeLessThan(dst + size);
    // A poll: a long window, and not a cycle of new clock. Dropped work would leave the copy where it was.
    budget.windowMs = 1000;
    t.dmac.advance();
    expect(chState(t, 2)).toBe(STATE.STOPPED);
    expect(t.r(R.DAR(2))).toBe(dst + size);
    expect(Buffer.from(t.port.mem.subarray(dst, dst + size)).equals(Buffer.from(t.port.mem.subarray(src, src + size)))).toBe(true);
    expect(t.dmac.lagMs).toBe(0);
  });

  test("work owed beyond HOLD_OVER_MS is dropped: a read after a whole second of a forever loop holds only that much", () => {
    const budget = new FakeBudget(0.001, 0.004);
    const t = budgetRig(budget);
    t.put(PROG, fifoForever().bytes);
    start(t, 0, PROG);
    t.clock.advance(1000);
    t.r(R.CSR(0));
    // A second of clock, a few µs of work: all but HOLD_OVER_MS of it dropped (and reported).
    expect(t.dmac.lagMs).toBeGreaterThan(1000 - HOLD_OVER_MS - 1);
    expect(t.dmac.lagMs).toBeLessThan(1000 - HOLD_OVER_MS + 0.01);
    expect(budget.lagMs).toBeCloseTo(t.dmac.lagMs, 6);
  });
});

/** Registers a test compares between the fast-forward and the slow path. */
function snapshot(t: Rig, ch: number): number[] {
  return [R.CSR(ch), R.CPC(ch), R.SAR(ch), R.DAR(ch), R.CCR(ch), R.LC0(ch), R.LC1(ch)].map((o) => t.r(o));
}

/** Programs whose loop moves no data: a forever and a counted one, with additions, moves and barriers. */
const PURE: Record<string, number[]> = {
  "forever: NOP; ADDH SAR; ADNH DAR": [...I.movSar(0x100), ...I.movDar(0x200), ...I.nop(), ...I.addh(0, 0x30), ...I.adnh(1, 0xfff0), ...I.lpfe(0, 7)],
  "forever: a lone DMALPEND": [...I.nop(), ...I.lpfe(0, 0)],
  "counted 20 x 200 (lc1 inner), MOV SAR then ADDH, barriers, MOV CCR": [
    ...I.lp(0, 20),
    ...I.lp(1, 200),
    ...I.movSar(0x4000),
    ...I.addh(0, 8),
    ...I.rmb(),
    ...I.addh(1, 4),
    ...I.wmb(),
    ...I.movCcr(ccr(4, 4, true)),
    ...I.lpend(1, 20),
    ...I.lpend(0, 24),
    ...I.sev(2),
    ...I.end(),
  ],
};

describe("loops that move no data are fast-forwarded", () => {
  for (const [name, program] of Object.entries(PURE)) {
    test(`${name}: the same registers as the slow path after every tick`, () => {
      const fast = rig();
      const slow = rig({ fastPath: false });
      for (const t of [fast, slow]) {
        t.put(PROG, program);
        t.port.logging = true;
        start(t, 3, PROG);
      }
      // Uneven ticks, so batches end at every point of a pass.
      for (let i = 0; i < 120; i++) {
        const ms = (0.00007 + (i % 7) * 0.00013) * (1 + (i % 3)); // 70..2600 cycles
        fast.tick(ms);
        slow.tick(ms);
        expect(snapshot(fast, 3)).toEqual(snapshot(slow, 3));
      }
      expect(fast.r(R.INT_EVENT_RIS)).toBe(slow.r(R.INT_EVENT_RIS));
      // The same instruction fetches (line fills), in the same order: the fast-forward left the cache as passes do.
      expect(fast.port.log).toEqual(slow.port.log);
    });
  }

  test("a second of board clock on a forever ADDH loop is computed, not stepped: SAR moves by the passes' additions", () => {
    const t = rig({ maxInstructionsPerAdvance: 2 ** 31 });
    // DMAMOV SAR 0; then forever { DMAADDH SAR, 3; DMANOP } — 3 cycles per pass.
    t.put(PROG, [...I.movSar(0), ...I.addh(0, 3), ...I.nop(), ...I.lpfe(0, 4)]);
    start(t, 0, PROG);
    const before = t.r(R.SAR(0));
    t.tick(1000); // 10^9 cycles: a third of that in passes (SAR stays below 2^32)
    const delta = t.r(R.SAR(0)) - before;
    expect(delta % 3).toBe(0);
    // 10^9 cycles / 3 per pass, give or take the partial passes at either end.
    expect(Math.abs(delta / 3 - 1e9 / 3)).toBeLessThanOrEqual(2);
    expect(chState(t, 0)).toBe(STATE.EXECUTING);
    expect(t.dmac.lagMs).toBe(0);
  });
});
