// docs/board-file.schema.json stays in step with the board-file reader: it names exactly the keys the reader knows
// (top level, devices, PL330 knobs, generic registers and their rules, SMMU profiles), and real board files (the
// example, every built-in board exported) validate against it, while files the reader refuses for their shape do not.
// The validator here covers the subset of JSON Schema the file uses.
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

type Schema = Record<string, any>;
const schema: Schema = JSON.parse(readFileSync(join(REPO, "docs/board-file.schema.json"), "utf8"));
const defs = schema.$defs as Record<string, Schema>;

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);

/** Problems of `v` against `s` (empty: valid), each with its JSON path. */
function check(s: Schema, v: unknown, path = "$"): string[] {
  if (s.$ref) return check(defs[(s.$ref as string).replace("#/$defs/", "")]!, v, path);
  const out: string[] = [];
  if (s.oneOf) {
    const ok = (s.oneOf as Schema[]).filter((x) => check(x, v, path).length === 0).length;
    if (ok !== 1) out.push(`${path}: matches ${ok} of oneOf`);
    return out;
  }
  if ("const" in s && v !== s.const) out.push(`${path}: not ${JSON.stringify(s.const)}`);
  if (s.enum && !(s.enum as unknown[]).includes(v)) out.push(`${path}: not in enum`);
  if (s.type) {
    const types = [s.type].flat() as string[];
    const t = typeOf(v);
    if (!types.includes(t) && !(t === "integer" && types.includes("number"))) out.push(`${path}: ${t}, not ${types.join("|")}`);
  }
  if (typeof v === "string" && s.pattern && !new RegExp(s.pattern).test(v)) out.push(`${path}: does not match ${s.pattern}`);
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${path}: below minimum`);
    if (s.maximum !== undefined && v > s.maximum) out.push(`${path}: above maximum`);
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) out.push(`${path}: not above ${s.exclusiveMinimum}`);
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push(`${path}: too many items`);
    if (s.items) v.forEach((x, i) => out.push(...check(s.items, x, `${path}[${i}]`)));
  } else if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    for (const k of (s.required ?? []) as string[]) if (!(k in o)) out.push(`${path}: missing ${k}`);
    for (const [k, x] of Object.entries(o)) {
      if (s.propertyNames && check(s.propertyNames, k).length) out.push(`${path}.${k}: bad name`);
      if (s.properties && k in s.properties) out.push(...check(s.properties[k], x, `${path}.${k}`));
      else if (s.additionalProperties === false) out.push(`${path}.${k}: not allowed`);
      else if (typeof s.additionalProperties === "object") out.push(...check(s.additionalProperties, x, `${path}.${k}`));
    }
  }
  return out;
}

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
