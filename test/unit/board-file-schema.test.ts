// docs/board-file.schema.json stays in step with the board-file reader: it names exactly the keys the reader knows
// (top level, devices, PL330 knobs, generic registers and their rules, SMMU profiles), and real board files (the
// example, every built-in board exported) validate against it, while files the reader refuses for their shape do not.
// The validator (test/helpers/json-schema.ts) covers the subset of JSON Schema the file uses.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEVICE_KEYS } from "../../src/sim/boards/board-file/device-entry.ts";
import { boardFileOf } from "../../src/sim/boards/board-file/export-board-file.ts";
import { BOARD_KEYS } from "../../src/sim/boards/board-file/load-board-file.ts";
import { BOARDS } from "../../src/sim/boards/index.ts";
import { GENERIC_ACCESS_RULES, GENERIC_REGISTER_KEYS } from "../../src/sim/devices/generic-mmio.ts";
import { PL330_OPTION_KEYS } from "../../src/sim/devices/pl330/config.ts";
import { SMMU_PROFILES } from "../../src/sim/iommu/smmu-profile.ts";
import { REPO } from "../helpers/cli.ts";
import { checkAgainst, docsSchema, type Schema } from "../helpers/json-schema.ts";

const schema: Schema = docsSchema("board-file.schema.json");
const defs = schema.$defs as Record<string, Schema>;
const check = (_s: Schema, v: unknown) => checkAgainst("board-file.schema.json", v);

describe("the schema names what the reader knows", () => {
  test("top-level keys", () => expect(Object.keys(schema.properties).sort()).toEqual([...BOARD_KEYS].sort()));
  test("device keys (model knobs included)", () => expect(Object.keys(defs.device!.properties).sort()).toEqual([...DEVICE_KEYS].sort()));
  test("PL330 knobs", () => expect(Object.keys(defs.pl330!.properties).sort()).toEqual([...PL330_OPTION_KEYS].sort()));
  test("generic registers and their access rules", () => {
    expect(Object.keys(defs.register!.properties).sort()).toEqual([...GENERIC_REGISTER_KEYS].sort());
    expect(defs.register!.properties.access.enum).toEqual([...GENERIC_ACCESS_RULES]);
  });
  test("SMMU profiles", () => expect(defs.smmu!.properties.profile.enum).toEqual(Object.keys(SMMU_PROFILES)));
});

describe("real board files validate", () => {
  test("examples/boards/secure-pl330.json", () => {
    expect(check(schema, JSON.parse(readFileSync(join(REPO, "examples/boards/secure-pl330.json"), "utf8")))).toEqual([]);
  });
  for (const [name, spec] of Object.entries(BOARDS)) {
    test(`the built-in ${name}, exported`, () => expect(check(schema, JSON.parse(JSON.stringify(boardFileOf(spec))))).toEqual([]));
  }
  test("shapes the reader refuses are refused", () => {
    expect(check(schema, { "vfio-plat-board": 2 }).length).toBeGreaterThan(0);
    expect(check(schema, { "vfio-plat-board": 1, board: "x" }).length).toBeGreaterThan(0);
    expect(check(schema, { "vfio-plat-board": 1, devices: [{ name: "a", pl330: { threads: 2 } }] }).length).toBeGreaterThan(0);
    expect(check(schema, { "vfio-plat-board": 1, devices: [{ name: "a", registers: [{ offset: 0, access: "rc" }] }] }).length).toBeGreaterThan(0);
    expect(check(schema, { "vfio-plat-board": 1, iommu: { profile: "smmuv4", name: "x" } }).length).toBeGreaterThan(0);
  });
});
