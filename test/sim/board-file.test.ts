// Board files in the library (docs/board-files.md): the built-in boards export and load back to the same spec and
// the same text; `from` with overrides changes only what the file says (knobs merged key by key, devices removed and
// added, cmdline entries deleted by null); and every kind of mistake is one BoardFileError naming the file, the JSON
// path, what was expected and what was found, before any state exists.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoardFileError } from "../../src/sim/boards/board-errors.ts";
import { boardFileText } from "../../src/sim/boards/board-file/export-board-file.ts";
import { jsonErrorPosition } from "../../src/json-file/json-position.ts";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { VIRT, VIRT_NOIOMMU } from "../../src/sim/boards/virt.ts";

const dir = mkdtempSync(join(tmpdir(), "vfio-plat-board-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Write `content` (an object as JSON, or raw text) to a new file in the temp dir and return its path. */
function file(content: unknown, name = `b${n++}.json`): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return path;
}

const FORMAT = { "vfio-plat-board": 1 };

function loadError(content: unknown): BoardFileError {
  const path = file(content);
  try {
    boardSpecOf(path);
  } catch (e) {
    if (e instanceof BoardFileError) {
      expect(e.file).toBe(path);
      return e;
    }
    throw e;
  }
  throw new Error("the board file loaded");
}

describe("export and load round-trip", () => {
  for (const spec of [VIRT, VIRT_NOIOMMU]) {
    test(`${spec.name}: export -> load gives the same board; export again gives the same text`, () => {
      const text = boardFileText(spec);
      const loaded = boardSpecOf(file(text));
      expect(loaded).toEqual(spec);
      expect(boardFileText(loaded)).toBe(text);
    });
  }

  test("a board with every optional field survives the trip", () => {
    const spec: BoardSpec = structuredClone(VIRT);
    spec.smmus = [{ profile: "mmu401-s2", name: "7fb00000.iommu", ias: 40, compatible: ["arm,mmu-401", "arm,smmu-v1"], coherentWalk: true }];
    spec.iommufd = false;
    spec.pageSize = 65536;
    const dma = spec.devices.find((d) => d.model === "pl330")!;
    dma.modelOptions = { channels: 2, managerNonSecure: false, revision: "r1p0", cyclesPerMs: 1234.5 };
    dma.iommu = { smmu: "7fb00000.iommu", streamIds: [0, 1, 2] };
    dma.hasReset = true;
    dma.regions[0]!.name = "dma";
    spec.devices.push({
      name: "1c000000.regs",
      bus: "platform",
      compatible: ["acme,regs"],
      regions: [{ base: 0x1c00_0000n, size: 0x100, readOnly: true }],
      irqs: [{ trigger: "edge", hwirq: 70 }],
      model: "generic-mmio",
      modelOptions: { registers: [{ offset: 8, bits: 64, reset: "0xffffffffffffffff", access: "w1c", name: "ST" }] },
    });
    const text = boardFileText(spec);
    const loaded = boardSpecOf(file(text));
    expect(boardFileText(loaded)).toBe(text);
    expect(loaded.devices.find((d) => d.name === "1c000000.regs")!.modelOptions).toEqual(spec.devices.at(-1)!.modelOptions!);
    expect(loaded.devices.find((d) => d.model === "pl330")!.iommu).toEqual({ smmu: "7fb00000.iommu", streamIds: [0, 1, 2] });
  });
});

test("memory: a board file sets its RAM and huge page pool; export writes it back; a board without one keeps none", () => {
  const path = file({ ...FORMAT, from: "virt-noiommu", name: "ram", memory: { base: "0x80000000", size: "0x20000000", hugePageSize: "0x200000", hugePages: 16 } });
  const b = boardSpecOf(path);
  expect(b.memory).toEqual({ base: 0x8000_0000n, size: 0x2000_0000, hugePageSize: 0x20_0000, hugePages: 16 });
  expect(boardFileText(b)).toContain('"memory": { "base": "0x80000000", "size": "0x20000000", "hugePageSize": "0x200000", "hugePages": 16 }');
  expect(boardSpecOf(file(boardFileText(b))).memory).toEqual(b.memory);
  // From the built-in board, the RAM the lab boots comes along.
  expect(boardSpecOf(file({ ...FORMAT, from: "virt", name: "plain" })).memory).toEqual(VIRT.memory);
});

describe("from a board, with overrides", () => {
  test("PL330 knobs merge over the base device's; other devices stay as they were", () => {
    const base = structuredClone(VIRT);
    base.devices.find((d) => d.model === "pl330")!.modelOptions = { mfifoLines: 32 };
    const basePath = file(boardFileText(base));
    const path = file({ ...FORMAT, from: basePath, devices: [{ name: "2c0a0000.dma", pl330: { channels: 4, eventsNonSecure: "0x0" } }] }, "four-channels.json");
    const spec = boardSpecOf(path);
    const dma = spec.devices.find((d) => d.name === "2c0a0000.dma")!;
    expect(dma.modelOptions).toEqual({ mfifoLines: 32, channels: 4, eventsNonSecure: 0 });
    expect(dma.irqs).toEqual(VIRT.devices.find((d) => d.name === "2c0a0000.dma")!.irqs);
    expect(spec.devices.filter((d) => d.name !== "2c0a0000.dma")).toEqual(VIRT.devices.filter((d) => d.name !== "2c0a0000.dma"));
    expect(spec.name).toBe("four-channels"); // named after its file when it gives no name, not after its base board
  });

  test("devices removed and added, fields removed by null, cmdline entries set and deleted, IOMMU switched off", () => {
    const spec = boardSpecOf(
      file({
        ...FORMAT,
        from: "virt",
        name: "small",
        iommu: "none",
        cmdline: { "vfio_platform.reset_required": null, "vfio.enable_unsafe_noiommu_mode": "1" },
        devices: [
          { name: "0000:00:02.0", remove: true },
          { name: "a000200.virtio_mmio", remove: true },
          ...["9000000.pl011", "9010000.pl031", "a000000.virtio_mmio", "2c0a0000.dma"].map((name) => ({ name, iommuGroup: null })),
          { name: "9000000.pl011", console: null, driver: null },
          {
            name: "1c000000.regs",
            bus: "platform",
            compatible: ["acme,regs"],
            model: "generic-mmio",
            regions: [{ base: "0x1c000000", size: 4096 }],
            irqs: [{ hwirq: 80, trigger: "level" }],
            registers: [{ offset: "0x10", reset: 7, access: "ro" }],
          },
        ].filter((e, i, all) => all.findIndex((x) => x.name === e.name) === i),
      }),
    );
    expect(spec.iommu).toBe("none");
    expect(spec.smmu).toBeUndefined();
    expect(spec.cmdline).toEqual({ "vfio.enable_unsafe_noiommu_mode": "1" });
    expect(spec.devices.map((d) => d.name)).toEqual(["9000000.pl011", "9010000.pl031", "a000000.virtio_mmio", "2c0a0000.dma", "1c000000.regs"]);
    expect(spec.devices.every((d) => d.iommuGroup === undefined)).toBe(true);
    expect(spec.devices.at(-1)!.modelOptions).toEqual({ registers: [{ offset: 16, reset: "0x7", access: "ro" }] });
  });

  test("a board file may start from another board file (paths relative to the file)", () => {
    file({ ...FORMAT, from: "virt-noiommu", name: "mid", devices: [{ name: "2c0a0000.dma", pl330: { channels: 2 } }] }, "mid.json");
    const spec = boardSpecOf(file({ ...FORMAT, from: "./mid.json", name: "top", devices: [{ name: "2c0a0000.dma", pl330: { events: 4 } }] }));
    expect(spec.name).toBe("top");
    expect(spec.iommu).toBe("none");
    expect(spec.devices.find((d) => d.name === "2c0a0000.dma")!.modelOptions).toEqual({ channels: 2, events: 4 });
  });

  test("a model this simulator does not have is refused where the file names it", () => {
    const e = loadError({ ...FORMAT, from: "virt", devices: [{ name: "2c0a0000.dma", model: "nosuch" }] });
    expect(e.where).toBe("devices[0].model");
    expect(e.expected).toContain("generic-mmio");
  });
});

/** [what is wrong, the file's content, JSON path, a fragment of expected, a fragment of found] */
const ERRORS: [string, unknown, string, string, string][] = [
  ["not JSON", '{\n  "vfio-plat-board": 1,\n  "name": x\n}\n', "", "JSON", "line 3 column 11"],
  ["empty", "", "", "JSON", "an empty file"],
  ["not an object", "[]", "", "a board file: a JSON object", "a list of 0"],
  ["no format marker", { name: "x", iommu: "none", devices: [] }, `["vfio-plat-board"]`, "format version 1", "nothing"],
  ["another format version", { "vfio-plat-board": 2 }, `["vfio-plat-board"]`, "format version 1", "2"],
  ["an unknown top-level key", { ...FORMAT, from: "virt", board: "x" }, "board", "one of the keys known here", 'key "board"'],
  ["an unknown base board", { ...FORMAT, from: "juno" }, "from", "a built-in board (virt, virt-noiommu)", '"juno"'],
  ["a stand-alone board without devices", { ...FORMAT, iommu: "none" }, "devices", "the board's devices", "nothing"],
  ["a stand-alone board without its IOMMU", { ...FORMAT, devices: [] }, "iommu", '"none" or', "nothing"],
  ["an unknown SMMU profile", { ...FORMAT, from: "virt", iommu: { profile: "smmuv4", name: "x.smmu" } }, "iommu.profile", '"mmu401-s2"', '"smmuv4"'],
  ["a bad page size", { ...FORMAT, from: "virt", pageSize: 8192 }, "pageSize", "4096, 16384, 65536", "8192"],
  ["memory without its size", { ...FORMAT, from: "virt", memory: { base: "0x80000000" } }, "memory.size", "a RAM size of at least one page", "nothing"],
  ["a misaligned memory base", { ...FORMAT, from: "virt", memory: { base: "0x80000010", size: "0x40000000" } }, "memory.base", "aligned to the page size", '"0x80000010"'],
  ["a huge page size that is no power of two", { ...FORMAT, from: "virt", memory: { base: "0x80000000", size: "0x40000000", hugePageSize: "0x300000" } }, "memory.hugePageSize", "a power of two", '"0x300000"'],
  ["an unknown memory key", { ...FORMAT, from: "virt", memory: { base: 0, size: "0x40000000", numa: 2 } }, "memory.numa", "one of the keys known here (base, size,", 'key "numa"'],
  ["a bad cmdline value", { ...FORMAT, from: "virt", cmdline: { "vfio.x": 1 } }, 'cmdline["vfio.x"]', "a string value", "1"],
  ["a PL330 knob out of range", { ...FORMAT, from: "virt", devices: [{ name: "2c0a0000.dma", pl330: { channels: 9 } }] }, "devices[0].pl330.channels", "an integer in 1..8", "9"],
  ["an unknown PL330 knob", { ...FORMAT, from: "virt", devices: [{ name: "2c0a0000.dma", pl330: { threads: 2 } }] }, "devices[0].pl330.threads", "one of the keys known here (channels, events,", 'key "threads"'],
  ["a PL330 revision that does not exist", { ...FORMAT, from: "virt", devices: [{ name: "2c0a0000.dma", pl330: { revision: "r2p0" } }] }, "devices[0].pl330.revision", "r1p2", '"r2p0"'],
  ["knobs of another model", { ...FORMAT, from: "virt", devices: [{ name: "9010000.pl031", pl330: { channels: 2 } }] }, "devices[0].pl330", 'model pl031 under "pl031"', "knobs for another model"],
  ["a new device without regions", { ...FORMAT, from: "virt", devices: [{ name: "1.x", bus: "platform", compatible: [], model: "generic-mmio", irqs: [] }] }, "devices[0].regions", "no device \"1.x\"", "nothing"],
  ["a bad region base", { ...FORMAT, from: "virt", devices: [{ name: "9010000.pl031", regions: [{ base: "9010000h", size: 4096 }] }] }, "devices[0].regions[0].base", "an integer", '"9010000h"'],
  ["a bad interrupt trigger", { ...FORMAT, from: "virt", devices: [{ name: "9010000.pl031", irqs: [{ hwirq: 34, trigger: "rising" }] }] }, "devices[0].irqs[0].trigger", '"level", "edge"', '"rising"'],
  ["a device booted on a VFIO driver", { ...FORMAT, from: "virt", devices: [{ name: "9010000.pl031", driver: "vfio-amba" }] }, "devices[0].driver", "a native driver", '"vfio-amba"'],
  ["a name given twice", { ...FORMAT, from: "virt", devices: [{ name: "9010000.pl031" }, { name: "9010000.pl031" }] }, "devices[1].name", "a name no other entry", '"9010000.pl031"'],
  ["a device name with a slash", { ...FORMAT, from: "virt", devices: [{ name: "a/b" }] }, "devices[0].name", "a device name as Linux gives it", '"a/b"'],
  ["removing a device the base does not have", { ...FORMAT, from: "virt", devices: [{ name: "1.x", remove: true }] }, "devices[0].name", "a device of the board this file starts from", '"1.x"'],
  ["a register outside its region", { ...FORMAT, from: "virt", devices: [{ name: "a000000.virtio_mmio", model: "generic-mmio", registers: [{ offset: "0x200" }] }] }, "devices[0].registers[0].offset", "inside region 0", "0x200"],
  ["overlapping registers", { ...FORMAT, from: "virt", devices: [{ name: "a000000.virtio_mmio", model: "generic-mmio", registers: [{ offset: 0, bits: 64 }, { offset: 4 }] }] }, "devices[0].registers[1].offset", "registers[0] covers 0x4", "0x4"],
  ["an unknown access rule", { ...FORMAT, from: "virt", devices: [{ name: "a000000.virtio_mmio", model: "generic-mmio", registers: [{ offset: 0, access: "rc" }] }] }, "devices[0].registers[0].access", "rw, ro, w1c, w1s, wo", '"rc"'],
  ["a reset value wider than the register", { ...FORMAT, from: "virt", devices: [{ name: "a000000.virtio_mmio", model: "generic-mmio", registers: [{ offset: 0, bits: 8, reset: "0x100" }] }] }, "devices[0].registers[0].reset", "unsigned 8-bit", '"0x100"'],
  ["a master behind an SMMU the board does not have", { ...FORMAT, from: "virt", devices: [{ name: "2c0a0000.dma", iommu: { smmu: "7fb00000.iommu", streamIds: [0] } }] }, "devices[0].iommu.smmu", "9050000.smmuv3", '"7fb00000.iommu"'],
  ["a PCI identity on a platform device", { ...FORMAT, from: "virt", devices: [{ name: "9010000.pl031", pci: { vendor: 1, device: 2, subsystemVendor: 0, subsystemDevice: 0, revision: 0, classCode: 0, bars: [], interruptPin: 0 } }] }, "devices[0].pci", "only a device on bus pci", "an object"],
];

describe("every mistake is one BoardFileError: file, JSON path, expected, found", () => {
  for (const [what, content, where, expected, found] of ERRORS) {
    test(what, () => {
      const e = loadError(content);
      expect(e.where).toBe(where);
      expect(e.expected).toContain(expected);
      expect(e.found).toContain(found);
      expect(e.message).toContain(e.file);
    });
  }

  test("a missing file and a directory", () => {
    const missing = join(dir, "nope.json");
    expect(() => boardSpecOf(missing)).toThrow(new BoardFileError(missing, "", "a readable board file", "no such file (ENOENT)"));
    const d = join(dir, "d.json");
    require("node:fs").mkdirSync(d);
    expect(() => boardSpecOf(d)).toThrow(BoardFileError);
  });

  test("a board file that starts from itself", () => {
    const path = join(dir, "loop.json");
    writeFileSync(path, JSON.stringify({ ...FORMAT, from: "./loop.json" }));
    expect(() => boardSpecOf(path)).toThrow("a board file that does not start from itself");
  });

  test("a .dtb `from` goes to the device-tree builder: its error names the device tree, not the board file", () => {
    const path = file({ ...FORMAT, from: "missing-board.dtb" });
    let err: unknown;
    try {
      boardSpecOf(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BoardFileError);
    expect((err as BoardFileError).file).toBe(join(dir, "missing-board.dtb"));
    expect((err as BoardFileError).found).toContain("ENOENT");
  });

  test.skipIf(!Bun.which("dtc"))("a .dts `from` builds the tree's board, and the file's overrides apply on top (needs dtc)", () => {
    const dts = join(import.meta.dir, "../fixtures/dt/flat-board.dts");
    const spec = boardSpecOf(file({ ...FORMAT, name: "from-dt", from: dts }));
    expect(spec.name).toBe("from-dt");
    expect(spec.devices.map((d) => d.name)).toContain("7ff00000.dma-controller");
  });
});

describe("JSON error position", () => {
  test("line and column of the first character that is not JSON", () => {
    expect(jsonErrorPosition('{"a": 1,\n "b": tru}')).toBe("line 2 column 7");
    expect(jsonErrorPosition("[1, 2,]")).toBe("line 1 column 7");
    expect(jsonErrorPosition('{"a": "x\ny"}')).toBe("line 1 column 9");
    expect(jsonErrorPosition('{"a": [1]} x')).toBe("line 1 column 12");
    expect(jsonErrorPosition('{"a": [1, {"b": null}], "c": -1.5e3}')).toBeUndefined();
  });
});

test("board.json's check knows the IOMMU fields a board file can set (a damaged one is state damage)", () => {
  const { bootState } = require("../../src/sim/state/board-state.ts");
  const { checkBoardState } = require("../../src/sim/state/state-shape.ts");
  const spec: BoardSpec = structuredClone(VIRT);
  spec.smmus = [{ profile: "mmu401-s2", name: "7fb00000.iommu" }];
  spec.devices[0]!.iommu = { smmu: "7fb00000.iommu", streamIds: [0, 1] };
  expect(() => checkBoardState(bootState(spec), "board.json", dir)).not.toThrow();
  (spec.devices[0]!.iommu as { streamIds: unknown[] }).streamIds = [0, "x"];
  expect(() => checkBoardState(bootState(spec), "board.json", dir)).toThrow("iommu.streamIds[1]");
  spec.devices[0]!.iommu = { smmu: "7fb00000.iommu", streamIds: [] };
  (spec.smmus as unknown[]) = [{ profile: "mmu401-s2" }];
  expect(() => checkBoardState(bootState(spec), "board.json", dir)).toThrow("board.smmus[0].name");
});

test("a user model's path (model \"module\") is made absolute against the board file's directory; export writes it back", () => {
  const { MODEL_KNOBS } = require("../../src/sim/boards/board-file/model-knobs.ts");
  const { JsonReader } = require("../../src/sim/boards/board-file/json-reader.ts");
  const knobs = MODEL_KNOBS.module;
  const models = join(dir, "models");
  require("node:fs").mkdirSync(models, { recursive: true });
  writeFileSync(join(models, "dma.ts"), "export {};\n");
  const options = knobs.read(new JsonReader("b.json"), { path: "./models/dma.ts", lanes: 2 }, "devices[0].module", dir);
  expect(options).toEqual({ module: join(models, "dma.ts"), lanes: 2 });
  expect(knobs.read(new JsonReader("b.json"), { path: join(models, "dma.ts") }, "devices[0].module", "/elsewhere")).toEqual({ module: join(models, "dma.ts") });
  expect(knobs.write(options)).toEqual({ path: join(models, "dma.ts"), lanes: 2 });
  expect(() => knobs.read(new JsonReader("b.json"), { file: "x.ts" }, "devices[0].module", dir)).toThrow("devices[0].module.path");
});

/** A new device of model "module" at `path` on virt. */
const userDevice = (path: string) => ({
  name: "1c000000.m",
  bus: "platform",
  compatible: ["acme,m"],
  model: "module",
  module: { path },
  regions: [{ base: "0x1c000000", size: "0x1000" }],
  irqs: [],
});

describe("a board file is refused when it names what is not there, or what does not fit", () => {
  test("a model module that does not exist: refused at load, naming devices[i].module.path (not at the board's first open)", () => {
    const e = loadError({ ...FORMAT, from: "virt", devices: [{ name: "9010000.pl031" }, userDevice("./no-such-model.ts")] });
    expect(e.where).toBe("devices[1].module.path");
    expect(e.found).toBe('"./no-such-model.ts", which is no file');
    // A directory is no model either; the same file next to the board file loads.
    require("node:fs").mkdirSync(join(dir, "dir-model.ts"), { recursive: true });
    expect(loadError({ ...FORMAT, from: "virt", devices: [userDevice("./dir-model.ts")] }).where).toBe("devices[0].module.path");
    writeFileSync(join(dir, "real-model.ts"), "export {};\n");
    const spec = boardSpecOf(file({ ...FORMAT, from: "virt", devices: [userDevice("./real-model.ts")] }));
    expect(spec.devices.find((d) => d.name === "1c000000.m")?.modelOptions).toEqual({ module: join(dir, "real-model.ts") });
  });

  test("removing an SMMU that a master still sits behind names the removal; removing the master too (or its iommu) is fine", () => {
    const smmu = { profile: "mmu401-s2", name: "7fb00000.iommu" };
    const base = file({
      ...FORMAT,
      from: "virt",
      smmus: [smmu],
      devices: [
        { name: "7fb00000.iommu", bus: "platform", compatible: ["arm,mmu-401"], model: "generic-mmio", regions: [{ base: "0x7fb00000", size: "0x10000" }], irqs: [] },
        { name: "2c0a0000.dma", iommu: { smmu: smmu.name, streamIds: [0, 1] } },
      ],
    });
    const e = loadError({ ...FORMAT, from: base, devices: [{ name: "7fb00000.iommu", remove: true }] });
    expect(e.where).toBe("devices[0].remove");
    expect(e.expected).toContain("2c0a0000.dma's iommu names it");
    const cut = boardSpecOf(file({ ...FORMAT, from: base, devices: [{ name: "7fb00000.iommu", remove: true }, { name: "2c0a0000.dma", iommu: null }] }));
    expect(cut.smmus).toEqual([]);
    expect(cut.devices.find((d) => d.name === "2c0a0000.dma")?.iommu).toBeUndefined();
    // A master added later that names the removed SMMU is refused too (the SMMU is no longer the board's).
    const again = loadError({ ...FORMAT, from: base, devices: [{ name: "7fb00000.iommu", remove: true }, { name: "2c0a0000.dma", iommu: null }, { name: "9010000.pl031", iommu: { smmu: smmu.name, streamIds: [3] } }] });
    expect(again.where).toBe("devices[0].remove");
    expect(again.expected).toContain("9010000.pl031's iommu names it");
  });

  test("the board-wide SMMU cannot be removed as a device: iommu none says so", () => {
    const base = file({ ...FORMAT, from: "virt", devices: [{ name: "9050000.smmuv3", bus: "platform", compatible: ["arm,smmu-v3"], model: "generic-mmio", regions: [{ base: "0x9050000", size: "0x20000" }], irqs: [] }] });
    expect(boardSpecOf(base).devices.find((d) => d.name === "9050000.smmuv3")?.nativeDriver).toBeUndefined();
    const e = loadError({ ...FORMAT, from: base, devices: [{ name: "9050000.smmuv3", remove: true }] });
    expect(e.where).toBe("devices[0].remove");
    expect(e.expected).toContain('"iommu": "none"');
  });

  test("a driver none of the device's compatibles matches on its bus is refused; the matching one and null are fine", () => {
    const e = loadError({ ...FORMAT, from: "virt", devices: [{ name: "2c0a0000.dma", driver: "rtc-pl031" }] });
    expect(e.where).toBe("devices[0].driver");
    expect(e.expected).toBe('"dma-pl330" (the driver that matches arm,pl330, arm,primecell on the amba bus), or null');
    expect(e.found).toBe('"rtc-pl031"');
    // A modelled driver on a device no compatible of which it matches (here: on the wrong bus).
    const bus = loadError({ ...FORMAT, from: "virt", devices: [{ name: "2c0a0000.dma", bus: "platform" }] });
    expect(bus.where).toBe("devices[0].driver");
    expect(bus.expected).toContain("dma-pl330 matches none of them");
    const generic = loadError({ ...FORMAT, from: "virt", devices: [{ name: "1c0f0000.gen", bus: "platform", compatible: ["acme,gen"], model: "generic-mmio", regions: [{ base: "0x1c0f0000", size: "0x1000" }], irqs: [], driver: "uart-pl011" }] });
    expect(generic.expected).toContain("a driver that matches acme,gen on the platform bus");
    // Changing a device's compatibles leaves its driver to be checked against the new ones.
    expect(loadError({ ...FORMAT, from: "virt", devices: [{ name: "9010000.pl031", compatible: ["arm,pl011", "arm,primecell"] }] }).expected).toContain('"uart-pl011"');
    expect(boardSpecOf(file({ ...FORMAT, from: "virt", devices: [{ name: "2c0a0000.dma", driver: null }] })).devices.find((d) => d.name === "2c0a0000.dma")?.nativeDriver).toBeUndefined();
    // A driver this simulator does not model may be the user's own, for a device of their own.
    const own = boardSpecOf(file({ ...FORMAT, from: "virt", devices: [{ name: "1c0f0000.gen", bus: "platform", compatible: ["acme,gen"], model: "generic-mmio", regions: [{ base: "0x1c0f0000", size: "0x1000" }], irqs: [], driver: "acme-gen" }] }));
    expect(own.devices.find((d) => d.name === "1c0f0000.gen")?.nativeDriver).toBe("acme-gen");
  });
});
