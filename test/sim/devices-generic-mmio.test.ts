// The generic MMIO model against its documented rules (docs/board-files.md): memory-like registers at every width,
// zero or the board's reset values after reset, the access rules byte by byte, no interrupt of its own, state that
// survives save/restore, and option errors that name the option.
import { describe, expect, test } from "bun:test";
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import { GenericMmio } from "../../src/sim/devices/generic-mmio.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { ModelOptionError } from "../../src/sim/devices/model-option-error.ts";
import { DEVICE_MODELS } from "../../src/sim/devices/registry.ts";

const levels: string[] = [];
const ctx = { clock: new ManualClock(0), irq: { setLevel: (i: number, l: boolean) => levels.push(`${i}=${l}`), pulse: (i: number) => levels.push(`pulse ${i}`) } };

function spec(registers?: unknown[], sizes = [0x1000]): DeviceSpec {
  return {
    name: "1c000000.thing",
    bus: "platform",
    compatible: ["acme,thing"],
    regions: sizes.map((size, i) => ({ base: 0x1c00_0000n + BigInt(i) * 0x10000n, size })),
    irqs: [{ trigger: "level", hwirq: 40 }],
    model: "generic-mmio",
    ...(registers ? { modelOptions: { registers } } : {}),
  };
}

describe("generic-mmio: memory-like registers", () => {
  test("zero at reset; a write of each width reads back at every width, little-endian", () => {
    const d = new GenericMmio(spec(), ctx);
    expect(d.read(0, 0x10, 8)).toBe(0n);
    d.write(0, 0x10, 8, 0x8877665544332211n);
    expect(d.read(0, 0x10, 8)).toBe(0x8877665544332211n);
    expect(d.read(0, 0x14, 4)).toBe(0x88776655n);
    expect(d.read(0, 0x12, 2)).toBe(0x4433n);
    expect(d.read(0, 0x17, 1)).toBe(0x88n);
    d.write(0, 0x11, 1, 0xaan);
    expect(d.read(0, 0x10, 4)).toBe(0x4433aa11n);
    d.write(0, 0x12, 2, 0xbeefn);
    expect(d.read(0, 0x10, 4)).toBe(0xbeefaa11n);
    expect(d.dirty).toBe(true);
  });

  test("regions are separate", () => {
    const d = new GenericMmio(spec(undefined, [0x100, 0x100]), ctx);
    d.write(1, 0, 4, 0x12345678n);
    expect(d.read(0, 0, 4)).toBe(0n);
    expect(d.read(1, 0, 4)).toBe(0x12345678n);
  });

  test("reset values, and reset() brings them back", () => {
    const d = new GenericMmio(spec([{ offset: 0, bits: 32, reset: "0x00010203" }, { offset: 8, bits: 64, reset: "0xfedcba9876543210" }]), ctx);
    expect(d.read(0, 0, 4)).toBe(0x00010203n);
    expect(d.read(0, 8, 8)).toBe(0xfedcba9876543210n);
    d.write(0, 0, 4, 0xffffffffn);
    d.write(0, 0x20, 4, 7n);
    d.reset();
    expect(d.read(0, 0, 4)).toBe(0x00010203n);
    expect(d.read(0, 0x20, 4)).toBe(0n);
  });
});

