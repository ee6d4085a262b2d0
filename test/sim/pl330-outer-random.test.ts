// Random nested-loop memcpy programs (loop counts, unrolling, which counter is inner, a DMANOP between the loops,
// i-cache shapes, a faulting page on either side, a small instruction bound) run with and without the fast path:
// registers, MFIFO, faults, saved state and memory must be equal after every step. SEED and TRIALS override the
// defaults (a failing seed is printed). From the issue-16 review, which ran 260 trials.
import { expect, test } from "bun:test";
import { ccr, fillPattern, I, observable, prng, rig, start } from "../helpers/sim-pl330.ts";

const PROG = 0x1000, SRC = 0x100000, DST = 0x600000;
function prog(o: { nops: number; unroll: number; inner: number; outer: number; nopBetween: boolean; innerLc: 0 | 1 }): number[] {
  const body: number[] = [];
  for (let i = 0; i < o.unroll; i++) body.push(...I.ld(), ...I.st());
  const p: number[] = [...I.movCcr(ccr(8, 16, true)), ...I.movSar(SRC), ...I.movDar(DST)];
  for (let i = 0; i < o.nops; i++) p.push(...I.nop());
  const outerLc = (1 - o.innerLc) as 0 | 1;
  p.push(...I.lp(outerLc, o.outer));
  const outerStart = p.length;
  if (o.nopBetween) p.push(...I.nop());
  p.push(...I.lp(o.innerLc, o.inner));
  const innerStart = p.length;
  p.push(...body);
  p.push(...I.lpend(o.innerLc, p.length - innerStart));
  p.push(...I.lpend(outerLc, p.length - outerStart));
  p.push(...I.sev(0), ...I.end());
  return p;
}
test("random outer-loop shapes: fast = slow", { timeout: 120_000 }, () => {
  const rnd = prng(Number(process.env.SEED ?? 12345));
  let fails = 0;
  let ran = 0;
  for (let trial = 0; trial < Number(process.env.TRIALS ?? 60); trial++) {
    const lineBytes = [4, 8, 16, 32][Math.floor(rnd() * 4)]!;
    const lines = 1 + Math.floor(rnd() * 8);
    const o = { nops: Math.floor(rnd() * 9), unroll: 1 + Math.floor(rnd() * 3), inner: 2 + Math.floor(rnd() * 40), outer: 2 + Math.floor(rnd() * 20), nopBetween: rnd() < 0.2, innerLc: (rnd() < 0.5 ? 0 : 1) as 0 | 1 };
    const bytes = o.unroll * o.inner * o.outer * 128;
    const faultPage = rnd() < 0.4 ? Math.floor(rnd() * Math.ceil(bytes / 4096)) : -1;
    const faultSide = rnd() < 0.5 ? "src" : "dst";
    const maxI = rnd() < 0.3 ? 50 + Math.floor(rnd() * 500) : undefined;
    const options = { icacheLineBytes: lineBytes, icacheLines: lines, ...(maxI ? { maxInstructionsPerAdvance: maxI } : {}) };
    const fast = rig({ ...options, fastPath: true });
    const slow = rig({ ...options, fastPath: false });
    const p = prog(o);
    for (const t of [fast, slow]) {
      fillPattern(t, SRC, bytes);
      if (faultPage >= 0) { if (faultSide === "dst") t.port.readOnly.add(DST / 4096 + faultPage); else t.port.unmapped.add(SRC / 4096 + faultPage); }
      t.put(PROG, p);
      start(t, 0, PROG);
    }
    const steps = 30;
    const maxStep = rnd() * 0.05 + 0.001;
    let ok = true;
    for (let i = 0; i < steps && ok; i++) {
      const dt = Math.round(rnd() * maxStep * 1e6) / 1e6;
      for (const t of [fast, slow]) t.tick(dt);
      const a = observable(fast), b = observable(slow);
      if (JSON.stringify(a) !== JSON.stringify(b) || Buffer.compare(fast.port.mem, slow.port.mem) !== 0) {
        ok = false;
        fails++;
        const diffRegs = a.regs.map((v, k) => (v !== b.regs[k] ? `${(k * 4).toString(16)}:${v.toString(16)}/${b.regs[k]!.toString(16)}` : "")).filter(Boolean);
        console.log("DIVERGE trial", trial, JSON.stringify({ options, o, faultPage, faultSide, step: i, diffRegs: diffRegs.slice(0, 8), stateEq: a.state === b.state, faultsEq: JSON.stringify(a.faults) === JSON.stringify(b.faults) }));
        if (a.state !== b.state) { console.log(" fast", a.state.slice(0, 1500)); console.log(" slow", b.state.slice(0, 1500)); }
      }
    }
    ran++;
  }
  expect(ran).toBeGreaterThan(0);
  expect(fails).toBe(0);
});
