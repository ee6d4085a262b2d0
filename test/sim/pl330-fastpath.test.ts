// The memcpy fast path changes nothing observable: the same programs run with modelOptions.fastPath on and off, over
// the same random sequence of clock steps, and after every step all registers, memory, MFIFO occupancy, interrupt
// lines, the IOMMU's fault records and the whole saved state (cycle credit, round robin, watchdog) are identical —
// including faults at the exact burst where translation fails, overlapping buffers, loop counters mid-loop and the
// per-advance work bound. A last test shows the fast path is really taken (far fewer DmaPort calls than bursts).
import { describe, expect, test } from "bun:test";
import { ccr, debug, FakePort, fillPattern, I, memcpyProgram, observable, prng, R, rig, start, US, type Rig } from "../helpers/sim-pl330.ts";

const PROG = 0x1000, SRC = 0x100000, DST = 0x600000;

interface Scenario {
  options?: Record<string, unknown>;
  /** Prepare memory and the port (same for both runs). */
  setup(t: Rig): void;
  /** Start the DMA (same for both runs). */
  go(t: Rig): void;
  /** Something to do between steps (same for both runs), by step number. */
  poke?(t: Rig, step: number): void;
  steps?: number;
  maxStepMs?: number;
  /** The fast path must have been taken (false where channels mostly run side by side). */
  fast?: boolean;
}

function compare(s: Scenario, seed: number): void {
  const fast = rig({ ...s.options, fastPath: true });
  const slow = rig({ ...s.options, fastPath: false });
  for (const t of [fast, slow]) {
    t.port.logging = true;
    s.setup(t);
    s.go(t);
  }
  const rnd = prng(seed);
  const steps = s.steps ?? 40;
  for (let i = 0; i < steps; i++) {
    const dt = Math.round(rnd() * (s.maxStepMs ?? 0.3) * 1e6) / 1e6;
    for (const t of [fast, slow]) {
      s.poke?.(t, i);
      t.tick(dt);
    }
    const a = observable(fast);
    const b = observable(slow);
    expect({ step: i, ...a }).toEqual({ step: i, ...b });
    expect(Buffer.compare(fast.port.mem, slow.port.mem)).toBe(0);
  }
  // The comparison means something only if the fast path ran: it asks the port far less often.
  if (s.fast !== false) expect(fast.port.log.length).toBeLessThan(slow.port.log.length / 2);
}

