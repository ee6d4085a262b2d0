// docs/register-map.schema.json stays in step with the map file reader: it names exactly the keys the reader knows
// and the accesses it takes; the example map and every built-in map written as a file validate against it and read
// back to the same map; shapes the reader refuses for their form are refused by the schema too. A board file's inline
// `regs` is checked against the same definitions.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadRegisterMapFile, parseRegisterMap } from "../../src/index.ts";
import { BUILTIN_MAPS } from "../../src/registers/builtin/index.ts";
import { ACCESSES, FIELD_KEYS, MAP_KEYS, REGISTER_KEYS } from "../../src/registers/map-file.ts";
import { registerMapFileOf } from "../../src/registers/map-file-export.ts";
import { REPO } from "../helpers/cli.ts";
import { checkAgainst, checkSchema, docsSchema } from "../helpers/json-schema.ts";

const FILE = "register-map.schema.json";
const schema = docsSchema(FILE);
const check = (v: unknown) => checkAgainst(FILE, v);

describe("the schema names what the reader knows", () => {
  test("map keys", () => expect(Object.keys(schema.properties).sort()).toEqual([...MAP_KEYS].sort()));
  test("register keys", () => expect(Object.keys(schema.$defs.register.properties).sort()).toEqual([...REGISTER_KEYS].sort()));
  test("field keys", () => expect(Object.keys(schema.$defs.field.properties).sort()).toEqual([...FIELD_KEYS].sort()));
  test("the inline map (board files) has the map's keys without the format key", () => {
    expect(Object.keys(schema.$defs.inlineMap.properties).sort()).toEqual(MAP_KEYS.filter((k) => k !== "$schema" && k !== "vfio-plat-register-map").sort());
  });
  test("every access the reader takes, in either case, and nothing else", () => {
    for (const a of ACCESSES) {
      expect(checkSchema(FILE, schema.$defs.access, a)).toEqual([]);
      expect(checkSchema(FILE, schema.$defs.access, a.toLowerCase())).toEqual([]);
    }
    for (const bad of ["R", "RWX", "W1S", "WC"]) expect(checkSchema(FILE, schema.$defs.access, bad).length).toBeGreaterThan(0);
  });
});

describe("real maps validate and read back", () => {
  test("examples/register-maps/acme-status.json", () => {
    const path = join(REPO, "examples/register-maps/acme-status.json");
    expect(check(JSON.parse(require("node:fs").readFileSync(path, "utf8")))).toEqual([]);
    expect(loadRegisterMapFile(path).registers.map((r) => r.name)).toEqual(["ID", "CTRL", "STATUS", "KEY"]);
  });
  for (const [name, map] of Object.entries(BUILTIN_MAPS)) {
    test(`the built-in ${name}, written as a file`, () => {
      const file = registerMapFileOf(map);
      expect(check(JSON.parse(JSON.stringify(file)))).toEqual([]);
      expect(parseRegisterMap(JSON.stringify(file), `${name}.json`)).toEqual(map);
    });
  }
  test("shapes the reader refuses are refused", () => {
    const ok = { "vfio-plat-register-map": 1, name: "x", registers: [{ name: "A", offset: 0 }] };
    expect(check(ok)).toEqual([]);
    expect(check({ ...ok, "vfio-plat-register-map": 2 }).length).toBeGreaterThan(0);
    expect(check({ ...ok, size: 4 }).length).toBeGreaterThan(0);
    expect(check({ ...ok, registers: [{ name: "0A", offset: 0 }] }).length).toBeGreaterThan(0);
    expect(check({ ...ok, registers: [{ name: "A", offset: 0, width: 24 }] }).length).toBeGreaterThan(0);
    expect(check({ ...ok, registers: [{ name: "A", offset: 0, fields: [{ name: "F", bits: "a:b" }] }] }).length).toBeGreaterThan(0);
    expect(check({ ...ok, registers: [{ name: "A", offset: 0, fields: [{ name: "F", bits: 1, values: { one: "x" } }] }] }).length).toBeGreaterThan(0);
  });
  test("a board file's inline regs is checked against the map's definitions", () => {
    const board = (regs: unknown) => checkAgainst("board-file.schema.json", { "vfio-plat-board": 1, devices: [{ name: "a", regs }] });
    expect(board("map.json")).toEqual([]);
    expect(board(null)).toEqual([]);
    expect(board({ name: "m", registers: [{ name: "A", offset: "0x4" }] })).toEqual([]);
    expect(board({ name: "m", registers: [{ name: "A", offset: "0x4", bogus: 1 }] }).length).toBeGreaterThan(0);
    expect(board({ "vfio-plat-register-map": 1, name: "m", registers: [] }).length).toBeGreaterThan(0);
  });
});
