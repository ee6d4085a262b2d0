// The device-model registry and the shared access helpers: each model key the board files use builds the right
// device, the APB byte-lane helpers read each word once and write whole words, and the PrimeCell ID helpers.
import { describe, expect, test } from "bun:test";
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { periphIdValue, primeCellIdWord } from "../../src/sim/devices/primecell-id.ts";
import { readLanes, writeLanes } from "../../src/sim/devices/register-lanes.ts";
import { DEVICE_MODELS } from "../../src/sim/devices/registry.ts";

const ctx = { clock: new ManualClock(0), irq: { setLevel() {}, pulse() {} } };

function specFor(model: string): DeviceSpec {
  return { name: `x.${model}`, bus: "platform", compatible: [], regions: [], irqs: [], model };
}

describe("DEVICE_MODELS", () => {
  test("pl031, pl011 and virtio-mmio build devices that identify themselves", () => {
    const make = (key: string) => {
      const factory = DEVICE_MODELS[key];
      if (!factory) throw new Error(`no model ${key}`);
      return factory(specFor(key), ctx);
    };
    expect(make("pl031").read(0, 0xfe0, 4)).toBe(0x31n);
    expect(make("pl011").read(0, 0xfe0, 4)).toBe(0x11n);
    expect(make("virtio-mmio").read(0, 0, 4)).toBe(0x74726976n);
  });
});

describe("APB byte lanes", () => {
  test("a read spanning two words reads each once and assembles little-endian", () => {
    const reads: number[] = [];
    const words: Record<number, number> = { 0: 0x44332211, 4: 0x88776655 };
    const value = readLanes(2, 4, (o) => {
      reads.push(o);
      return words[o] ?? 0;
    });
    expect(value).toBe(0x66554433n);
    expect(reads).toEqual([0, 4]);
  });

  test("a write becomes whole-word writes with the addressed lanes, low address first", () => {
    const writes: [number, number, number][] = [];
    writeLanes(3, 2, 0xbbaan, (o, v, lanes) => writes.push([o, v, lanes]));
    expect(writes).toEqual([
      [0, 0xaa000000, 0b1000],
      [4, 0x000000bb, 0b0001],
    ]);
  });
});

describe("PrimeCell ID", () => {
  test("the PL031's PeriphID bytes assemble to part 0x031, designer 0x41 (ARM), revision 1", () => {
    const part = 0x031, designer = 0x41, revision = 1;
    expect(periphIdValue([0x31, 0x10, 0x14, 0x00])).toBe(part | (designer << 12) | (revision << 20));
  });

  test("ID words only in 0xFE0..0xFFC", () => {
    expect(primeCellIdWord(0xfdc, [1, 2, 3, 4])).toBeUndefined();
    expect(primeCellIdWord(0xff0, [1, 2, 3, 4])).toBe(0x0d);
  });
});
