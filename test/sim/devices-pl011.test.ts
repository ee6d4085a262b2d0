// The PL011 UART model against the ARM TRM (DDI 0183) and QEMU's `virt` console UART: PrimeCell ID, reset values of
// the register file (FR shows both FIFOs empty), transmitted bytes collected in `console`, the TX interrupt through
// IMSC/RIS/MIS/ICR on the one level line, and state that survives save/restore.
import { describe, expect, test } from "bun:test";
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import type { IrqSink } from "../../src/sim/devices/device-model.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { Pl011 } from "../../src/sim/devices/pl011.ts";

const DR = 0x00, RSR = 0x04, FR = 0x18, ILPR = 0x20, IBRD = 0x24, FBRD = 0x28, LCR_H = 0x2c, CR = 0x30;
const IFLS = 0x34, IMSC = 0x38, RIS = 0x3c, MIS = 0x40, ICR = 0x44, DMACR = 0x48;
const TXIM = 1 << 5;

const spec: DeviceSpec = {
  name: "9000000.pl011",
  bus: "amba",
  compatible: ["arm,pl011", "arm,primecell"],
  regions: [{ base: 0x9000000n, size: 0x1000 }],
  irqs: [{ trigger: "level", hwirq: 33 }],
  periphid: 0x00141011,
  console: "ttyAMA0",
  model: "pl011",
};

class RecordingSink implements IrqSink {
  readonly levels: [number, boolean][] = [];
  setLevel(index: number, asserted: boolean): void {
    this.levels.push([index, asserted]);
  }
  pulse(): void {}
}

function rig() {
  const irq = new RecordingSink();
  const uart = new Pl011(spec, { clock: new ManualClock(0), irq });
  const r = (offset: number) => Number(uart.read(0, offset, 4));
  const w = (offset: number, value: number) => uart.write(0, offset, 4, BigInt(value));
  return { irq, uart, r, w };
}

describe("PL011 identification and reset values", () => {
  test("PeriphID 11 10 14 00 and PCellID 0d f0 05 b1 at 0xFE0..0xFFC", () => {
    const { r } = rig();
    const ids = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];
    expect(ids.map((_, i) => r(0xfe0 + 4 * i))).toEqual(ids);
  });

  test("FR resets to 0x90: TXFE and RXFE set, nothing busy or full", () => {
    const { r } = rig();
    expect(r(FR)).toBe(0x90);
  });

  test("CR resets to 0x300 (TXE|RXE), IFLS to 0x12, the rest to 0", () => {
    const { r } = rig();
    expect(r(CR)).toBe(0x300);
    expect(r(IFLS)).toBe(0x12);
    expect([DR, RSR, ILPR, IBRD, FBRD, LCR_H, IMSC, RIS, MIS, DMACR].map(r)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test("registers read back masked to their width", () => {
    const { r, w } = rig();
    w(IBRD, 0x1234567);
    w(FBRD, 0xff);
    w(LCR_H, 0x170);
    w(CR, 0xffffffff);
    w(DMACR, 0xff);
    expect([r(IBRD), r(FBRD), r(LCR_H), r(CR), r(DMACR)]).toEqual([0x4567, 0x3f, 0x70, 0xff87, 0x7]);
  });

  test("16-bit accesses reach the registers (Linux's amba-pl011 uses them)", () => {
    const { uart, r } = rig();
    uart.write(0, CR, 2, 0x301n);
    expect(r(CR)).toBe(0x301);
    expect(uart.read(0, FR, 2)).toBe(0x90n);
  });
});

describe("PL011 transmit and interrupt", () => {
  test("bytes written to DR are collected in console and FR still shows TXFE", () => {
    const { uart, r, w } = rig();
    for (const ch of "hi\n") w(DR, ch.charCodeAt(0));
    expect(uart.console).toBe("hi\n");
    expect(r(FR) & 0x80).toBe(0x80);
  });

  test("TX sets RIS bit 5; IMSC unmasks it onto the line; ICR clears it", () => {
    const { irq, uart, r, w } = rig();
    w(DR, 0x41);
    expect(r(RIS)).toBe(TXIM);
    expect(r(MIS)).toBe(0);
    expect(uart.irqAsserted(0)).toBe(false);

    w(IMSC, TXIM);
    expect(r(MIS)).toBe(TXIM);
    expect(uart.irqAsserted(0)).toBe(true);

    w(ICR, TXIM);
    expect(r(RIS)).toBe(0);
    expect(uart.irqAsserted(0)).toBe(false);
    expect(irq.levels).toEqual([
      [0, true],
      [0, false],
    ]);
  });

  test("no time-driven events", () => {
    const { uart } = rig();
    uart.advance();
    expect(uart.nextEventAtMs()).toBeUndefined();
  });
});

describe("PL011 state", () => {
  test("save/restore keeps registers and console; restore drives an asserted line", () => {
    const first = rig();
    first.w(IBRD, 13);
    first.w(IMSC, TXIM);
    first.w(DR, 0x78);
    const state = JSON.parse(JSON.stringify(first.uart.save()));

    const later = rig();
    later.uart.restore(state);
    expect(later.r(IBRD)).toBe(13);
    expect(later.uart.console).toBe("x");
    expect(later.uart.irqAsserted(0)).toBe(true);
    expect(later.irq.levels).toEqual([[0, true]]);
    expect(later.uart.dirty).toBe(false);
    expect(() => later.uart.restore({ version: 1 })).toThrow(TypeError);
  });

  test("dirty after a write, not after reads; reset restores reset values and keeps the console", () => {
    const { uart, r, w } = rig();
    uart.markSaved();
    r(FR);
    r(DR);
    expect(uart.dirty).toBe(false);
    w(DR, 0x79);
    w(CR, 0x301);
    expect(uart.dirty).toBe(true);
    uart.reset();
    expect(r(CR)).toBe(0x300);
    expect(r(RIS)).toBe(0);
    expect(uart.console).toBe("y");
  });

  test("unassigned offsets read 0 and ignore writes", () => {
    const { r, w } = rig();
    for (const offset of [0x08, 0x4c, 0x800]) {
      w(offset, 0xffffffff);
      expect(r(offset)).toBe(0);
    }
  });
});
