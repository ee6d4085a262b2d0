// The PL031 RTC model against the ARM TRM (DDI 0224) and what the real kernel + QEMU answered in the lab
// (docs kernel-lab.md): ID bytes, a 1 Hz counter loaded through LR, the match alarm latching RIS and driving the level
// line exactly at the match second, ICR/IMSC, and state that keeps counting and catches up across processes.
import { describe, expect, test } from "bun:test";
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import type { IrqSink } from "../../src/sim/devices/device-model.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { Pl031 } from "../../src/sim/devices/pl031.ts";

const DR = 0x00, MR = 0x04, LR = 0x08, CR = 0x0c, IMSC = 0x10, RIS = 0x14, MIS = 0x18, ICR = 0x1c;

/** A whole second on the epoch clock (2023-11-14T22:13:20Z). */
const T = 1_700_000_000_000;

const spec: DeviceSpec = {
  name: "9010000.pl031",
  bus: "amba",
  compatible: ["arm,pl031", "arm,primecell"],
  regions: [{ base: 0x9010000n, size: 0x1000 }],
  irqs: [{ trigger: "level", hwirq: 34 }],
  periphid: 0x00141031,
  model: "pl031",
};

class RecordingSink implements IrqSink {
  readonly levels: [number, boolean][] = [];
  readonly pulses: number[] = [];
  setLevel(index: number, asserted: boolean): void {
    this.levels.push([index, asserted]);
  }
  pulse(index: number): void {
    this.pulses.push(index);
  }
}

function rig(startMs = T) {
  const clock = new ManualClock(startMs);
  const irq = new RecordingSink();
  const rtc = new Pl031(spec, { clock, irq });
  const r = (offset: number) => Number(rtc.read(0, offset, 4));
  const w = (offset: number, value: number) => rtc.write(0, offset, 4, BigInt(value));
  return { clock, irq, rtc, r, w };
}

