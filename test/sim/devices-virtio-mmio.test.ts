// The empty virtio-mmio transport against the virtio spec's MMIO register layout and what QEMU 7.2 answered on
// `virt` (kernel-lab.md: magic 0x74726976, version 1) plus QEMU's no-backend rules: DeviceID 0, vendor "QEMU", every
// other register reads 0 and writes are ignored; narrow reads are decoded by exact offset, as QEMU's transport does.
import { describe, expect, test } from "bun:test";
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import type { IrqSink } from "../../src/sim/devices/device-model.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { VirtioMmioEmpty } from "../../src/sim/devices/virtio-mmio.ts";

const spec: DeviceSpec = {
  name: "a000000.virtio_mmio",
  bus: "platform",
  compatible: ["virtio,mmio"],
  regions: [{ base: 0xa000000n, size: 0x200 }],
  irqs: [{ trigger: "edge", hwirq: 48 }],
  model: "virtio-mmio",
};

class RecordingSink implements IrqSink {
  readonly calls: string[] = [];
  setLevel(index: number, asserted: boolean): void {
    this.calls.push(`level ${index} ${asserted}`);
  }
  pulse(index: number): void {
    this.calls.push(`pulse ${index}`);
  }
}

function rig(options?: Record<string, unknown>) {
  const irq = new RecordingSink();
  const clock = new ManualClock(0);
  const dev = new VirtioMmioEmpty({ ...spec, modelOptions: options }, { clock, irq });
  return { clock, irq, dev };
}

describe("empty virtio-mmio transport", () => {
  test("32-bit: MagicValue 'virt', Version 1, DeviceID 0 (no device), VendorID 'QEMU'", () => {
    const { dev } = rig();
    expect(dev.read(0, 0x000, 4)).toBe(0x74726976n);
    expect(dev.read(0, 0x004, 4)).toBe(1n);
    expect(dev.read(0, 0x008, 4)).toBe(0n);
    expect(dev.read(0, 0x00c, 4)).toBe(0x554d4551n);
  });

  test("the magic's first byte is 'v' and its first half-word 'vi' (little-endian)", () => {
    const { dev } = rig();
    expect(String.fromCharCode(Number(dev.read(0, 0x000, 1)))).toBe("v");
    const half = Number(dev.read(0, 0x000, 2));
    expect(String.fromCharCode(half & 0xff, half >> 8)).toBe("vi");
  });

  test("narrow reads inside a register but not at its offset read 0, as QEMU decodes by exact offset", () => {
    const { dev } = rig();
    expect([1, 2, 3].map((o) => dev.read(0, o, 1))).toEqual([0n, 0n, 0n]);
    expect(dev.read(0, 0x002, 2)).toBe(0n);
    expect(dev.read(0, 0x00d, 1)).toBe(0n);
  });

  test("a 64-bit read at 0 is MagicValue with Version above it", () => {
    const { dev } = rig();
    expect(dev.read(0, 0x000, 8)).toBe((1n << 32n) | 0x74726976n);
  });

  test("every other register reads 0, and writes change nothing", () => {
    const { dev } = rig();
    const offsets = [0x010, 0x034, 0x044, 0x060, 0x070, 0x0fc, 0x100, 0x1fc];
    for (const offset of offsets) dev.write(0, offset, 4, 0xffffffffn);
    dev.write(0, 0x000, 4, 0n);
    expect(offsets.map((o) => dev.read(0, o, 4))).toEqual(offsets.map(() => 0n));
    expect(dev.read(0, 0x000, 4)).toBe(0x74726976n);
    expect(dev.dirty).toBe(false);
  });

  test("its edge interrupt never fires and nothing is time-driven", () => {
    const { clock, irq, dev } = rig();
    dev.write(0, 0x064, 4, 1n);
    clock.advance(10_000);
    dev.advance();
    expect(irq.calls).toEqual([]);
    expect(dev.irqAsserted(0)).toBe(false);
    expect(dev.nextEventAtMs()).toBeUndefined();
  });

  test("modelOptions.version 2 gives a modern transport; anything else is refused", () => {
    expect(rig({ version: 2 }).dev.read(0, 0x004, 4)).toBe(2n);
    expect(() => rig({ version: 3 })).toThrow(TypeError);
  });

  test("save/restore round-trips as plain JSON", () => {
    const { dev } = rig();
    const state = JSON.parse(JSON.stringify(dev.save()));
    dev.restore(state);
    expect(dev.read(0, 0x000, 4)).toBe(0x74726976n);
  });
});
