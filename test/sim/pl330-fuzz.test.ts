// Fuzzing the PL330 model with a few thousand random programs — raw random bytes and random mixes of valid (and some
// invalid) instructions on several channels, with random debug commands, INTEN values and peripheral requests between
// steps — under a step bound: nothing throws, nothing hangs, and after every step the fault state is consistent (FSRC
// bit iff the channel is Faulting/Faulting-completing, FTR set iff faulting, irq_abort iff any fault, irq[N] =
// INTMIS[N] = RIS & INTEN), and a debug DMAKILL of everything always brings the DMAC back to idle.
import { describe, expect, test } from "bun:test";
import { debug, FakePort, I, prng, R, rig, US, type Rig } from "../helpers/sim-pl330.ts";

const VALID_STATES = new Set([0x0, 0x1, 0x4, 0x5, 0x7, 0x8, 0x9, 0xe, 0xf]);

function checkInvariants(t: Rig, where: string): void {
  const fsrc = t.r(R.FSRC);
  const channels = t.dmac.config.channels;
  for (let n = 0; n < channels; n++) {
    const state = t.r(R.CSR(n)) & 0xf;
    const faulting = state === 0xe || state === 0xf;
    expect({ where, n, state, valid: VALID_STATES.has(state) }).toEqual({ where, n, state, valid: true });
    expect({ where, n, fsrcBit: ((fsrc >>> n) & 1) === 1, ftrSet: t.r(R.FTR(n)) !== 0 }).toEqual({ where, n, fsrcBit: faulting, ftrSet: faulting });
  }
  expect(fsrc >>> channels).toBe(0);
  const dsr = t.r(R.DSR) & 0xf;
  expect({ where, dsr: [0, 1, 4, 0xf].includes(dsr), fsrd: t.r(R.FSRD), ftrd: t.r(R.FTRD) !== 0 }).toEqual({
    where,
    dsr: true,
    fsrd: dsr === 0xf ? 1 : 0,
    ftrd: dsr === 0xf,
  });
  const anyFault = fsrc !== 0 || t.r(R.FSRD) !== 0;
  expect({ where, abort: t.irq.level(0) }).toEqual({ where, abort: anyFault });
  const ris = t.r(R.INT_EVENT_RIS), inten = t.r(R.INTEN), mis = t.r(R.INTMIS);
  expect(mis).toBe((ris & inten) >>> 0);
  for (let e = 0; e < 8; e++) expect({ where, e, line: t.irq.level(1 + e) }).toEqual({ where, e, line: ((mis >>> e) & 1) === 1 });
}

/** A random instruction, mostly valid, with operands that sometimes point at trouble. */
function randomInsn(rnd: () => number, maxBack: number): number[] {
  const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const addr = () => pick([0x10000, 0x20000, 0x30000 + Math.floor(rnd() * 64), 0x7f000, 0xfff00, 0x200000, Math.floor(rnd() * 2 ** 32)]);
  const small = () => Math.floor(rnd() * 40);
  const ccrValue = () => (Math.floor(rnd() * 2 ** 32) & 0x0fffffff & ~((rnd() < 0.7 ? 0x700 : 0) | (rnd() < 0.7 ? 0x1c00000 : 0))) | (rnd() < 0.8 ? 0x00800200 : 0);
  switch (Math.floor(rnd() * 24)) {
    case 0: return I.movSar(addr());
    case 1: return I.movDar(addr());
    case 2: return I.movCcr(ccrValue());
    case 3: case 4: return I.ld();
    case 5: case 6: return I.st();
    case 7: return pick([I.lds(), I.ldb(), I.sts(), I.stb(), I.stz(), I.rmb(), I.wmb(), I.nop()]);
    case 8: return I.lp(rnd() < 0.5 ? 0 : 1, 1 + Math.floor(rnd() * 8));
    case 9: return I.lpend(rnd() < 0.5 ? 0 : 1, Math.floor(rnd() * (maxBack + 1)));
    case 10: return rnd() < 0.2 ? I.lpfe(1, Math.floor(rnd() * (maxBack + 1))) : I.nop();
    case 11: return I.sev(small());
    case 12: return I.wfe(small() % 12, rnd() < 0.3);
    case 13: return I.wfp(pick(["single", "burst", "periph"] as const), small());
    case 14: return pick([I.ldp(rnd() < 0.5, small()), I.stp(rnd() < 0.5, small()), I.flushp(small())]);
    case 15: return I.addh(rnd() < 0.5 ? 0 : 1, Math.floor(rnd() * 0x10000));
    case 16: return I.adnh(rnd() < 0.5 ? 0 : 1, Math.floor(rnd() * 0x10000));
    case 17: return I.go(Math.floor(rnd() * 8), 0x1000, rnd() < 0.5);
    case 18: return [pick([0x06, 0x0a, 0x3a, 0x2a, 0x33, 0xff, 0x21, 0x37, 0x29, 0x2b])];
    case 19: return I.end();
    case 20: return I.kill();
    default: return I.nop();
  }
}

