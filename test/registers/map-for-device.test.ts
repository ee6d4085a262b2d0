// Which map a device gets on the simulated board, and why: the built-in map by compatible (PL031 on virt) or PCI ID
// (edu), a board file's `regs` (a file relative to the board file, or inline; shown as the device-tree property
// vfio-plat,regs, on a PCI function too), and an explicit map file, which wins over both. Board files with a bad map
// are refused when read, naming the place; sim-export writes `regs` back. A virtio-mmio transport's built-in map is
// made exact by its own Version register once open.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BoardFileError,
  bindDevice,
  listDevices,
  NamedRegisters,
  openDevice,
  refineRegisterMap,
  registerMapFor,
  RegisterMapFileError,
  REGS_PROPERTY,
  resolveDevice,
} from "../../src/index.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { VIRT } from "../../src/sim/boards/virt.ts";
import { bootState } from "../../src/sim/state/board-state.ts";
import { checkBoardState } from "../../src/sim/state/state-shape.ts";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import { boardFileText } from "../../src/sim/boards/board-file/export-board-file.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const RTC = "9010000.pl031";
const EDU = "0000:00:02.0";
const STATUS = "1c0f0000.status";

const dir = mkdtempSync(join(tmpdir(), "vfio-plat-mapdev-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

const STATUS_MAP = {
  "vfio-plat-register-map": 1,
  name: "acme-status",
  compatible: ["acme,status-block"],
  registers: [
    { name: "ID", offset: "0x0", access: "RO", reset: "0x51a70001" },
    { name: "CTRL", offset: "0x4", fields: [{ name: "EN", bits: "0" }, { name: "MODE", bits: "7:4" }] },
    { name: "STATUS", offset: "0x8", access: "W1C", reset: "0x3", fields: [{ name: "A", bits: "0" }, { name: "B", bits: "1" }] },
    { name: "KEY", offset: "0xc", access: "WO" },
  ],
};

/** The status block of docs/board-files.md's example, on the generic MMIO model. */
const STATUS_DEVICE = {
  name: STATUS,
  bus: "platform",
  compatible: ["acme,status-block"],
  model: "generic-mmio",
  regions: [{ base: "0x1c0f0000", size: "0x1000" }],
  irqs: [{ hwirq: 63, trigger: "level" }],
  driver: null,
  iommuGroup: 6,
  registers: [
    { name: "ID", offset: "0x0", bits: 32, reset: "0x51a70001", access: "ro" },
    { name: "CTRL", offset: "0x4", bits: 32 },
    { name: "STATUS", offset: "0x8", bits: 32, reset: "0x3", access: "w1c" },
    { name: "KEY", offset: "0xc", bits: 32, access: "wo" },
  ],
};

/** A board file from virt: the status block with `regs` pointing at a map file, edu with an inline map. */
function writeBoard(name: string, statusRegs: unknown, eduRegs?: unknown): string {
  writeFileSync(join(dir, "status-map.json"), JSON.stringify(STATUS_MAP, null, 2));
  const devices: unknown[] = [{ ...STATUS_DEVICE, regs: statusRegs }];
  if (eduRegs !== undefined) devices.push({ name: EDU, regs: eduRegs });
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ "vfio-plat-board": 1, name: "regs-board", from: "virt", devices }, null, 2));
  return path;
}

const EDU_INLINE = { name: "my-edu", registers: [{ name: "IDENT", offset: 0, access: "RO" }, { name: "LIVENESS", offset: 4 }] };