describe("PL031 identification", () => {
  test("PeriphID/PCellID low bytes at 0xFE0..0xFFC are 31 10 14 00 0d f0 05 b1, as the lab read them", () => {
    const { r } = rig();
    const lab = [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
    expect(lab.map((_, i) => r(0xfe0 + 4 * i))).toEqual(lab);
  });

  test("a byte read of an ID register gives the ID byte", () => {
    const { rtc } = rig();
    expect(rtc.read(0, 0xfe0, 1)).toBe(0x31n);
    expect(rtc.read(0, 0xffc, 1)).toBe(0xb1n);
  });
});

describe("PL031 counter", () => {
  test("boots counting wall-clock seconds since the epoch, with CR's start bit set", () => {
    const { r } = rig();
    expect(r(DR)).toBe(1_700_000_000);
    expect(r(CR)).toBe(1);
  });

  test("DR advances once per second of the clock: +2500 ms gives +2", () => {
    const { clock, r } = rig();
    const before = r(DR);
    clock.advance(2500);
    expect(r(DR)).toBe(before + 2);
  });

  test("writing LR loads the counter, LR reads back, and counting continues from it", () => {
    const { clock, r, w } = rig();
    w(LR, 1000);
    expect(r(DR)).toBe(1000);
    expect(r(LR)).toBe(1000);
    clock.advance(3000);
    expect(r(DR)).toBe(1003);
  });

  test("a load keeps the 1 Hz clock's phase: the next increment comes at the next whole second", () => {
    // DDI 0224: the counter runs on CLK1HZ edges and RTCLR only applies an offset to it.
    const { clock, r, w } = rig(T + 300);
    w(LR, 500);
    clock.set(T + 999);
    expect(r(DR)).toBe(500);
    clock.set(T + 1000);
    expect(r(DR)).toBe(501);
  });

  test("writing 0 to CR does not stop the RTC; writes to DR are ignored", () => {
    const { clock, r, w } = rig();
    w(CR, 0);
    w(DR, 5);
    expect(r(CR)).toBe(1);
    clock.advance(1000);
    expect(r(DR)).toBe(1_700_000_001);
  });

  test("the counter wraps at 32 bits", () => {
    const { clock, r, w } = rig();
    w(LR, 0xffffffff);
    clock.advance(1000);
    expect(r(DR)).toBe(0);
  });
});

describe("PL031 alarm", () => {
  test("match = data + 2 with IMSC = 1: no irq before, level asserted exactly at the match second", () => {
    const { clock, irq, rtc, r, w } = rig();
    const data = r(DR);
    w(MR, data + 2);
    w(IMSC, 1);
    expect(rtc.nextEventAtMs()).toBe(T + 2000);

    clock.set(T + 1999);
    rtc.advance();
    expect(rtc.irqAsserted(0)).toBe(false);
    expect(r(RIS)).toBe(0);
    expect(irq.levels).toEqual([]);

    clock.set(T + 2000);
    rtc.advance();
    expect(rtc.irqAsserted(0)).toBe(true);
    expect(irq.levels).toEqual([[0, true]]);
    // The lab read RIS = MIS = 1 after the eventfd fired.
    expect(r(RIS)).toBe(1);
    expect(r(MIS)).toBe(1);
    expect(r(DR)).toBe(data + 2);
    expect(rtc.nextEventAtMs()).toBeUndefined();
  });

  test("the alarm falls on the 1 Hz edge even when the match is set mid-second", () => {
    const { rtc, r, w } = rig(T + 300);
    w(MR, r(DR) + 2);
    expect(rtc.nextEventAtMs()).toBe(T + 2000);
  });

  test("ICR clears RIS and deasserts the line; the alarm does not fire again while DR stays at MR", () => {
    const { clock, irq, rtc, r, w } = rig();
    w(MR, r(DR) + 1);
    w(IMSC, 1);
    clock.advance(1000);
    rtc.advance();
    expect(rtc.irqAsserted(0)).toBe(true);

    w(ICR, 1);
    expect(r(RIS)).toBe(0);
    expect(r(MIS)).toBe(0);
    expect(rtc.irqAsserted(0)).toBe(false);
    expect(irq.levels).toEqual([
      [0, true],
      [0, false],
    ]);
    clock.advance(500);
    rtc.advance();
    expect(r(RIS)).toBe(0);
  });

  test("writing 0 to ICR leaves RIS set; ICR reads 0", () => {
    const { clock, rtc, r, w } = rig();
    w(MR, r(DR) + 1);
    clock.advance(1000);
    rtc.advance();
    w(ICR, 0);
    expect(r(RIS)).toBe(1);
    expect(r(ICR)).toBe(0);
  });

  test("IMSC masks the line but not RIS; unmasking asserts, masking deasserts", () => {
    const { clock, irq, rtc, r, w } = rig();
    w(MR, r(DR) + 1);
    clock.advance(1000);
    rtc.advance();
    expect(r(RIS)).toBe(1);
    expect(r(MIS)).toBe(0);
    expect(rtc.irqAsserted(0)).toBe(false);
    expect(irq.levels).toEqual([]);

    w(IMSC, 1);
    expect(rtc.irqAsserted(0)).toBe(true);
    expect(r(MIS)).toBe(1);
    w(IMSC, 0);
    expect(rtc.irqAsserted(0)).toBe(false);
    expect(irq.levels).toEqual([
      [0, true],
      [0, false],
    ]);
  });

  test("writing MR equal to the current count latches at once", () => {
    const { rtc, r, w } = rig();
    w(IMSC, 1);
    w(MR, r(DR));
    expect(r(RIS)).toBe(1);
    expect(rtc.irqAsserted(0)).toBe(true);
  });

  test("a match already passed is next due after the 32-bit wrap", () => {
    const { rtc, r, w } = rig();
    w(MR, r(DR) - 1);
    expect(rtc.nextEventAtMs()).toBe(T + (2 ** 32 - 1) * 1000);
  });

  test("catch-up: a match that fell due while no process ran is latched in the next one", () => {
    const first = rig();
    first.w(MR, first.r(DR) + 10);
    first.w(IMSC, 1);
    const state = JSON.parse(JSON.stringify(first.rtc.save()));

    const later = rig(T + 60_000);
    later.rtc.restore(state);
    expect(later.rtc.dirty).toBe(false);
    later.rtc.advance();
    expect(later.r(RIS)).toBe(1);
    expect(later.rtc.irqAsserted(0)).toBe(true);
    expect(later.irq.levels).toEqual([[0, true]]);
    expect(later.rtc.dirty).toBe(true);
  });
});

describe("PL031 state", () => {
  test("save/restore round trip keeps the registers and the counter running", () => {
    const first = rig();
    first.w(LR, 100);
    first.w(MR, 200);
    first.w(IMSC, 1);
    const state = JSON.parse(JSON.stringify(first.rtc.save()));

    const later = rig(T + 5000);
    later.rtc.restore(state);
    expect(later.r(DR)).toBe(105);
    expect(later.r(LR)).toBe(100);
    expect(later.r(MR)).toBe(200);
    expect(later.r(IMSC)).toBe(1);
    expect(later.rtc.nextEventAtMs()).toBe(T + 100_000);
  });

  test("restore drives the line to a restored asserted level", () => {
    const first = rig();
    first.w(IMSC, 1);
    first.w(MR, first.r(DR));
    const later = rig();
    later.rtc.restore(first.rtc.save());
    expect(later.irq.levels).toEqual([[0, true]]);
    expect(later.rtc.irqAsserted(0)).toBe(true);
  });

  test("save() is plain JSON", () => {
    const { rtc } = rig();
    const state = rtc.save();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  test("restore refuses what save() did not produce", () => {
    const { rtc } = rig();
    expect(() => rtc.restore(null)).toThrow(TypeError);
    expect(() => rtc.restore({ ...rtc.save(), mr: "x" })).toThrow(TypeError);
    expect(() => rtc.restore({ ...rtc.save(), version: 2 })).toThrow(TypeError);
  });

  test("dirty: set when never saved, by writes and by a time-driven latch; not by reads or quiet time", () => {
    const { clock, rtc, r, w } = rig();
    expect(rtc.dirty).toBe(true);
    rtc.markSaved();
    expect(rtc.dirty).toBe(false);
    r(DR);
    r(RIS);
    clock.advance(3000);
    rtc.advance();
    expect(rtc.dirty).toBe(false);

    w(MR, r(DR) + 1);
    expect(rtc.dirty).toBe(true);
    rtc.markSaved();
    clock.advance(1000);
    rtc.advance();
    expect(r(RIS)).toBe(1);
    expect(rtc.dirty).toBe(true);
  });

  test("reset: RTC stopped at 0 with every register 0, until CR's start bit is set", () => {
    const { clock, rtc, r, w } = rig();
    w(IMSC, 1);
    w(MR, r(DR));
    rtc.reset();
    expect(rtc.irqAsserted(0)).toBe(false);
    expect([DR, MR, LR, CR, IMSC, RIS, MIS].map(r)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    clock.advance(5000);
    expect(r(DR)).toBe(0);
    expect(rtc.nextEventAtMs()).toBeUndefined();
    w(CR, 1);
    clock.advance(2000);
    expect(r(CR)).toBe(1);
    expect(r(DR)).toBe(2);
  });
});

describe("PL031 access widths", () => {
  test("narrow reads return the addressed bytes of the register", () => {
    const { rtc, w } = rig();
    w(LR, 0x12345678);
    expect(rtc.read(0, DR, 2)).toBe(0x5678n);
    expect(rtc.read(0, DR + 2, 2)).toBe(0x1234n);
    expect(rtc.read(0, DR + 1, 1)).toBe(0x56n);
    expect(rtc.read(0, DR + 3, 1)).toBe(0x12n);
  });

  test("a 64-bit read is two 32-bit registers, low offset in the low word", () => {
    const { rtc, w } = rig();
    w(LR, 0x11223344);
    w(MR, 0x55667788);
    expect(rtc.read(0, DR, 8)).toBe(0x5566778811223344n);
  });

  test("a narrow write reaches the register with the other bytes zero", () => {
    const { rtc, r } = rig();
    rtc.write(0, LR, 1, 0x7fn);
    expect(r(LR)).toBe(0x7f);
    rtc.write(0, LR + 1, 1, 0x01n);
    expect(r(LR)).toBe(0x100);
  });

  test("a 64-bit write sets both registers", () => {
    const { rtc, r } = rig();
    rtc.write(0, MR, 8, 0x0000000a_00000001n);
    expect(r(MR)).toBe(1);
    expect(r(LR)).toBe(10);
  });

  test("unassigned offsets read 0 and ignore writes", () => {
    const { rtc, r, w } = rig();
    for (const offset of [0x20, 0x100, 0xfdc]) {
      w(offset, 0xffffffff);
      expect(r(offset)).toBe(0);
    }
    expect(rtc.read(0, 0xfff, 1)).toBe(0n);
  });
});
