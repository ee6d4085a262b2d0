// PL330 programs against pl330-smmu.md §1.4-§1.6, §1.9-§1.10: the dossier's 27-byte 4 KiB copy and its 1 MiB variant
// byte for byte, registers after completion, loop semantics, every data-movement rule (unaligned first beat, fixed
// bursts, repacking, endian swap, DMASTZ, 4 KiB chunks), bus attributes, events vs interrupts, peripherals, the
// virtual clock (busy states visible, no instant completion, a forever loop running until DMAKILL).
import { describe, expect, test } from "bun:test";
import { ccr, chState, debug, I, killChannel, R, rig, runUntil, start, US, type Rig } from "../helpers/sim-pl330.ts";

const PROG = 0x1000, SRC = 0x10000, DST = 0x20000;
const le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

function fill(t: Rig, at: number, n: number, seed = 1): void {
  for (let i = 0; i < n; i++) t.port.mem[at + i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
}
const same = (t: Rig, a: number, b: number, n: number) => Buffer.compare(t.port.mem.subarray(a, a + n), t.port.mem.subarray(b, b + n)) === 0;

describe("PL330 conformance programs (§1.10)", () => {
  test("the 27-byte 4096-byte copy on channel 0 / event 0: data, SAR/DAR/LC/CPC, CSR Stopped, RIS/INTMIS, irq until INTCLR", () => {
    const t = rig({ managerNonSecure: false });
    const program = [0xbc, 0x01, 0xf7, 0xc0, 0x3d, 0x00, 0xbc, 0x00, ...le(SRC), 0xbc, 0x02, ...le(DST), 0x22, 0x1f, 0x04, 0x08, 0x3c, 0x02, 0x34, 0x00, 0x00];
    expect(program.length).toBe(27);
    expect(program.slice(0, 6)).toEqual(I.movCcr(0x003dc0f7));
    t.put(PROG, program);
    fill(t, SRC, 4096);
    t.w(R.INTEN, 1);
    start(t, 0, PROG, false);
    expect(chState(t, 0)).toBe(1);
    runUntil(t, () => chState(t, 0) === 0, US);
    expect(same(t, SRC, DST, 4096)).toBe(true);
    expect(t.r(R.SAR(0))).toBe(SRC + 4096);
    expect(t.r(R.DAR(0))).toBe(DST + 4096);
    expect(t.r(R.CCR(0))).toBe(0x003dc0f7);
    expect(t.r(R.LC1(0))).toBe(0);
    expect(t.r(R.CPC(0))).toBe(PROG + 26); // stopped on its DMAEND
    expect(t.r(R.CSR(0))).toBe(0); // Stopped, secure
    expect(t.r(R.INT_EVENT_RIS)).toBe(1);
    expect(t.r(R.INTMIS)).toBe(1);
    expect(t.irq.level(1)).toBe(true);
    t.tick(1);
    expect(t.irq.level(1)).toBe(true); // level: stays high until INTCLR
    t.w(R.INTCLR, 1);
    expect([t.r(R.INT_EVENT_RIS), t.r(R.INTMIS), t.irq.level(1) ? 1 : 0]).toEqual([0, 0, 0]);
    expect(t.irq.level(0)).toBe(false);
  });

  test("the 1 MiB variant (LC0 x 32 around LC1 x 256): whole copy, both counters 0", () => {
    const t = rig({ managerNonSecure: false });
    const program = [...I.movCcr(0x003dc0f7), ...I.movSar(SRC), ...I.movDar(0x200000), 0x20, 0x1f, 0x22, 0xff, 0x04, 0x08, 0x3c, 0x02, 0x38, 0x06, 0x34, 0x00, 0x00];
    t.put(PROG, program);
    fill(t, SRC, 1 << 20, 3);
    t.w(R.INTEN, 1);
    start(t, 0, PROG, false);
    runUntil(t, () => chState(t, 0) === 0, 0.1);
    expect(same(t, SRC, 0x200000, 1 << 20)).toBe(true);
    expect([t.r(R.LC0(0)), t.r(R.LC1(0)), t.r(R.SAR(0)), t.r(R.CPC(0))]).toEqual([0, 0, SRC + (1 << 20), PROG + program.length - 1]);
    expect(t.r(R.INTMIS)).toBe(1);
  });

  test("the Non-secure form: DMAGO ns=1 and CCR 0x00BDC2F7 (prot bits 9/23); CNS reads 1 after completion", () => {
    const t = rig();
    t.put(PROG, [...I.movCcr(0x00bdc2f7), ...I.movSar(SRC), ...I.movDar(DST), ...I.lp(1, 32), 0x04, 0x08, ...I.lpend(1, 2), ...I.sev(0), ...I.end()]);
    fill(t, SRC, 4096);
    start(t, 0, PROG, true);
    runUntil(t, () => chState(t, 0) === 0, US);
    expect(same(t, SRC, DST, 4096)).toBe(true);
    expect(t.r(R.CSR(0))).toBe(1 << 21);
    expect(t.r(R.INT_EVENT_RIS)).toBe(1); // INTEN=0: an event, no interrupt
    expect(t.r(R.INTMIS)).toBe(0);
  });
});

describe("PL330 loops and registers", () => {
  test("DMALP writes iterations-1, DMALPEND tests before decrementing: the body runs exactly n times", () => {
    for (const n of [1, 2, 7, 256]) {
      const t = rig();
      t.put(PROG, [...I.movSar(0), ...I.lp(0, n), ...I.addh(0, 3), ...I.lpend(0, 3), ...I.end()]);
      start(t, 0, PROG);
      runUntil(t, () => chState(t, 0) === 0, US);
      expect(t.r(R.SAR(0))).toBe(3 * n);
      expect(t.r(R.LC0(0))).toBe(0);
    }
  });

  test("DMALP loads the counter visibly; mid-loop LC counts down", () => {
    const t = rig({ cyclesPerMs: 1000 }); // 1 cycle per microsecond
    t.put(PROG, [...I.lp(1, 100), ...I.nop(), ...I.lpend(1, 1), ...I.end()]);
    start(t, 0, PROG); // the debug DMAGO
    t.tick(US);
    expect(t.r(R.LC1(0))).toBe(99);
    t.tick(20 * US); // ten passes of DMANOP; DMALPEND
    expect(t.r(R.LC1(0))).toBe(89);
    expect(chState(t, 0)).toBe(1);
  });

  test("DMAADDH adds, DMAADNH adds a negative value (r1p0+; undefined on r0p0)", () => {
    const t = rig();
    t.put(PROG, [...I.movSar(0x1000), ...I.movDar(0x10), ...I.addh(0, 0xffff), ...I.adnh(1, 0xfff0), ...I.end()]);
    start(t, 0, PROG);
    t.tick(US);
    expect(t.r(R.SAR(0))).toBe(0x1000 + 0xffff);
    expect(t.r(R.DAR(0))).toBe(0); // 0x10 + (0xFFFF0000 | 0xFFF0) wraps to 0
    const old = rig({ revision: "r0p0" });
    old.put(PROG, [...I.adnh(0, 1), ...I.end()]);
    start(old, 0, PROG);
    old.tick(US);
    expect(old.r(R.FTR(0))).toBe(1);
  });

  test("channel registers keep their values across DMAGO", () => {
    const t = rig();
    t.put(PROG, [...I.movSar(0x1234), ...I.movDar(0x5678), ...I.movCcr(0x00800201), ...I.lp(0, 9), ...I.lpend(0, 0), ...I.end()]);
    start(t, 0, PROG);
    t.tick(US);
    t.put(0x2000, I.end());
    start(t, 0, 0x2000);
    t.tick(US);
    expect([t.r(R.SAR(0)), t.r(R.DAR(0)), t.r(R.CCR(0)), t.r(R.LC0(0))]).toEqual([0x1234, 0x5678, 0x00800201, 0]);
  });

  test("a DMALPFE forever loop keeps running (Executing) until a debug DMAKILL", () => {
    const t = rig();
    t.put(PROG, [...I.nop(), ...I.nop(), ...I.lpfe(1, 2), ...I.end()]);
    start(t, 0, PROG);
    for (let i = 0; i < 20; i++) t.tick(0.05);
    expect(chState(t, 0)).toBe(1);
    expect(t.dmac.nextEventAtMs()).toBeDefined();
    killChannel(t, 0);
    expect(chState(t, 0)).toBe(0);
    expect(t.dmac.nextEventAtMs()).toBeUndefined();
  });

  test("DMAKILL from the channel's own program: Killing, then Stopped; DMAEND: Completing, then Stopped", () => {
    const t = rig({ cyclesPerMs: 1000 }); // 1 cycle per microsecond
    t.put(PROG, I.kill());
    t.put(0x2000, I.end());
    debug(t, I.go(0, PROG, true));
    t.tick(US); // debug instruction
    t.tick(US); // DMAKILL
    expect(chState(t, 0)).toBe(8);
    t.tick(US);
    expect(chState(t, 0)).toBe(0);
    debug(t, I.go(0, 0x2000, true));
    t.tick(2 * US);
    expect(chState(t, 0)).toBe(9);
    expect(t.r(R.CPC(0))).toBe(0x2000);
    t.tick(US);
    expect(chState(t, 0)).toBe(0);
  });

  test("DMARMB / DMAWMB / DMAFLUSHP: At barrier (5) for a turn, CPC already past the barrier", () => {
    const t = rig({ cyclesPerMs: 1000 });
    t.put(PROG, [...I.rmb(), ...I.flushp(1), ...I.end()]);
    debug(t, I.go(0, PROG, true));
    t.tick(US);
    t.tick(US);
    expect([chState(t, 0), t.r(R.CPC(0))]).toEqual([5, PROG + 1]);
    t.tick(US);
    expect(chState(t, 0)).toBe(1);
    t.tick(US);
    expect([chState(t, 0), t.r(R.CPC(0))]).toEqual([5, PROG + 3]);
    t.tick(3 * US);
    expect(chState(t, 0)).toBe(0);
  });
});

describe("PL330 data movement (§1.6)", () => {
  test("an unaligned incrementing first beat moves only up to the beat boundary; SAR ends aligned", () => {
    const t = rig();
    fill(t, SRC, 64);
    t.put(PROG, [...I.movCcr(ccr(4, 4, true)), ...I.movSar(SRC + 3), ...I.movDar(DST + 3), ...I.ld(), ...I.st(), ...I.end()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) === 0, US);
    expect(t.r(R.SAR(0))).toBe(SRC + 16);
    expect(t.r(R.DAR(0))).toBe(DST + 16);
    expect(same(t, SRC + 3, DST + 3, 13)).toBe(true);
    expect(t.port.mem[DST + 16]).toBe(0);
    expect(t.port.mem[DST + 2]).toBe(0);
  });

  test("fixed-address bursts: the source repeats its beat, SAR stays; a fixed destination keeps the last beat", () => {
    const t = rig();
    t.put(SRC, [1, 2, 3, 4]);
    // src fixed 4x4-byte beats -> 16 bytes in the MFIFO; dst incrementing 1x16.
    const c = (2 << 1) | (3 << 4) | (1 << 14) | (4 << 15) | (1 << 9) | (1 << 23);
    t.put(PROG, [...I.movCcr(c), ...I.movSar(SRC), ...I.movDar(DST), ...I.ld(), ...I.st(), ...I.end()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) === 0, US);
    expect(t.r(R.SAR(0))).toBe(SRC);
    expect([...t.port.mem.subarray(DST, DST + 17)]).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 0]);
    // dst fixed (2 x 2-byte beats) from an incrementing 4-byte load: what stays is the last beat.
    const u = rig();
    u.put(SRC, [9, 8, 7, 6]);
    const d = 1 | (1 << 1) | (1 << 4) | (1 << 15) | (1 << 18) | (1 << 9) | (1 << 23);
    u.put(PROG, [...I.movCcr(d), ...I.movSar(SRC), ...I.movDar(DST), ...I.ld(), ...I.st(), ...I.end()]);
    start(u, 0, PROG);
    runUntil(u, () => chState(u, 0) === 0, US);
    expect(u.r(R.DAR(0))).toBe(DST);
    expect([...u.port.mem.subarray(DST, DST + 3)]).toEqual([7, 6, 0]);
  });

  test("the MFIFO repacks: four 4-byte loads drained by one 16-byte store", () => {
    const t = rig();
    fill(t, SRC, 16, 5);
    const c = 1 | (2 << 1) | (1 << 14) | (4 << 15) | (1 << 9) | (1 << 23); // src 1x4 B, dst 1x16 B
    t.put(PROG, [...I.movCcr(c), ...I.movSar(SRC), ...I.movDar(DST), 4, 4, 4, 4, 8, ...I.end()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) === 0, US);
    expect(same(t, SRC, DST, 16)).toBe(true);
  });

  test("endian swap within 32-bit units (CCR[30:28] = 2), applied once between load and store", () => {
    const t = rig();
    t.put(SRC, [1, 2, 3, 4, 5, 6, 7, 8]);
    t.put(PROG, [...I.movCcr(ccr(4, 2, true, 2 << 28)), ...I.movSar(SRC), ...I.movDar(DST), ...I.ld(), ...I.st(), ...I.end()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) === 0, US);
    expect([...t.port.mem.subarray(DST, DST + 8)]).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
  });

  test("DMASTZ writes a burst of zeros, advances DAR and consumes no MFIFO data", () => {
    const t = rig();
    t.port.mem.fill(0xee, DST, DST + 64);
    fill(t, SRC, 32);
    t.put(PROG, [...I.movCcr(ccr(8, 4, true)), ...I.movSar(SRC), ...I.movDar(DST), ...I.ld(), ...I.stz(), ...I.st(), ...I.end()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) === 0, US);
    expect([...t.port.mem.subarray(DST, DST + 32)]).toEqual(new Array(32).fill(0));
    expect(same(t, SRC, DST + 32, 32)).toBe(true);
    expect(t.r(R.DAR(0))).toBe(DST + 64);
  });

  test("DMAEND discards loaded-but-unstored MFIFO data: the channel stops instead of stalling", () => {
    const t = rig();
    t.put(PROG, [...I.movCcr(ccr(8, 16, true)), ...I.movSar(SRC), ...I.ld(), ...I.end()]);
    start(t, 0, PROG);
    t.tick(US);
    expect(t.dmac.mfifoBytes(0)).toBe(0);
    t.tick(US);
    expect(chState(t, 0)).toBe(0);
    expect(t.r(R.FSRC)).toBe(0);
  });

  test("bus attributes: data accesses carry CCR prot bits, fetches are privileged instruction reads, stream = channel", () => {
    const t = rig();
    t.port.logging = true;
    const prot = (1 << 8) | (1 << 9) | (1 << 22) | (1 << 23) | (1 << 24); // src privileged NS; dst privileged NS instruction
    t.put(PROG, [...I.movCcr(ccr(8, 2, false, prot)), ...I.movSar(SRC), ...I.movDar(DST), ...I.ld(), ...I.st(), ...I.end()]);
    start(t, 3, PROG);
    runUntil(t, () => chState(t, 3) === 0, US);
    const fetch = t.port.log.find((a) => a.instruction && !a.write);
    expect(fetch).toEqual({ address: BigInt(PROG), length: 32, write: false, instruction: true, privileged: true, nonSecure: true, streamId: 3 });
    const rd = t.port.log.find((a) => !a.instruction && !a.write);
    expect(rd).toEqual({ address: BigInt(SRC), length: 16, write: false, instruction: false, privileged: true, nonSecure: true, streamId: 3 });
    const wr = t.port.log.find((a) => a.write);
    expect(wr).toEqual({ address: BigInt(DST), length: 16, write: true, instruction: true, privileged: true, nonSecure: true, streamId: 3 });
  });

  test("a burst crossing a 4 KiB page is two transactions (burst ∩ page)", () => {
    const t = rig();
    t.port.logging = true;
    fill(t, SRC, 0x2000);
    t.put(PROG, [...I.movCcr(ccr(8, 16, true)), ...I.movSar(SRC + 0x1000 - 40), ...I.movDar(DST + 0x1000 - 8), ...I.ld(), ...I.st(), ...I.end()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) === 0, US);
    const data = t.port.log.filter((a) => !a.instruction).map((a) => [Number(a.address), a.length, a.write]);
    expect(data).toEqual([
      [SRC + 0x1000 - 40, 40, false],
      [SRC + 0x1000, 88, false],
      [DST + 0x1000 - 8, 8, true],
      [DST + 0x1000, 120, true],
    ]);
    expect(same(t, SRC + 0x1000 - 40, DST + 0x1000 - 8, 128)).toBe(true);
  });

  test("the manager boots from CR2 and its fetches use stream ID = number of channels", () => {
    const t = rig({ bootAddress: 0x3000, channels: 4 });
    t.port.logging = true;
    t.put(0x3000, [...I.go(1, PROG, true), ...I.end()]);
    t.put(PROG, I.end());
    t.tick(US);
    t.tick(US);
    expect(t.port.log[0]).toMatchObject({ address: 0x3000n, instruction: true, privileged: true, nonSecure: true, streamId: 4 });
    expect(t.r(R.CPC(1))).toBe(PROG);
    expect(t.r(R.DSR) & 0xf).toBe(0);
    expect(t.r(R.DPC)).toBe(0x3006);
  });
});

