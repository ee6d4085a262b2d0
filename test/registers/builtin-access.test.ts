// The access rules the built-in maps claim, tried on the simulated models after a reset: a register marked RO keeps
// its value when written; one marked RW follows what is written (all ones, then zero, read differently). The few
// registers whose writes the TRM or spec make special are listed with the reason. Marking FR read-write, or a
// writable register read-only, fails here.
import { describe, expect, test } from "bun:test";
import { BUILTIN_MAPS } from "../../src/registers/builtin/index.ts";
import type { RegisterSpec } from "../../src/registers/register-map.ts";
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import { EDU, VIRT } from "../../src/sim/boards/virt.ts";
import type { AccessWidth, DeviceModel } from "../../src/sim/devices/device-model.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { DEVICE_MODELS } from "../../src/sim/devices/registry.ts";
import { PciConfigSpace } from "../../src/sim/pci/config-space.ts";

function virtDevice(name: string): DeviceSpec {
  return VIRT.devices.find((x) => x.name === name)!;
}

function freshModel(spec: DeviceSpec): DeviceModel {
  const m = DEVICE_MODELS[spec.model!]!(spec, { clock: new ManualClock(1_700_000_000_000), irq: { setLevel() {}, pulse() {} } });
  m.reset();
  return m;
}

/**
 * RW registers whose writes do not simply show up in reads, by map: RTCCR's start bit cannot be cleared once set;
 * writing UARTRSR (as UARTECR) clears it; edu's liveness register reads the inverse and its factorial register the
 * result of a computation, and its DMA command ignores a write without the start bit (and any write while a transfer
 * runs); the empty virtio transport (no backend) ignores every write, as QEMU's does.
 */
const SPECIAL_WRITES: Record<string, readonly string[]> = {
  pl031: ["RTCCR"],
  pl011: ["UARTRSR"],
  edu: ["LIVENESS", "FACTORIAL", "DMA_CMD"],
  "virtio-mmio-v1": ["Status", "QueuePFN"],
  "virtio-mmio-v2": ["Status", "QueueReady", "QueueReset"],
};

const CASES: { map: string; spec: DeviceSpec }[] = [
  { map: "pl031", spec: virtDevice("9010000.pl031") },
  { map: "pl011", spec: virtDevice("9000000.pl011") },
  { map: "pl330", spec: virtDevice("2c0a0000.dma") },
  { map: "virtio-mmio-v1", spec: virtDevice("a000000.virtio_mmio") },
  { map: "virtio-mmio-v2", spec: { ...virtDevice("a000000.virtio_mmio"), modelOptions: { version: 2 } } },
  { map: "edu", spec: EDU },
];

/** Problems with the access rules of `regs` on a device reached through read/write. */
function accessProblems(regs: readonly RegisterSpec[], special: readonly string[], read: (r: RegisterSpec) => bigint, write: (r: RegisterSpec, v: bigint) => void): string[] {
  const out: string[] = [];
  for (const r of regs) {
    const ones = (1n << BigInt(r.width)) - 1n;
    if (r.access === "RO") {
      const before = read(r);
      write(r, ones);
      const after = read(r);
      if (after !== before) out.push(`${r.name} (RO): 0x${before.toString(16)} became 0x${after.toString(16)} when written`);
    } else if (r.access === "RW" && !special.includes(r.name)) {
      write(r, ones);
      const high = read(r);
      write(r, 0n);
      const low = read(r);
      if (high === low) out.push(`${r.name} (RW): reads 0x${high.toString(16)} after writing all ones and after writing 0`);
    }
  }
  return out;
}

describe("access rules on the models", () => {
  for (const c of CASES) {
    test(`${c.map}: RO registers ignore writes, RW registers take them`, () => {
      const model = freshModel(c.spec);
      const regs = BUILTIN_MAPS[c.map]!.registers;
      const bytes = (r: RegisterSpec) => (r.width / 8) as AccessWidth;
      const problems = accessProblems(
        regs,
        SPECIAL_WRITES[c.map] ?? [],
        (r) => model.read(r.region, r.offset, bytes(r)),
        (r, v) => model.write(r.region, r.offset, bytes(r), v),
      );
      expect(problems).toEqual([]);
      expect(regs.filter((r) => r.access === "RO").length).toBeGreaterThan(0);
    });
  }

  test("pci-config: the read-only header registers keep their value on edu's configuration space", () => {
    const space = new PciConfigSpace(EDU.pci!);
    const ro = BUILTIN_MAPS["pci-config"]!.registers.filter((r) => r.access === "RO");
    expect(ro.length).toBeGreaterThan(8);
    const problems = accessProblems(
      ro,
      [],
      (r) => BigInt(space.read(r.offset, r.width / 8)),
      (r, v) => space.write(r.offset, r.width / 8, Number(v)),
    );
    expect(problems).toEqual([]);
  });

  test("the special-write list stays honest: each listed register exists in its map and is RW", () => {
    for (const [map, names] of Object.entries(SPECIAL_WRITES)) {
      for (const n of names) expect([map, n, BUILTIN_MAPS[map]!.registers.find((r) => r.name === n)?.access]).toEqual([map, n, "RW"]);
    }
  });

  test("a wrong access rule is caught: UARTFR marked RW, UARTIBRD marked RO", () => {
    const model = freshModel(virtDevice("9000000.pl011"));
    const map = BUILTIN_MAPS["pl011"]!;
    const pick = (n: string) => map.registers.find((r) => r.name === n)!;
    const wrong = [{ ...pick("UARTFR"), access: "RW" as const }, { ...pick("UARTIBRD"), access: "RO" as const }];
    const problems = accessProblems(wrong, [], (r) => model.read(0, r.offset, 4), (r, v) => model.write(0, r.offset, 4, v));
    expect(problems).toEqual(["UARTFR (RW): reads 0x90 after writing all ones and after writing 0", "UARTIBRD (RO): 0x0 became 0xffff when written"]);
  });

  test("UARTRSR's error bits are read-only fields (a write of any value, as UARTECR, clears all four), so a field write is refused", () => {
    const rsr = BUILTIN_MAPS["pl011"]!.registers.find((r) => r.name === "UARTRSR")!;
    expect(rsr.access).toBe("RW");
    expect(rsr.fields!.map((f) => [f.name, f.access])).toEqual([["FE", "RO"], ["PE", "RO"], ["BE", "RO"], ["OE", "RO"]]);
  });
});