describe("on the built-in virt board", () => {
  test("the PL031 gets the built-in pl031 map by its compatible", () => {
    board = makeSimBoard();
    const found = registerMapFor(board.b, RTC);
    expect(found?.source).toEqual({ kind: "builtin", key: "pl031" });
    expect(found?.map.compatible).toContain("arm,pl031");
    expect(found?.map.registers.some((r) => r.name === "RTCDR")).toBe(true);
  });
  test("edu gets its map by PCI ID (1234:11e8), with the configuration header", () => {
    board = makeSimBoard();
    const found = registerMapFor(board.b, EDU);
    expect(found?.source.kind).toBe("builtin");
    expect(found?.map.registers.some((r) => r.region === 7)).toBe(true);
    expect(found?.map.registers.some((r) => r.region === 0)).toBe(true);
  });
  test("no device-tree property names a map on virt", () => {
    board = makeSimBoard();
    expect(board.b.fs.exists(`/sys/bus/platform/devices/${RTC}/of_node/${REGS_PROPERTY}`)).toBe(false);
  });
  test("an explicit map file wins over the built-in map", () => {
    board = makeSimBoard();
    const path = join(dir, "mine.json");
    writeFileSync(path, JSON.stringify({ "vfio-plat-register-map": 1, name: "mine", registers: [{ name: "NOW", offset: 0, access: "RO" }] }));
    expect(registerMapFor(board.b, RTC, { regsFile: path })).toMatchObject({ map: { name: "mine" }, source: { kind: "file", path } });
  });
});

describe("a board file's regs", () => {
  test("a map file relative to the board file, and an inline map on a PCI function", () => {
    const file = writeBoard("b1.json", "status-map.json", EDU_INLINE);
    board = makeSimBoard(file);
    const status = registerMapFor(board.b, STATUS);
    expect(status?.source).toEqual({ kind: "board-file", path: join(dir, "status-map.json") });
    expect(status?.map.name).toBe("acme-status");
    // The device tree carries it, where a real kernel would show a DT property too.
    expect(board.b.fs.readFile(`/sys/bus/platform/devices/${STATUS}/of_node/${REGS_PROPERTY}`)).toBe(`${join(dir, "status-map.json")}\0`);
    expect(board.b.fs.readdir(`/sys/bus/platform/devices/${STATUS}/of_node`)).toContain(REGS_PROPERTY);
    const edu = registerMapFor(board.b, EDU);
    expect(edu?.source).toEqual({ kind: "board-file", path: `${file}#/devices/1/regs` });
    expect(edu?.map.registers.map((r) => r.name)).toEqual(["IDENT", "LIVENESS"]);
    // Devices the file gives no map keep their built-in one.
    expect(registerMapFor(board.b, RTC)?.source).toEqual({ kind: "builtin", key: "pl031" });
  });
  test("an explicit map file wins over the board file's", () => {
    board = makeSimBoard(writeBoard("b2.json", "status-map.json"));
    const path = join(dir, "override.json");
    writeFileSync(path, JSON.stringify({ "vfio-plat-register-map": 1, name: "override", registers: [] }));
    expect(registerMapFor(board.b, STATUS, { regsFile: path })?.map.name).toBe("override");
  });
  test("sim-export writes regs back; the exported file loads to the same board", () => {
    const spec = boardSpecOf(writeBoard("b3.json", "status-map.json", EDU_INLINE));
    const text = boardFileText(spec);
    expect(text).toContain(`"regs": ${JSON.stringify(join(dir, "status-map.json"))}`);
    const again = join(dir, "exported.json");
    writeFileSync(again, text);
    expect(boardFileText(boardSpecOf(again))).toBe(text);
  });
  test("a saved board's regs must be an absolute path (anything else is state damage)", () => {
    const spec: BoardSpec = structuredClone(VIRT);
    spec.devices[0]!.regs = join(dir, "status-map.json");
    expect(() => checkBoardState(bootState(spec), "board.json", dir)).not.toThrow();
    spec.devices[0]!.regs = "status-map.json";
    expect(() => checkBoardState(bootState(spec), "board.json", dir)).toThrow("regs");
    (spec.devices[0] as { regs: unknown }).regs = 5;
    expect(() => checkBoardState(bootState(spec), "board.json", dir)).toThrow("regs");
  });
  test("a bad map file refuses the board file, naming the entry and the map's own place", () => {
    writeFileSync(join(dir, "bad-map.json"), JSON.stringify({ ...STATUS_MAP, registers: [{ name: "A", offset: 0 }, { name: "B", offset: 2, width: 16 }] }));
    const file = writeBoard("b4.json", "bad-map.json");
    const e = (() => {
      try {
        boardSpecOf(file);
      } catch (err) {
        return err;
      }
    })() as BoardFileError;
    expect(e).toBeInstanceOf(BoardFileError);
    expect(e.where).toBe("devices[0].regs");
    expect(e.found).toContain(`${join(dir, "bad-map.json")}: registers[1].offset`);
  });
  test("a bad inline map refuses the board file at the inline map's path", () => {
    const file = writeBoard("b5.json", "status-map.json", { name: "x", registers: [{ name: "A", offset: 0, fields: [{ name: "F", bits: "32:31" }] }] });
    expect(() => boardSpecOf(file)).toThrow(BoardFileError);
    expect(() => boardSpecOf(file)).toThrow(`${file}: devices[1].regs.registers[0].fields[0].bits: expected bits inside the register's 32`);
  });
  test("a missing map file and a value that is neither path nor map", () => {
    expect(() => boardSpecOf(writeBoard("b6.json", "nowhere.json"))).toThrow("devices[0].regs: expected a valid register map, found");
    expect(() => boardSpecOf(writeBoard("b7.json", 12))).toThrow("devices[0].regs: expected the path of a register map file");
  });
});