describe("PL330 virtual clock", () => {
  test("a program that reads the destination right after DBGCMD sees nothing; partway it sees part; then all", () => {
    const t = rig();
    const size = 256 * 1024;
    fill(t, SRC, size);
    t.put(PROG, [...I.movCcr(ccr(8, 16, true)), ...I.movSar(SRC), ...I.movDar(0x100000), ...I.lp(0, 8), ...I.lp(1, 256), 4, 8, ...I.lpend(1, 2), ...I.lpend(0, 6), ...I.end()]);
    debug(t, I.go(0, PROG, true));
    expect(t.port.mem[0x100000]).toBe(0);
    expect(t.r(R.DBGSTATUS)).toBe(1);
    t.tick(0.02);
    const dar = t.r(R.DAR(0));
    expect(dar).toBeGreaterThan(0x100000);
    expect(dar).toBeLessThan(0x100000 + size);
    expect(same(t, SRC, 0x100000, dar - 0x100000)).toBe(true);
    expect(t.port.mem[dar]).toBe(0);
    runUntil(t, () => chState(t, 0) === 0);
    expect(same(t, SRC, 0x100000, size)).toBe(true);
  });

  test("cycles: a 128-byte burst on a 64-bit bus takes 16 cycles, other instructions 1", () => {
    const t = rig({ cyclesPerMs: 1000 }); // 1 us per cycle
    t.put(PROG, [...I.movCcr(ccr(8, 16, true)), ...I.ld(), ...I.nop(), ...I.end()]);
    debug(t, I.go(0, PROG, true));
    t.tick(US); // the debug DMAGO
    t.tick(US); // DMAMOV CCR
    expect(t.r(R.CPC(0))).toBe(PROG + 6);
    t.tick(US); // DMALD issues (SAR advances) and owes 15 more cycles
    expect(t.r(R.CPC(0))).toBe(PROG + 7);
    t.tick(14 * US);
    expect(t.r(R.CPC(0))).toBe(PROG + 7);
    t.tick(2 * US); // debt paid, DMANOP
    expect(t.r(R.CPC(0))).toBe(PROG + 8);
  });

  test("nextEventAtMs: undefined when idle, due while a channel runs, undefined while it waits for an event", () => {
    const t = rig();
    expect(t.dmac.nextEventAtMs()).toBeUndefined();
    t.put(PROG, [...I.nop(), ...I.wfe(2), ...I.end()]);
    debug(t, I.go(0, PROG, true));
    expect(t.dmac.nextEventAtMs()).toBeCloseTo(t.clock.nowMs() + 0.000001, 9);
    t.tick(US);
    expect(t.dmac.nextEventAtMs()).toBeUndefined();
    expect(chState(t, 0)).toBe(4);
  });
});