describe("PL330 fast path = slow path", () => {
  test("the 27-byte 4 KiB copy (secure manager)", () => {
    compare(
      {
        options: { managerNonSecure: false },
        setup(t) {
          fillPattern(t, SRC, 4096);
          t.put(PROG, [...I.movCcr(0x003dc0f7), ...I.movSar(SRC), ...I.movDar(DST), 0x22, 0x1f, 0x04, 0x08, 0x3c, 0x02, 0x34, 0x00, 0x00]);
          t.w(R.INTEN, 1);
        },
        go: (t) => start(t, 0, PROG, false),
        maxStepMs: 0.0004,
        steps: 12,
      },
      1,
    );
  });

  test("1 MiB in LC0 x LC1 loops, 2 MiB unrolled x 8, 256 KiB r0p0 body", () => {
    for (const [size, o] of [
      [1 << 20, {}],
      [(2 << 20) + 24, { unroll: 8 }],
      [256 << 10, { barriers: true }],
    ] as const) {
      compare(
        {
          setup(t) {
            fillPattern(t, SRC, size);
            t.put(PROG, memcpyProgram(SRC, DST, size, o));
          },
          go: (t) => start(t, 0, PROG),
          maxStepMs: 0.05,
          steps: 30,
        },
        size,
      );
    }
  });

  test("a source page unmapped mid-copy: data_read_err at the exact burst, one IOMMU record", () => {
    compare(
      {
        setup(t) {
          fillPattern(t, SRC, 1 << 20);
          t.port.unmapped.add(SRC / 4096 + 37);
          t.put(PROG, memcpyProgram(SRC, DST, 1 << 20));
        },
        go: (t) => start(t, 0, PROG),
        maxStepMs: 0.02,
        steps: 30,
      },
      7,
    );
  });

  test("a read-only destination page mid-copy: data_write_err at the exact burst", () => {
    compare(
      {
        setup(t) {
          fillPattern(t, SRC, 1 << 20);
          t.port.readOnly.add(DST / 4096 + 100);
          t.put(PROG, memcpyProgram(SRC, DST, 1 << 20, { unroll: 4 }));
        },
        go: (t) => start(t, 0, PROG),
        maxStepMs: 0.02,
        steps: 30,
      },
      8,
    );
  });

  /** A 1 MiB copy (unrolled `unroll` times) with one bad page on one side, run with and without the fast path. */
  function compareFaultAt(page: number, side: "src" | "dst", unroll: number, maxStepMs: number, steps: number): void {
    compare(
      {
        setup(t) {
          fillPattern(t, SRC, 1 << 20);
          if (side === "dst") t.port.readOnly.add(DST / 4096 + page);
          else t.port.unmapped.add(SRC / 4096 + page);
          t.put(PROG, memcpyProgram(SRC, DST, 1 << 20, { unroll }));
        },
        go: (t) => start(t, 0, PROG),
        maxStepMs,
        steps,
      },
      page,
    );
  }

  test("faults inside an unrolled iteration (not at its first burst), on either side", () => {
    for (const [unroll, page, side] of [[3, 100, "dst"], [3, 101, "src"], [5, 77, "dst"], [7, 64, "src"]] as const) {
      compareFaultAt(page, side, unroll, 0.03, 25);
    }
  });

  test("a fault inside a later outer iteration of an LC0 x LC1 copy (batches spanning several outer iterations)", () => {
    // 1 MiB = 32 outer iterations of 256 inner passes: steps of up to 0.5 ms give batches over many outer iterations,
    // so the fault lands mid outer iteration (inner counter part-way) or right at the start of one.
    for (const [page, side, unroll] of [[150, "src", 1], [151, "dst", 1], [136, "src", 1], [200, "dst", 2]] as const) {
      compareFaultAt(page, side, unroll, 0.5, 12);
    }
  });

  test("nested loops the outer batch must not take: outer DMALPEND on the inner counter, or jumping elsewhere", () => {
    const body = [...I.ld(), ...I.st()];
    const same = [...I.lp(1, 40), ...I.lp(1, 200), ...body, ...I.lpend(1, 2), ...I.lpend(1, 6)]; // both on LC1
    const wide = [...I.lp(0, 20), ...I.nop(), ...I.lp(1, 100), ...body, ...I.lpend(1, 2), ...I.lpend(0, 7)]; // back to a DMANOP
    for (const loops of [same, wide]) {
      compare(
        {
          setup(t) {
            fillPattern(t, SRC, 1 << 20);
            t.put(PROG, [...I.movCcr(ccr(8, 16, true)), ...I.movSar(SRC), ...I.movDar(DST), ...loops, ...I.end()]);
          },
          go: (t) => start(t, 0, PROG),
          maxStepMs: 0.3,
          steps: 15,
        },
        loops.length,
      );
    }
  });

  test("a DMALPFE forever copy that runs into the end of the mapped space", () => {
    compare(
      {
        setup(t) {
          t.port.unmapped.add(SRC / 4096 + 300);
          fillPattern(t, SRC, 300 * 4096);
          t.put(PROG, [...I.movCcr(ccr(8, 16, true)), ...I.movSar(SRC), ...I.movDar(DST), ...I.ld(), ...I.st(), ...I.lpfe(0, 2), ...I.end()]);
        },
        go: (t) => start(t, 0, PROG),
        maxStepMs: 0.05,
        steps: 20,
      },
      9,
    );
  });

  test("overlapping source and destination (dst = src + 256) keep the burst-by-burst result", () => {
    compare(
      {
        setup(t) {
          fillPattern(t, SRC, 70000);
          t.put(PROG, memcpyProgram(SRC, SRC + 256, 65536));
        },
        go: (t) => start(t, 0, PROG),
        maxStepMs: 0.01,
        steps: 30,
      },
      10,
    );
  });

  test("two channels at once, a waiting third released mid-way, and a small per-advance work bound", () => {
    compare(
      {
        options: { maxInstructionsPerAdvance: 700 },
        fast: false,
        setup(t) {
          fillPattern(t, SRC, 512 << 10);
          t.put(PROG, memcpyProgram(SRC, DST, 256 << 10, { event: 0 }));
          t.put(0x2000, memcpyProgram(SRC + (256 << 10), DST + (256 << 10), 256 << 10, { event: 1 }));
          t.put(0x3000, [...I.wfe(5), ...memcpyProgram(SRC, 0xa00000, 128 << 10, { event: 2 })]);
          t.w(R.INTEN, 7);
        },
        go(t) {
          start(t, 0, PROG);
          start(t, 1, 0x2000);
          start(t, 2, 0x3000);
        },
        poke(t, step) {
          if (step === 10) debug(t, I.sev(5));
          if (step === 20) debug(t, I.kill(), 1);
        },
        maxStepMs: 0.03,
        steps: 40,
      },
      11,
    );
  });

  test("the per-advance work bound stops both paths at the same instruction", () => {
    for (const cap of [1001, 4096, 7777]) {
      compare(
        {
          options: { maxInstructionsPerAdvance: cap },
          setup(t) {
            fillPattern(t, SRC, 1 << 20);
            t.put(PROG, memcpyProgram(SRC, DST, 1 << 20, { unroll: 3 }));
          },
          go: (t) => start(t, 0, PROG),
          maxStepMs: 0.1,
          steps: 20,
        },
        cap,
      );
    }
  });

  test("many seeds of random step sizes over a 512 KiB copy", () => {
    for (let seed = 100; seed < 110; seed++) {
      compare(
        {
          setup(t) {
            fillPattern(t, SRC, 512 << 10);
            t.put(PROG, memcpyProgram(SRC, DST, 512 << 10, { unroll: (seed % 3) + 1 }));
          },
          go: (t) => start(t, 0, PROG),
          maxStepMs: 0.001 + (seed % 4) * 0.01,
          steps: 25,
        },
        seed,
      );
    }
  });
});