test("an explicit map file that is not a map is refused with its place", () => {
  board = makeSimBoard();
  const path = join(dir, "broken.json");
  writeFileSync(path, "{ nope }");
  expect(() => registerMapFor(board!.b, RTC, { regsFile: path })).toThrow(RegisterMapFileError);
  expect(() => registerMapFor(board!.b, RTC, { regsFile: path })).toThrow(`${path}: line 1 column 3`);
  expect(readFileSync(path, "utf8")).toBe("{ nope }");
});

describe("refineRegisterMap: a virtio-mmio transport's layout from its own Version register", () => {
  const VIRTIO = "a000000.virtio_mmio";
  /** virt with the first virtio-mmio transport at `version`. */
  const withVersion = (version: number): BoardSpec => ({
    ...VIRT,
    devices: VIRT.devices.map((d) => (d.name === VIRTIO ? { ...d, modelOptions: { ...d.modelOptions, version } } : d)),
  });
  /** [the map by compatible, the map refined by the device's registers]. */
  function refined(spec: BoardSpec, regsFile?: string): [string, string] {
    board = makeSimBoard(spec);
    const b = board.b;
    bindDevice(b, resolveDevice(VIRTIO, listDevices(b)), { stateDir: join(board.stateDir, "host") });
    const found = registerMapFor(b, VIRTIO, regsFile ? { regsFile } : {})!;
    using s = openDevice(b, VIRTIO);
    const regs = new NamedRegisters(s.device, found.map);
    const out = refineRegisterMap(found, (name) => regs.read(name));
    expect(out.source).toEqual(out.source.kind === "builtin" ? { kind: "builtin", key: out.map.name, readFrom: ["Version", "DeviceID"] } : found.source);
    return [found.map.name, out.map.name];
  }
  test("by compatible the legacy layout; a Version 2 transport gets the virtio 1.x map", () => {
    expect(refined(withVersion(2))).toEqual(["virtio-mmio-v1", "virtio-mmio-v2"]);
  });
  test("a Version 1 transport keeps the legacy map", () => {
    expect(refined(withVersion(1))).toEqual(["virtio-mmio-v1", "virtio-mmio-v1"]);
  });
  test("a map from a file is never replaced", () => {
    const path = join(dir, "virtio-own.json");
    writeFileSync(path, JSON.stringify({ "vfio-plat-register-map": 1, name: "own", registers: [{ name: "Version", offset: 4, access: "RO" }, { name: "DeviceID", offset: 8, access: "RO" }] }));
    expect(refined(withVersion(2), path)).toEqual(["own", "own"]);
  });
});