describe("PL330 events and interrupts (§1.9)", () => {
  test("INTEN=0: DMASEV releases a waiting DMAWFE and leaves RIS clear; CSR shows the wakeup event while waiting", () => {
    const t = rig();
    t.put(PROG, [...I.wfe(3), ...I.movSar(0x77), ...I.end()]);
    start(t, 1, PROG);
    t.tick(US);
    expect(t.r(R.CSR(1)) & 0x1ff).toBe(4 | (3 << 4));
    expect(t.r(R.CPC(1))).toBe(PROG);
    debug(t, I.sev(3));
    t.tick(US);
    t.tick(US);
    expect(t.r(R.SAR(1))).toBe(0x77);
    expect(t.r(R.INT_EVENT_RIS)).toBe(0);
  });

  test("a DMASEV before the DMAWFE is remembered in RIS; the DMAWFE consumes it and proceeds", () => {
    const t = rig();
    debug(t, I.sev(4));
    t.tick(US);
    expect(t.r(R.INT_EVENT_RIS)).toBe(1 << 4);
    expect(t.r(R.INTMIS)).toBe(0);
    expect(t.irq.level(5)).toBe(false);
    t.put(PROG, [...I.wfe(4), ...I.end()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) === 0, US);
    expect(t.r(R.INT_EVENT_RIS)).toBe(0);
  });

  test("one DMASEV releases every thread waiting on the event", () => {
    const t = rig();
    t.put(PROG, [...I.wfe(6), ...I.end()]);
    start(t, 0, PROG);
    start(t, 1, PROG);
    t.tick(US);
    expect([chState(t, 0), chState(t, 1)]).toEqual([4, 4]);
    debug(t, I.sev(6));
    runUntil(t, () => chState(t, 0) === 0 && chState(t, 1) === 0, US);
    expect(t.r(R.INT_EVENT_RIS)).toBe(0);
  });

  test("INTEN=1: DMASEV raises irq[N] (line 1+N) until INTCLR; a DMAWFE on it never completes", () => {
    const t = rig();
    t.w(R.INTEN, 1 << 2);
    t.put(PROG, [...I.wfe(2), ...I.end()]);
    start(t, 0, PROG);
    debug(t, I.sev(2));
    t.tick(US);
    t.tick(1);
    expect(chState(t, 0)).toBe(4);
    expect([t.r(R.INT_EVENT_RIS), t.r(R.INTMIS)]).toEqual([4, 4]);
    expect(t.irq.level(3)).toBe(true);
    expect(t.irq.levels.filter(([i]) => i !== 3)).toEqual([]);
    t.w(R.INTCLR, 1 << 5); // not an interrupt-mode bit: no effect
    expect(t.r(R.INTMIS)).toBe(4);
    t.w(R.INTCLR, 1 << 2);
    expect(t.irq.level(3)).toBe(false);
    expect(chState(t, 0)).toBe(4);
  });

  test("INTCLR does nothing to an event-mode bit; INTEN writes re-evaluate the lines", () => {
    const t = rig();
    debug(t, I.sev(1));
    t.tick(US);
    t.w(R.INTCLR, 2);
    expect(t.r(R.INT_EVENT_RIS)).toBe(2);
    t.w(R.INTEN, 2);
    expect(t.irq.level(2)).toBe(true);
    expect(t.r(R.INTMIS)).toBe(2);
    t.w(R.INTEN, 0);
    expect(t.irq.level(2)).toBe(false);
  });

  test("events 8 and up have no line in the split layout but show in RIS/INTMIS; the combined layout ORs everything", () => {
    const t = rig();
    t.w(R.INTEN, 1 << 9);
    debug(t, I.sev(9));
    t.tick(US);
    expect(t.r(R.INTMIS)).toBe(1 << 9);
    expect(t.irq.levels).toEqual([]);
    const c = rig({ irqLayout: "combined" });
    expect(c.dmac.irqLines).toBe(1);
    c.w(R.INTEN, 1 << 9);
    debug(c, I.sev(9));
    c.tick(US);
    expect(c.irq.level(0)).toBe(true);
    c.w(R.INTCLR, 1 << 9);
    expect(c.irq.level(0)).toBe(false);
    debug(c, [0xff]); // a manager fault: the abort part of the OR
    c.tick(US);
    expect(c.irq.level(0)).toBe(true);
  });

  test("DMAWFE with invalidate: a program rewritten while the thread waits is refetched", () => {
    const t = rig();
    t.put(PROG, [...I.wfe(0, true), ...I.movSar(0x11), ...I.end()]);
    start(t, 0, PROG);
    t.tick(US);
    t.put(PROG + 2, I.movSar(0x22));
    debug(t, I.sev(0));
    runUntil(t, () => chState(t, 0) === 0, US);
    expect(t.r(R.SAR(0))).toBe(0x22);
    // Without invalidate the cached line is used: the rewrite is not seen (the cache is not coherent).
    const u = rig();
    u.put(PROG, [...I.wfe(0, false), ...I.movSar(0x11), ...I.end()]);
    start(u, 0, PROG);
    u.tick(US);
    u.put(PROG + 2, I.movSar(0x22));
    debug(u, I.sev(0));
    runUntil(u, () => chState(u, 0) === 0, US);
    expect(u.r(R.SAR(0))).toBe(0x11);
  });
});

