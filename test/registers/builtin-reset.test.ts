// Every built-in map's reset values against the simulated models: each readable register that is not read-to-clear
// and has a reset value is read and compared under its resetMask, (1) on the model itself right after a silicon reset,
// and (2) through VFIO on the simulated board, as a user meets the device after boot. A planted wrong reset value or
// offset in a map fails here, and so does a built-in map that no case checks and that is not listed as not modelled.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { bindDevice, listDevices, openDevice, resolveDevice } from "../../src/index.ts";
import { BUILTIN_MAPS } from "../../src/registers/builtin/index.ts";
import type { RegisterMap, RegisterSpec } from "../../src/registers/register-map.ts";
import type { DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import { EDU, VIRT } from "../../src/sim/boards/virt.ts";
import { PciConfigSpace } from "../../src/sim/pci/config-space.ts";
import type { AccessWidth, DeviceModel } from "../../src/sim/devices/device-model.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { DEVICE_MODELS } from "../../src/sim/devices/registry.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

/** Registers a reset check reads: readable, no read side effect, a defined reset value. */
function checkable(map: RegisterMap, region?: number): RegisterSpec[] {
  return map.registers.filter((r) => r.access !== "WO" && r.access !== "RC" && r.reset !== undefined && (region === undefined || r.region === region));
}

/** "NAME: read 0x.., expected 0x.. under mask 0x.." for each register whose value differs from its reset. */
function mismatches(regs: readonly RegisterSpec[], read: (r: RegisterSpec) => bigint): string[] {
  const out: string[] = [];
  for (const r of regs) {
    const all = (1n << BigInt(r.width)) - 1n;
    const mask = r.resetMask ?? all;
    const got = read(r);
    if ((got & mask) !== (r.reset! & mask)) {
      out.push(`${r.name}: read 0x${got.toString(16)}, expected 0x${r.reset!.toString(16)} under mask 0x${mask.toString(16)}`);
    }
  }
  return out;
}

function virtDevice(name: string): DeviceSpec {
  const d = VIRT.devices.find((x) => x.name === name);
  if (!d) throw new Error(`no ${name} on virt`);
  return d;
}

/** A model of `spec` on a manual clock, after a silicon reset. */
function resetModel(spec: DeviceSpec): DeviceModel {
  const model = DEVICE_MODELS[spec.model!]!(spec, { clock: new ManualClock(1_700_000_000_000), irq: { setLevel() {}, pulse() {} } });
  model.reset();
  return model;
}

/** Which map each modelled device of the virt board must satisfy, and with which model options. */
const VIRTIO = virtDevice("a000000.virtio_mmio");
const MODEL_CASES: { map: string; spec: DeviceSpec }[] = [
  { map: "pl031", spec: virtDevice("9010000.pl031") },
  { map: "pl011", spec: virtDevice("9000000.pl011") },
  { map: "pl330", spec: virtDevice("2c0a0000.dma") },
  { map: "virtio-mmio-v1", spec: VIRTIO },
  { map: "virtio-mmio-v2", spec: { ...VIRTIO, modelOptions: { version: 2 } } },
  { map: "virtio-mmio-v1-blk", spec: { ...VIRTIO, modelOptions: { version: 1, device: "blk" } } },
  { map: "virtio-mmio-v2-blk", spec: { ...VIRTIO, modelOptions: { version: 2, device: "blk" } } },
  { map: "edu", spec: EDU },
];

/** The maps checked against the PCI configuration space model (region 7) rather than a device model. */
const CONFIG_SPACE_CASES = ["pci-config"];

/**
 * Built-in maps no model here can check, each with why. Empty today: every built-in map has a model. A new built-in
 * map must get a case above (or through VFIO below), or be listed here with its reason; the coverage test fails until
 * it is one or the other.
 */
const NOT_MODELLED: Record<string, string> = {};

describe("reset values on the models after a silicon reset", () => {
  for (const c of MODEL_CASES) {
    test(`${c.map} against the ${c.spec.model} model (${c.spec.name}${c.spec.modelOptions ? `, ${JSON.stringify(c.spec.modelOptions)}` : ""})`, () => {
      const map = BUILTIN_MAPS[c.map]!;
      const regs = checkable(map, 0);
      expect(regs.length).toBeGreaterThanOrEqual(4);
      const model = resetModel(c.spec);
      expect(mismatches(regs, (r) => model.read(r.region, r.offset, (r.width / 8) as AccessWidth))).toEqual([]);
    });
  }

  test("the blk maps' transport registers are checked (the configuration space has no reset values to check)", () => {
    for (const key of ["virtio-mmio-v1-blk", "virtio-mmio-v2-blk"]) {
      const withReset = BUILTIN_MAPS[key]!.registers.filter((r) => r.reset !== undefined);
      expect(withReset.every((r) => r.offset < 0x100)).toBe(true);
    }
  });

  test("pci-config against edu's configuration space at power-on (the hardware side of region 7)", () => {
    const space = new PciConfigSpace(EDU.pci!);
    const regs = checkable(BUILTIN_MAPS["pci-config"]!, 7);
    expect(regs.map((r) => r.name)).toEqual(["PCI_COMMAND", "PCI_STATUS", "PCI_HEADER_TYPE"]);
    expect(mismatches(regs, (r) => BigInt(space.read(r.offset, r.width / 8)))).toEqual([]);
  });

  test("a planted wrong reset value and a planted wrong offset are both caught", () => {
    const map = BUILTIN_MAPS["pl330"]!;
    const model = resetModel(virtDevice("2c0a0000.dma"));
    const read = (r: RegisterSpec) => model.read(r.region, r.offset, 4);
    const ccr = map.registers.find((r) => r.name === "CCR3")!;
    expect(mismatches([{ ...ccr, reset: 0n }], read)).toEqual(["CCR3: read 0x800200, expected 0x0 under mask 0xffffffff"]);
    // CSR3 moved onto CCR3's offset reads CCR's reset value, not CSR's 0.
    const csr = map.registers.find((r) => r.name === "CSR3")!;
    expect(mismatches([{ ...csr, offset: ccr.offset }], read)).toHaveLength(1);
  });
});

/** The maps checked through VFIO on the simulated virt board, by the device that gets each. */
const VFIO_CASES: { device: string; map: string }[] = [
  { device: "9010000.pl031", map: "pl031" },
  { device: "9000000.pl011", map: "pl011" },
  { device: "2c0a0000.dma", map: "pl330" },
  { device: "a000000.virtio_mmio", map: "virtio-mmio-v1" },
  { device: "0000:00:02.0", map: "edu+pci-config" },
];

/**
 * Registers whose value as a user first reads it is not the silicon reset value, because firmware, Linux or vfio
 * changed it first: rtc-pl031 started the RTC, which counts wall-clock seconds; vfio-pci enables memory decoding
 * (PCI_COMMAND.MEMORY_SPACE) when it opens the function.
 */
const BOOT_STATE: Record<string, readonly string[]> = { pl031: ["RTCDR", "RTCCR"], "edu+pci-config": ["PCI_COMMAND"] };

describe("reset values through VFIO on the simulated virt board", () => {
  let board: TestBoard;
  beforeAll(() => {
    board = makeSimBoard();
  });
  afterAll(() => board.dispose());

  const cases = VFIO_CASES;
  for (const c of cases) {
    test(`${c.device} reads its ${c.map} map's reset values (boot state aside: ${BOOT_STATE[c.map]?.join(", ") ?? "none"})`, () => {
      const { b, stateDir } = board;
      // The PL011 is the board's console: binding it takes force.
      bindDevice(b, resolveDevice(c.device, listDevices(b)), { stateDir: join(stateDir, "host"), force: true });
      using s = openDevice(b, c.device);
      const skip = BOOT_STATE[c.map] ?? [];
      const regs = checkable(BUILTIN_MAPS[c.map]!).filter((r) => !skip.includes(r.name));
      expect(regs.length).toBeGreaterThanOrEqual(4);
      const read = (r: RegisterSpec) => BigInt(s.device.region(r.region).read(r.offset, r.width));
      expect(mismatches(regs, read)).toEqual([]);
      // The boot-state list stays honest: each register on it really reads other than its reset value.
      const booted = BUILTIN_MAPS[c.map]!.registers.filter((r) => skip.includes(r.name));
      expect(booted.map((r) => r.name).sort()).toEqual([...skip].sort());
      expect(mismatches(booted, read)).toHaveLength(skip.length);
    });
  }
});

describe("every built-in map is checked against a model", () => {
  test("each map has a model case, a configuration-space case or a VFIO case, or is listed as not modelled", () => {
    const checked = new Set([...MODEL_CASES.map((c) => c.map), ...CONFIG_SPACE_CASES, ...VFIO_CASES.map((c) => c.map)]);
    const unchecked = Object.keys(BUILTIN_MAPS).filter((k) => !checked.has(k) && !(k in NOT_MODELLED));
    expect(unchecked).toEqual([]);
    // The lists stay honest: every name on them is a built-in map, and a map with a check is not also "not modelled".
    for (const k of [...checked, ...Object.keys(NOT_MODELLED)]) expect([k, k in BUILTIN_MAPS]).toEqual([k, true]);
    expect(Object.keys(NOT_MODELLED).filter((k) => checked.has(k))).toEqual([]);
  });
});