function randomProgram(rnd: () => number): number[] {
  if (rnd() < 0.3) return Array.from({ length: 48 }, () => Math.floor(rnd() * 256));
  const p: number[] = [];
  const n = 4 + Math.floor(rnd() * 20);
  for (let i = 0; i < n; i++) p.push(...randomInsn(rnd, p.length));
  if (rnd() < 0.8) p.push(...I.end());
  return p;
}

describe("PL330 fuzz", () => {
  test("3000 random programs: no exception, bounded work, consistent fault state, DMAKILL always recovers", () => {
    const rnd = prng(0x330);
    const port = new FakePort(1 << 20);
    for (const page of [0x8, 0x7f, 0xff]) port.unmapped.add(page); // 0x8000: programs at 0x7FF0 run into it
    port.readOnly.add(0x20);
    for (let run = 0; run < 3000; run++) {
      port.mem.fill(0, 0, 0x8000);
      const options = { events: 12, peripherals: 8, mfifoLines: 32, maxInstructionsPerAdvance: 4000, watchdogCycles: 300, eventsNonSecure: rnd() < 0.9 ? 0xfff : 0xff0 };
      const t = rig(options, { port });
      const channels = 1 + Math.floor(rnd() * 3);
      for (let c = 0; c < channels; c++) t.put(0x1000 + c * 0x800, randomProgram(rnd));
      if (rnd() < 0.3) t.put(0x7ff0, randomProgram(rnd).slice(0, 20)); // straddles into the unmapped page 0x7F
      t.w(R.INTEN, Math.floor(rnd() * 4096));
      for (let c = 0; c < channels; c++) {
        debug(t, I.go(c, rnd() < 0.1 ? 0x7ff0 : 0x1000 + c * 0x800, rnd() < 0.9));
        t.tick(US);
      }
      for (let step = 0; step < 12; step++) {
        const roll = rnd();
        if (roll < 0.1) debug(t, I.sev(Math.floor(rnd() * 12)), rnd() < 0.5 ? undefined : Math.floor(rnd() * 8));
        else if (roll < 0.15) debug(t, I.kill(), Math.floor(rnd() * channels));
        else if (roll < 0.2) t.dmac.assertPeripheralRequest(Math.floor(rnd() * 8), rnd() < 0.5 ? "single" : "burst");
        else if (roll < 0.25) t.w(R.INTCLR, Math.floor(rnd() * 4096));
        else if (roll < 0.28) debug(t, [Math.floor(rnd() * 256), Math.floor(rnd() * 256), 0, 0x10, 0, 0], rnd() < 0.5 ? undefined : 0);
        t.tick(rnd() * 0.002);
        checkInvariants(t, `run ${run} step ${step}`);
      }
      // Recovery: kill the manager and every channel through the debug port.
      debug(t, I.kill());
      t.tick(US);
      for (let c = 0; c < 8; c++) {
        debug(t, I.kill(), c);
        t.tick(US);
      }
      t.tick(US);
      checkInvariants(t, `run ${run} after kill`);
      expect({ run, states: Array.from({ length: 8 }, (_, c) => t.r(R.CSR(c)) & 0xf), dsr: t.r(R.DSR) & 0xf, abort: t.irq.level(0) }).toEqual({
        run,
        states: [0, 0, 0, 0, 0, 0, 0, 0],
        dsr: 0,
        abort: false,
      });
      expect(JSON.parse(JSON.stringify(t.dmac.save())).version).toBe(1);
    }
  });
});