describe("PL330 fast path = slow path for loops larger than the instruction cache", () => {
  // Linux unrolls the body 123 times for copies of 2^23 bursts or more (1 GiB in 128-byte bursts): 246 bytes plus the
  // loop ends, more than the default 8 x 32-byte cache, so every pass refills lines from the bus.
  test("Linux's 123-pair body on the default cache, and a 40-pair body on a 2-line cache", () => {
    for (const [unroll, options] of [
      [123, {}],
      [40, { icacheLines: 2, icacheLineBytes: 16 }],
    ] as const) {
      compare(
        {
          options,
          setup(t) {
            fillPattern(t, SRC, unroll * 128 * 300);
            t.put(PROG, memcpyProgram(SRC, DST, unroll * 128 * 300, { unroll }));
          },
          go: (t) => start(t, 0, PROG),
          maxStepMs: 0.05,
          steps: 40,
        },
        unroll,
      );
    }
  });

  test("the loop's second page loses fetch permission mid-copy: instr_fetch_err at the same line fill", () => {
    const at = 0x1fc0; // the body crosses into page 2
    compare(
      {
        setup(t) {
          fillPattern(t, SRC, 123 * 128 * 300);
          t.put(at, memcpyProgram(SRC, DST, 123 * 128 * 300, { unroll: 123 }));
        },
        go: (t) => start(t, 0, at),
        poke(t, step) {
          if (step === 6) t.port.noFetch.add(2);
        },
        maxStepMs: 0.05,
        steps: 12,
      },
      21,
    );
  });

  /** Both rigs, stepped one cycle at a time (the slow path in both) until channel 0's PC is back at `head`. */
  function toLoopHead(rigs: Rig[], head: number, passes: number): void {
    for (let seen = 0, cycles = 0; seen < passes; cycles++) {
      if (cycles > 1e6) throw new Error("the loop head was never reached");
      const before = rigs.map((t) => t.r(R.CPC(0)));
      for (const t of rigs) t.tick(US / 1000);
      const after = rigs.map((t) => t.r(R.CPC(0)));
      expect(after[1]).toBe(after[0]!);
      if (after[0] === head && before[0] !== head) seen++;
    }
  }

  function expectSame(fast: Rig, slow: Rig, ticks: number, ms: number): void {
    for (let i = 0; i < ticks; i++) {
      fast.tick(ms);
      slow.tick(ms);
      expect({ tick: i, ...observable(fast) }).toEqual({ tick: i, ...observable(slow) });
      expect(Buffer.compare(fast.port.mem, slow.port.mem)).toBe(0);
    }
  }

  // Body at PROG + 22 (three DMAMOVs, DMALP lc0, DMALP lc1), 40 pairs, DMALPEND lc1 at PROG + 0x66.
  const HEAD = PROG + 22;
  const LAST_ST = PROG + 0x65;
  const SMALL_CACHE = { icacheLines: 2, icacheLineBytes: 16 };

  test("a cached loop line rewritten in memory: the passes that refill it run what memory holds", () => {
    const [fast, slow] = [true, false].map((fastPath) => rig({ ...SMALL_CACHE, fastPath }));
    for (const t of [fast!, slow!]) {
      t.port.logging = true;
      fillPattern(t, SRC, 40 * 128 * 300);
      t.put(PROG, memcpyProgram(SRC, DST, 40 * 128 * 300, { unroll: 40 }));
      start(t, 0, PROG);
    }
    // After a whole pass the cache holds the loop's last two lines; the next pass refills them after the first ones.
    toLoopHead([fast!, slow!], HEAD, 2);
    for (const t of [fast!, slow!]) t.put(LAST_ST, I.nop());
    expectSame(fast!, slow!, 6, 0.02);
  });

  test("a copy whose destination reaches its own loop lines mid-batch fetches what it wrote", () => {
    const [fast, slow] = [true, false].map((fastPath) => rig({ ...SMALL_CACHE, fastPath }));
    const from = 0x800000;
    const at = 0x10000;
    const lead = 4 * 40 * 128; // four passes of stores land below the program, the fifth lands on it
    for (const t of [fast!, slow!]) {
      t.port.logging = true;
      // What lands on the program is the program with its last DMAST turned into a DMANOP.
      const prog = memcpyProgram(from, at - lead, 40 * 128 * 300, { unroll: 40 });
      t.put(at, prog);
      t.put(from + lead, prog);
      t.put(from + lead + (LAST_ST - PROG), I.nop());
      start(t, 0, at);
    }
    toLoopHead([fast!, slow!], at + (HEAD - PROG), 1);
    expectSame(fast!, slow!, 6, 0.02);
  });
});