describe("generic-mmio: access rules", () => {
  const rules = [
    { offset: 0x0, reset: "0x000000a5", access: "ro" },
    { offset: 0x4, reset: "0x0000ff0f", access: "w1c" },
    { offset: 0x8, reset: 0x10, access: "w1s" },
    { offset: 0xc, access: "wo" },
  ];

  test("ro ignores writes at any width", () => {
    const d = new GenericMmio(spec(rules), ctx);
    d.write(0, 0, 4, 0n);
    d.write(0, 0, 1, 0xffn);
    expect(d.read(0, 0, 4)).toBe(0xa5n);
  });

  test("w1c clears the bits written as 1, also through a narrow write", () => {
    const d = new GenericMmio(spec(rules), ctx);
    d.write(0, 4, 4, 0x0103n);
    expect(d.read(0, 4, 4)).toBe(0xfe0cn);
    d.write(0, 5, 1, 0xf0n);
    expect(d.read(0, 4, 4)).toBe(0x0e0cn);
  });

  test("w1s sets the bits written as 1", () => {
    const d = new GenericMmio(spec(rules), ctx);
    d.write(0, 8, 4, 0x3n);
    expect(d.read(0, 8, 4)).toBe(0x13n);
  });

  test("wo keeps the value (saved) but reads zero", () => {
    const d = new GenericMmio(spec(rules), ctx);
    d.write(0, 0xc, 4, 0xdeadn);
    expect(d.read(0, 0xc, 4)).toBe(0n);
    expect(JSON.stringify(d.save())).toContain("adde");
  });

  test("a 64-bit access across a ro and an rw register applies each byte's own rule", () => {
    const d = new GenericMmio(spec([{ offset: 0, access: "ro", reset: 1 }]), ctx);
    d.write(0, 0, 8, 0xaaaaaaaa_bbbbbbbbn);
    expect(d.read(0, 0, 8)).toBe(0xaaaaaaaa_00000001n);
  });
});

test("generic-mmio drives no interrupt line of its own", () => {
  levels.length = 0;
  const d = new GenericMmio(spec(), ctx);
  d.write(0, 0, 4, 0xffffffffn);
  d.advance();
  expect(levels).toEqual([]);
  expect(d.irqAsserted(0)).toBe(false);
  expect(d.nextEventAtMs()).toBeUndefined();
});

test("save/restore keeps written bytes (sparse runs) and not the untouched ones", () => {
  const a = new GenericMmio(spec([{ offset: 0x20, reset: 5 }]), ctx);
  a.write(0, 0x100, 4, 0x01020304n);
  a.write(0, 0x20, 4, 5n); // back to its reset value: nothing to save
  const saved = JSON.parse(JSON.stringify(a.save()));
  expect(saved).toEqual({ version: 1, regions: [[[0x100, "04030201"]]] });
  const b = new GenericMmio(spec([{ offset: 0x20, reset: 5 }]), ctx);
  b.restore(saved);
  expect(b.read(0, 0x100, 4)).toBe(0x01020304n);
  expect(b.read(0, 0x20, 4)).toBe(5n);
  expect(b.dirty).toBe(false);
  expect(() => b.restore({ version: 1, regions: [[[0xfff, "0102"]]] })).toThrow(TypeError);
  expect(() => b.restore({ version: 1, regions: [] })).toThrow(TypeError);
});

describe("generic-mmio: bad options name the option", () => {
  const cases: [unknown[], string][] = [
    [[{ offset: 2, bits: 32 }], "registers[0].offset"],
    [[{ offset: 0x1000 }], "registers[0].offset"],
    [[{ offset: 0 }, { offset: 2, bits: 16 }], "registers[1].offset"],
    [[{ offset: 0, access: "rc" }], "registers[0].access"],
    [[{ offset: 0, bits: 12 }], "registers[0].bits"],
    [[{ offset: 0, bits: 8, reset: 256 }], "registers[0].reset"],
    [[{ offset: 0, region: 1 }], "registers[0].region"],
    [[{ offset: 0, colour: "red" }], "registers[0].colour"],
  ];
  for (const [regs, key] of cases) {
    test(key, () => {
      let err: unknown;
      try {
        new GenericMmio(spec(regs), ctx);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ModelOptionError);
      expect((err as ModelOptionError).key).toBe(key);
    });
  }
});

test("the registry builds it under the key generic-mmio", () => {
  const d = DEVICE_MODELS["generic-mmio"]!(spec(), ctx);
  d.write(0, 0, 4, 42n);
  expect(d.read(0, 0, 4)).toBe(42n);
});