describe("PL330 peripheral requests", () => {
  test("DMAWFP blocks (state 7, wakeup = periph, dmawfp bits) until assertPeripheralRequest; conditional forms follow request_type", () => {
    const t = rig();
    fill(t, SRC, 64);
    t.put(PROG, [
      ...I.movCcr(ccr(4, 1, true)), ...I.movSar(SRC), ...I.movDar(DST),
      ...I.wfp("periph", 5), ...I.lds(), ...I.ldb(), ...I.sts(), ...I.stb(),
      ...I.wfp("burst", 6), ...I.lds(), ...I.ldb(), ...I.sts(), ...I.stb(), ...I.end(),
    ]);
    start(t, 0, PROG);
    t.tick(1);
    expect(t.r(R.CSR(0)) & 0xc1ff).toBe(7 | (5 << 4) | (1 << 15));
    t.dmac.assertPeripheralRequest(5, "single");
    t.tick(US);
    expect(t.r(R.CSR(0)) & 0xc1ff).toBe(7 | (6 << 4) | (1 << 14));
    expect(t.r(R.SAR(0))).toBe(SRC + 4); // only the S forms ran
    t.dmac.assertPeripheralRequest(6, "single"); // the B form sets Burst whatever the request's kind
    runUntil(t, () => chState(t, 0) === 0, US);
    expect(t.r(R.SAR(0))).toBe(SRC + 8);
    expect(same(t, SRC, DST, 8)).toBe(true);
  });

  test("a request asserted before the DMAWFP is latched; DMAFLUSHP drops it; DMALDP/DMASTP move data", () => {
    const t = rig();
    fill(t, SRC, 16);
    t.dmac.assertPeripheralRequest(2, "burst");
    t.dmac.assertPeripheralRequest(3, "burst");
    t.put(PROG, [...I.movCcr(ccr(4, 2, true)), ...I.movSar(SRC), ...I.movDar(DST), ...I.wfp("periph", 2), ...I.ldp(true, 2), ...I.stp(true, 2), ...I.flushp(3), ...I.wfp("single", 3), ...I.end()]);
    start(t, 0, PROG);
    t.tick(1);
    expect(same(t, SRC, DST, 8)).toBe(true);
    expect(chState(t, 0)).toBe(7);
    expect(() => t.dmac.assertPeripheralRequest(32, "single")).toThrow(RangeError);
  });
});
