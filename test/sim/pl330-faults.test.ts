// PL330 faults against pl330-smmu.md §1.3, §1.7-§1.8: each fault type with its FTR bit, FSRC/FSRD, the state it leaves
// (precise: Faulting at once with CPC on the instruction; imprecise: Faulting-completing then Faulting), irq_abort
// while anything faults, and DMAKILL through the debug interface as the only way out.
import { describe, expect, test } from "bun:test";
import { ccr, chState, debug, I, killChannel, R, rig, runUntil, start, US, type Rig } from "../helpers/sim-pl330.ts";

const PROG = 0x1000, SRC = 0x10000, DST = 0x20000;
const FAULTING = 0xf, FAULTING_COMPLETING = 0xe;

/** Run `bytes` on channel 0 until it faults; returns the rig. */
function faultWith(bytes: number[], options?: Record<string, unknown>, setup?: (t: Rig) => void): Rig {
  const t = rig(options);
  t.put(PROG, bytes);
  setup?.(t);
  start(t, 0, PROG);
  runUntil(t, () => chState(t, 0) === FAULTING, US, 10);
  return t;
}

/** The fault is visible everywhere it should be, and DMAKILL via the debug port clears it. */
function expectFaultAndRecover(t: Rig, ftr: number, cpc: number): void {
  expect(t.r(R.FTR(0)) >>> 0).toBe(ftr >>> 0);
  expect(t.r(R.FSRC)).toBe(1);
  expect(t.r(R.CPC(0))).toBe(cpc);
  expect(t.irq.level(0)).toBe(true);
  t.tick(1);
  expect(chState(t, 0)).toBe(FAULTING); // nothing but DMAKILL gets it out
  killChannel(t, 0);
  t.tick(US);
  expect(chState(t, 0)).toBe(0);
  expect([t.r(R.FSRC), t.r(R.FTR(0))]).toEqual([0, 0]);
  expect(t.irq.level(0)).toBe(false);
}

