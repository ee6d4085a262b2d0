// User register map files: a good file becomes the map it says (hex strings, "bits" and lsb/width, value keys in hex,
// access in any case, defaults); every refusal is one RegisterMapFileError naming the file, the JSON path (or line and
// column for broken JSON), what was expected and what was found — overlaps, fields outside the width, duplicates.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRegisterMapFile, parseRegisterMap, RegisterMapFileError } from "../../src/index.ts";
import { resolveName } from "../../src/registers/resolve.ts";

const dir = mkdtempSync(join(tmpdir(), "vfio-plat-regmap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = {
  "vfio-plat-register-map": 1,
  name: "acme-status",
  description: "a status block",
  compatible: ["acme,status-block"],
  registers: [
    { name: "ID", offset: "0x0", access: "ro", reset: "0x51a70001" },
    {
      name: "CTRL",
      offset: 4,
      fields: [
        { name: "EN", bits: "0", values: { "0": "off", "0x1": "on" } },
        { name: "MODE", bits: "7:4" },
        { name: "DIV", lsb: 8, width: 8, access: "RO" },
      ],
    },
    { name: "STATUS", offset: "0x8", access: "W1C", reset: "3", fields: [{ name: "A", bits: 0 }, { name: "B", bits: 1 }] },
    { name: "COUNT", region: 1, offset: "0x10", width: 64, resetMask: "0xffffffff00000000" },
    { name: "KEY", offset: "0xc", access: "WO", width: 16 },
  ],
};

/** The RegisterMapFileError that parsing `value` (or text) throws. */
function refusal(value: unknown, file = "m.json"): RegisterMapFileError {
  try {
    parseRegisterMap(typeof value === "string" ? value : JSON.stringify(value), file);
  } catch (e) {
    expect(e).toBeInstanceOf(RegisterMapFileError);
    return e as RegisterMapFileError;
  }
  throw new Error("not refused");
}

/** GOOD with `edit` applied to a copy. */
function variant(edit: (m: typeof GOOD & Record<string, unknown>) => void): unknown {
  const m = structuredClone(GOOD) as typeof GOOD & Record<string, unknown>;
  edit(m);
  return m;
}

describe("a good map file", () => {
  test("becomes the map it says, with defaults filled in (region 0, 32 bits, RW)", () => {
    const path = join(dir, "good.json");
    writeFileSync(path, JSON.stringify(GOOD, null, 2));
    const map = loadRegisterMapFile(path);
    expect(map.name).toBe("acme-status");
    expect(map.compatible).toEqual(["acme,status-block"]);
    const [id, ctrl, status, count, key] = map.registers;
    expect(id).toEqual({ name: "ID", region: 0, offset: 0, width: 32, access: "RO", reset: 0x51a70001n });
    expect(ctrl!.access).toBe("RW");
    expect(ctrl!.fields).toEqual([
      { name: "EN", lsb: 0, width: 1, values: { "0": "off", "1": "on" } },
      { name: "MODE", lsb: 4, width: 4 },
      { name: "DIV", lsb: 8, width: 8, access: "RO" },
    ]);
    expect(status!.reset).toBe(3n);
    expect(count).toMatchObject({ region: 1, offset: 16, width: 64, resetMask: 0xffff_ffff_0000_0000n });
    expect(key).toMatchObject({ width: 16, access: "WO" });
  });
});

describe("every refusal names the file, the place, what was expected and what was found", () => {
  test("a missing file", () => {
    expect(() => loadRegisterMapFile(join(dir, "nope.json"))).toThrow(`${join(dir, "nope.json")}: expected a readable file, found no such file`);
  });
  test("text that is not JSON: line and column", () => {
    const e = refusal('{\n  "name": "x",\n  "registers": [,]\n}');
    expect(e.where).toBe("line 3 column 17");
    expect(e.message).toBe("m.json: line 3 column 17: expected JSON, found text that is not JSON");
  });
  test("the format version", () => {
    expect(refusal(variant((m) => delete (m as Record<string, unknown>)["vfio-plat-register-map"])).where).toBe('["vfio-plat-register-map"]');
  });
  test("an unknown key", () => {
    const e = refusal(variant((m) => ((m.registers[1] as Record<string, unknown>).size = 4)));
    expect(e.where).toBe("registers[1].size");
    expect(e.expected).toContain("one of the keys known here");
  });
  test("a name that is not a name (the CLI tells names from offsets by a leading letter)", () => {
    expect(refusal(variant((m) => (m.registers[0]!.name = "0ID"))).where).toBe("registers[0].name");
    expect(refusal(variant((m) => (m.registers[1]!.fields![0]!.name = "E.N"))).where).toBe("registers[1].fields[0].name");
  });
  test("overlapping registers, naming the one overlapped", () => {
    const e = refusal(variant((m) => (m.registers[4]!.offset = "0x6")));
    expect(e.where).toBe("registers[4].offset");
    expect(e.expected).toContain("registers[1] CTRL");
    expect(e.found).toBe("0x6");
  });
  test("registers in different regions do not overlap", () => {
    expect(() => parseRegisterMap(JSON.stringify(variant((m) => ((m.registers[3] as Record<string, unknown>).offset = "0x0"))), "m.json")).not.toThrow();
  });
  test("a misaligned offset", () => {
    expect(refusal(variant((m) => (m.registers[1]!.offset = 6))).expected).toContain("multiple of 4");
  });
  test("duplicate register names, case-insensitively", () => {
    const e = refusal(variant((m) => (m.registers[4]!.name = "ctrl")));
    expect(e.where).toBe("registers[4].name");
    expect(e.expected).toContain("registers[1]");
  });
  test("duplicate field names and overlapping fields", () => {
    expect(refusal(variant((m) => (m.registers[1]!.fields![1]!.name = "en"))).where).toBe("registers[1].fields[1].name");
    const e = refusal(variant((m) => (m.registers[1]!.fields![1]!.bits = "8:4")));
    expect(e.where).toBe("registers[1].fields[2]");
    expect(e.expected).toContain("fields[1] MODE is 8:4");
    expect(e.found).toBe("bits 15:8");
  });
  test("a field outside the register's width", () => {
    const e = refusal(variant((m) => (m.registers[4] = { name: "KEY", offset: "0xc", access: "WO", width: 16, fields: [{ name: "K", bits: "16:9" }] } as never)));
    expect(e.where).toBe("registers[4].fields[0].bits");
    expect(e.message).toContain("expected bits inside the register's 16, found bits 16:9");
    expect(refusal(variant((m) => ((m.registers[1]!.fields![2] as Record<string, unknown>).width = 25))).where).toBe("registers[1].fields[2].width");
  });
  test("a reset value wider than the register", () => {
    expect(refusal(variant((m) => (m.registers[0]!.reset = "0x100000000"))).where).toBe("registers[0].reset");
  });
  test("an unknown access", () => {
    expect(refusal(variant((m) => (m.registers[0]!.access = "R"))).expected).toContain('"W1C"');
  });
  test("a value meaning keyed by a value the field cannot hold", () => {
    expect(refusal(variant((m) => ((m.registers[1]!.fields![0] as Record<string, unknown>).values = { "2": "no" }))).where).toBe('registers[1].fields[0].values["2"]');
  });
  test("bits given both ways", () => {
    expect(refusal(variant((m) => ((m.registers[1]!.fields![0] as Record<string, unknown>).lsb = 0))).where).toBe("registers[1].fields[0]");
  });
});

describe("counterparts: another layout's names, each with the registers that do its job here", () => {
  test("are read (names as the map spells them) and an unknown name suggests them first", () => {
    const map = parseRegisterMap(JSON.stringify(variant((m) => (m.counterparts = { OLD_CTRL: ["ctrl", "STATUS"] }))), "m.json");
    expect(map.counterparts).toEqual({ OLD_CTRL: ["CTRL", "STATUS"] });
    expect(() => resolveName(map, "old_ctrl")).toThrow(expect.objectContaining({ suggestions: ["CTRL", "STATUS"] }));
  });
  test("a counterpart naming a register the map has, or pointing at one it lacks, is refused", () => {
    const own = refusal(variant((m) => (m.counterparts = { ctrl: ["ID"] })));
    expect([own.where, own.expected]).toEqual(["counterparts.ctrl", "a name this map does not have (a register of another layout)"]);
    const missing = refusal(variant((m) => (m.counterparts = { OLD: ["NOPE"] })));
    expect([missing.where, missing.found]).toEqual(["counterparts.OLD[0]", '"NOPE"']);
  });
});