describe("PL330 fast path is taken", () => {
  test("a 4 MiB aligned copy reaches memory in page runs, not one DmaPort call per 128-byte burst", () => {
    const port = new FakePort();
    port.logging = true;
    const t = rig(undefined, { port });
    fillPattern(t, SRC, 4 << 20);
    t.put(PROG, memcpyProgram(SRC, DST, 4 << 20));
    start(t, 0, PROG);
    t.tick(5);
    expect(t.r(R.CSR(0)) & 0xf).toBe(0);
    expect(Buffer.compare(port.mem.subarray(DST, DST + (4 << 20)), port.mem.subarray(SRC, SRC + (4 << 20)))).toBe(0);
    const data = port.log.filter((a) => !a.instruction).length;
    expect(data).toBeLessThan((4 << 20) / 128 / 100);
    expect(US).toBeGreaterThan(0);
  });

  test("a 4 MiB copy in LC0 x LC1 loops is one batch: whole outer iterations are taken, not one batch per inner loop", () => {
    const port = new FakePort();
    port.logging = true;
    const t = rig(undefined, { port });
    fillPattern(t, SRC, 4 << 20);
    t.put(PROG, memcpyProgram(SRC, DST, 4 << 20)); // 128 outer iterations of 256 bursts
    start(t, 0, PROG);
    t.tick(5);
    expect(t.r(R.CSR(0)) & 0xf).toBe(0);
    expect(Buffer.compare(port.mem.subarray(DST, DST + (4 << 20)), port.mem.subarray(SRC, SRC + (4 << 20)))).toBe(0);
    // A few translations (a first batch started on the credit the start left, a burst of the slow path, then the
    // rest in one batch), where a batch per inner loop makes 2 x 128.
    const data = port.log.filter((a) => !a.instruction);
    expect(data.length).toBeLessThanOrEqual(8);
    expect(data.some((a) => a.length >= 2 << 20)).toBe(true);
  });
});