describe("PL330 precise faults", () => {
  test("undefined opcode 0xFF: undef_instr, CPC on it", () => {
    const t = faultWith([...I.nop(), 0xff]);
    expectFaultAndRecover(t, 1, PROG + 1);
  });

  test("manager-only DMAGO in a channel: undef_instr", () => {
    expectFaultAndRecover(faultWith([...I.go(1, PROG, true)]), 1, PROG);
  });

  test("invalid variants 0x06 / 0x0A / 0x3A: operand_invalid", () => {
    for (const op of [0x06, 0x0a, [0x3a, 0]]) {
      expectFaultAndRecover(faultWith([...I.nop(), ...[op].flat()]), 2, PROG + 1);
    }
  });

  test("operand checks: event/periph low bits, event >= events, periph >= peripherals, DMAMOV rd > 2", () => {
    const cases: number[][] = [
      [0x34, (1 << 3) | 1], // DMASEV low bits
      [0x36, 4], // DMAWFE bit 2
      [0x34, 16 << 3], // event 16 of 16
      [0x30, 4 << 3], // periph 4 of 4
      [0x35, (1 << 3) | 2], // DMAFLUSHP low bits
      [0xbc, 3, 0, 0, 0, 0], // DMAMOV rd 3
      [0xbc, 8, 0, 0, 0, 0], // DMAMOV byte1[7:3]
    ];
    for (const c of cases) expectFaultAndRecover(faultWith(c, { events: 16, peripherals: 4 }), 2, PROG);
  });

  test("0x29 / 0x2B decode as DMASTPS / DMASTPB (the overlap rule), not as loop ends", () => {
    const t = rig();
    for (let i = 0; i < 8; i++) t.port.mem[SRC + i] = i + 1;
    t.put(PROG, [...I.movCcr(ccr(8, 1, true)), ...I.movSar(SRC), ...I.movDar(DST), ...I.ld(), 0x29, 0x00, ...I.end()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) === 0, US, 1);
    expect([...t.port.mem.subarray(DST, DST + 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]); // request_type Single after DMAGO
  });

  test("st_data_unavailable: a DMAST with too few loaded bytes, CPC on the DMAST, DAR unchanged", () => {
    const t = faultWith([...I.movCcr(ccr(8, 2, true)), ...I.movDar(DST), ...I.st()]);
    expectFaultAndRecover(t, 1 << 13, PROG + 12);
    expect(t.r(R.DAR(0))).toBe(DST);
  });

  test("instr_fetch_err: the program's page is not executable for the device; the fault address is the line", () => {
    const t = faultWith([...I.nop(), ...I.nop()], undefined, (t) => t.port.noFetch.add(PROG / 4096));
    expectFaultAndRecover(t, 1 << 16, PROG);
    expect(t.port.faults[0]?.a).toMatchObject({ address: BigInt(PROG), length: 32, instruction: true, privileged: true });
  });

  test("instr_fetch_err for an instruction straddling into an unmapped line", () => {
    const at = 0x2000 - 3;
    const t = rig();
    t.put(at, I.movSar(1).slice(0, 3));
    t.port.unmapped.add(2);
    start(t, 0, at);
    t.tick(US);
    expect(t.r(R.FTR(0))).toBe(1 << 16);
    expect(t.r(R.CPC(0))).toBe(at);
    expect(Number(t.port.faults[0]?.fault.address)).toBe(0x2000);
  });

  test("no DMA port (noiommu board): every access is a bus error, so the first fetch faults", () => {
    const t = rig(undefined, { port: null });
    start(t, 0, PROG);
    expect(t.r(R.FTR(0))).toBe(1 << 16);
  });

  test("ch_rdwr_err: a Non-secure channel programming a secure CCR (DMAMOV CCR) — and loading with a stale one", () => {
    expectFaultAndRecover(faultWith([...I.movCcr(0x003dc0f7)]), 1 << 7, PROG);
    const t = rig({ managerNonSecure: false });
    t.put(PROG, [...I.movCcr(0x003dc0f7), ...I.end()]);
    start(t, 0, PROG, false);
    t.tick(US);
    t.put(0x2000, I.ld());
    start(t, 0, 0x2000, true); // CNS=1, CCR still secure
    t.tick(US);
    expect(t.r(R.FTR(0))).toBe(1 << 7);
  });

  test("ch_evnt_err / ch_periph_err: a Non-secure channel using a secure event or peripheral", () => {
    expectFaultAndRecover(faultWith(I.sev(1), { eventsNonSecure: 0x1 }), 1 << 5, PROG);
    expectFaultAndRecover(faultWith(I.wfp("single", 2), { peripheralsNonSecure: 0x3 }), 1 << 6, PROG);
  });
});

describe("PL330 manager faults", () => {
  test("dmago_err: a Non-secure manager's DMAGO with ns=0, flagged dbg_instr; FSRD, DSR Faulting, irq_abort", () => {
    const t = rig();
    t.put(PROG, I.end());
    debug(t, I.go(0, PROG, false));
    t.tick(US);
    expect(t.r(R.FTRD) >>> 0).toBe((1 << 4) | (1 << 30));
    expect(t.r(R.FSRD)).toBe(1);
    expect(t.r(R.DSR) & 0xf).toBe(FAULTING);
    expect(chState(t, 0)).toBe(0);
    expect(t.irq.level(0)).toBe(true);
    debug(t, I.go(0, PROG, true)); // a Faulting manager only takes DMAKILL
    t.tick(US);
    expect(chState(t, 0)).toBe(0);
    debug(t, I.kill());
    t.tick(US);
    expect([t.r(R.FTRD), t.r(R.FSRD), t.r(R.DSR) & 0xf]).toEqual([0, 0, 0]);
    expect(t.irq.level(0)).toBe(false);
    start(t, 0, PROG);
    expect(t.r(R.FSRD)).toBe(0);
  });

  test("DMAGO to a channel that is not Stopped faults the manager with operand_invalid", () => {
    const t = rig();
    t.put(PROG, [...I.nop(), ...I.lpfe(0, 1)]);
    start(t, 0, PROG);
    debug(t, I.go(0, 0x2000, true));
    t.tick(US);
    expect(t.r(R.FTRD) >>> 0).toBe(2 | (1 << 30));
    expect(t.r(R.CPC(0))).not.toBe(0x2000);
  });

  test("DMAGO byte1[7:3] != 0 or a channel beyond the configuration: operand_invalid", () => {
    const t = rig({ channels: 2 });
    debug(t, [0xa2, 0x08, 0, 0, 0, 0]);
    t.tick(US);
    expect(t.r(R.FTRD) >>> 0).toBe(2 | (1 << 30));
    debug(t, I.kill());
    t.tick(US);
    debug(t, I.go(3, PROG, true));
    t.tick(US);
    expect(t.r(R.FTRD) >>> 0).toBe(2 | (1 << 30));
  });

  test("mgr_evnt_err: a Non-secure manager signalling a secure event", () => {
    const t = rig({ eventsNonSecure: 0xfe });
    debug(t, I.sev(0));
    t.tick(US);
    expect(t.r(R.FTRD) >>> 0).toBe((1 << 5) | (1 << 30));
  });

  test("a boot program's undefined instruction faults the manager with DPC on it, without dbg_instr", () => {
    const t = rig({ bootAddress: 0x3000 });
    t.put(0x3000, [...I.nop(), 0x04]); // DMALD is channel-only
    t.tick(US);
    expect(t.r(R.FTRD)).toBe(1);
    expect(t.r(R.DPC)).toBe(0x3001);
  });
});

describe("PL330 imprecise faults", () => {
  test("data_read_err: an unmapped source page; Faulting-completing, then Faulting; CPC past the DMALD, SAR advanced", () => {
    const t = rig({ cyclesPerMs: 1000 }); // 1 cycle per microsecond
    t.port.unmapped.add(SRC / 4096);
    t.put(PROG, [...I.movCcr(ccr(8, 16, true)), ...I.movSar(SRC), ...I.ld(), ...I.nop()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) !== 1, US, 1);
    expect(chState(t, 0)).toBe(FAULTING_COMPLETING);
    expect(t.r(R.FSRC)).toBe(1);
    expect(t.irq.level(0)).toBe(true);
    runUntil(t, () => chState(t, 0) === FAULTING, US, 1);
    expect(t.r(R.SAR(0))).toBe(SRC + 128);
    expect(t.r(R.FSRC)).toBe(1);
    expectFaultAndRecover(t, 1 << 18, PROG + 13);
  });

  test("data_write_err: a read-only destination page; the chunk before the page is written, nothing after", () => {
    const t = rig();
    for (let i = 0; i < 128; i++) t.port.mem[SRC + i] = 0x80 + i;
    t.port.readOnly.add(DST / 4096 + 1);
    t.put(PROG, [...I.movCcr(ccr(8, 16, true)), ...I.movSar(SRC), ...I.movDar(DST + 4096 - 64), ...I.ld(), ...I.st(), ...I.end()]);
    start(t, 0, PROG);
    runUntil(t, () => chState(t, 0) === FAULTING, US, 1);
    expect([...t.port.mem.subarray(DST + 4096 - 64, DST + 4096)]).toEqual([...t.port.mem.subarray(SRC, SRC + 64)]);
    expect(t.port.mem[DST + 4096]).toBe(0);
    expect(t.r(R.DAR(0))).toBe(DST + 4096 + 64);
    expect(t.port.faults.map((f) => [Number(f.fault.address), f.fault.kind])).toEqual([[DST + 4096, "permission"]]);
    expectFaultAndRecover(t, 1 << 17, PROG + 20);
  });

  test("mfifo_err: one channel loading more than the whole MFIFO", () => {
    const t = faultWith([...I.movCcr(ccr(8, 16, true)), ...I.movSar(SRC), ...I.ld(), ...I.ld(), ...I.end()], { mfifoLines: 24 });
    expectFaultAndRecover(t, 1 << 12, PROG + 14);
  });

  test("lock-up: two channels starving each other of MFIFO room; the watchdog aborts both with lockup_err", () => {
    const t = rig({ mfifoLines: 16, watchdogCycles: 500 }); // 128 bytes of MFIFO
    // Both wait for event 7, so one DMASEV lets them run side by side.
    const p = [...I.wfe(7), ...I.movCcr(ccr(8, 8, true)), ...I.movSar(SRC), ...I.ld(), ...I.ld(), ...I.st(), ...I.st(), ...I.end()];
    t.put(PROG, p);
    start(t, 0, PROG);
    start(t, 1, PROG);
    debug(t, I.sev(7));
    t.tick(1);
    for (const ch of [0, 1]) {
      expect(chState(t, ch)).toBe(FAULTING);
      expect(t.r(R.FTR(ch)) >>> 0).toBe(2 ** 31);
      expect(t.r(R.CPC(ch))).toBe(PROG + 15); // the DMALD that never issued
    }
    expect(t.r(R.FSRC)).toBe(3);
    expect(t.irq.level(0)).toBe(true);
    killChannel(t, 0);
    killChannel(t, 1);
    expect(t.irq.level(0)).toBe(false);
  });

  test("lock-up with WD.wd_irq_only = 1: only irq_abort; killing one channel lets the other finish and drops the line", () => {
    const t = rig({ mfifoLines: 16, watchdogCycles: 500 });
    t.w(R.WD, 1);
    for (let i = 0; i < 128; i++) t.port.mem[SRC + i] = i;
    const p = (dst: number) => [...I.wfe(7), ...I.movCcr(ccr(8, 8, true)), ...I.movSar(SRC), ...I.movDar(dst), ...I.ld(), ...I.ld(), ...I.st(), ...I.st(), ...I.end()];
    t.put(PROG, p(DST));
    t.put(0x3000, p(0x30000));
    start(t, 0, PROG);
    start(t, 1, 0x3000);
    debug(t, I.sev(7));
    t.tick(0.0001); // 100 cycles: both stalled, the watchdog counting
    expect([chState(t, 0), chState(t, 1), t.irq.level(0) ? 1 : 0]).toEqual([1, 1, 0]);
    const due = t.dmac.nextEventAtMs() ?? 0; // the watchdog's deadline: within its 500 cycles from the stall
    expect(due).toBeGreaterThan(t.clock.nowMs());
    expect(due).toBeLessThanOrEqual(t.clock.nowMs() + 500 / 1e6);
    t.tick(1);
    expect([chState(t, 0), chState(t, 1)]).toEqual([1, 1]);
    expect([t.r(R.FSRC), t.r(R.FTR(0)), t.r(R.FTR(1))]).toEqual([0, 0, 0]);
    expect(t.irq.level(0)).toBe(true);
    expect(t.dmac.nextEventAtMs()).toBeUndefined();
    killChannel(t, 1);
    runUntil(t, () => chState(t, 0) === 0, US, 1);
    expect(t.irq.level(0)).toBe(false);
    expect([...t.port.mem.subarray(DST, DST + 128)]).toEqual([...t.port.mem.subarray(SRC, SRC + 128)]);
  });

  test("a fault on one channel leaves the others running", () => {
    const t = rig();
    t.put(PROG, [0xff]);
    t.put(0x2000, [...I.nop(), ...I.lpfe(0, 1)]);
    start(t, 1, 0x2000);
    start(t, 0, PROG);
    t.tick(1);
    expect([chState(t, 0), chState(t, 1)]).toEqual([FAULTING, 1]);
  });
});
