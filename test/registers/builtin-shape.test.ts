// Policy: every built-in register map is well formed. Names are unique as the resolver sees them (case-insensitive)
// and usable as CLI words; registers are aligned and never overlap in their region; fields lie inside their register
// and never overlap; reset values and masks fit the width; value meanings name values the field can hold.
import { describe, expect, test } from "bun:test";
import { BUILTIN_MAPS } from "../../src/registers/builtin/index.ts";
import { MAP_FORMAT_KEY, MAP_FORMAT_VERSION, parseRegisterMap } from "../../src/registers/map-file.ts";
import type { RegisterMap } from "../../src/registers/register-map.ts";

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Every rule break of one map, as "map REGISTER: what" lines (empty when the map is well formed). */
function shapeProblems(map: RegisterMap): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  const byRegion = new Map<number, { name: string; start: number; end: number }[]>();
  for (const r of map.registers) {
    const at = `${map.name} ${r.name}`;
    if (!NAME.test(r.name)) out.push(`${at}: name is not a word starting with a letter`);
    const key = r.name.toLowerCase();
    if (seen.has(key)) out.push(`${at}: name also used by ${seen.get(key)}`);
    seen.set(key, r.name);
    const bytes = r.width / 8;
    if (![8, 16, 32, 64].includes(r.width)) out.push(`${at}: width ${r.width}`);
    if (!Number.isInteger(r.offset) || r.offset < 0 || r.offset % bytes !== 0) out.push(`${at}: offset 0x${r.offset.toString(16)} not aligned to ${bytes}`);
    if (!Number.isInteger(r.region) || r.region < 0) out.push(`${at}: region ${r.region}`);
    const list = byRegion.get(r.region) ?? [];
    for (const o of list) if (r.offset < o.end && o.start < r.offset + bytes) out.push(`${at}: overlaps ${o.name}`);
    list.push({ name: r.name, start: r.offset, end: r.offset + bytes });
    byRegion.set(r.region, list);
    const limit = 1n << BigInt(r.width);
    if (r.reset !== undefined && (r.reset < 0n || r.reset >= limit)) out.push(`${at}: reset does not fit ${r.width} bits`);
    if (r.resetMask !== undefined && (r.resetMask < 0n || r.resetMask >= limit)) out.push(`${at}: resetMask does not fit ${r.width} bits`);
    if (r.resetMask !== undefined && r.reset === undefined) out.push(`${at}: resetMask without reset`);
    const fieldNames = new Set<string>();
    let used = 0n;
    for (const f of r.fields ?? []) {
      const fat = `${at}.${f.name}`;
      if (!NAME.test(f.name)) out.push(`${fat}: name is not a word starting with a letter`);
      if (fieldNames.has(f.name.toLowerCase())) out.push(`${fat}: field name used twice`);
      fieldNames.add(f.name.toLowerCase());
      if (!Number.isInteger(f.lsb) || !Number.isInteger(f.width) || f.lsb < 0 || f.width < 1 || f.lsb + f.width > r.width) {
        out.push(`${fat}: bits [${f.lsb + f.width - 1}:${f.lsb}] outside the ${r.width}-bit register`);
        continue;
      }
      const bits = ((1n << BigInt(f.width)) - 1n) << BigInt(f.lsb);
      if ((used & bits) !== 0n) out.push(`${fat}: overlaps another field`);
      used |= bits;
      for (const v of Object.keys(f.values ?? {})) {
        if (!/^(0|[1-9][0-9]*)$/.test(v) || BigInt(v) >= 1n << BigInt(f.width)) out.push(`${fat}: value key "${v}" does not fit ${f.width} bits`);
      }
    }
  }
  return out;
}

describe("built-in maps are well formed", () => {
  for (const [key, map] of Object.entries(BUILTIN_MAPS)) {
    test(`${key}`, () => {
      expect(map.name).toBe(key);
      expect(map.registers.length).toBeGreaterThan(0);
      expect(shapeProblems(map)).toEqual([]);
    });
  }
});

/** A map as a user's map file writes it (64-bit values as "0x..." strings). */
function asMapFile(map: RegisterMap): string {
  return JSON.stringify({ [MAP_FORMAT_KEY]: MAP_FORMAT_VERSION, ...map }, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v));
}

describe("built-in maps pass the user map-file reader's rules and survive a round trip through the file format", () => {
  for (const [key, map] of Object.entries(BUILTIN_MAPS)) {
    test(`${key}`, () => {
      expect(parseRegisterMap(asMapFile(map), `${key}.json`)).toEqual(map);
    });
  }
});

describe("the checker finds each kind of mistake", () => {
  const good = BUILTIN_MAPS["pl031"]!;
  const withRegister = (extra: object): RegisterMap => ({ ...good, registers: [...good.registers, { name: "X", region: 0, offset: 0x800, width: 32, access: "RW", ...extra }] });
  test.each([
    ["a duplicate name (other case)", { name: "rtcdr" }, "name also used by RTCDR"],
    ["an overlap", { offset: 0x002, width: 16 }, "overlaps RTCDR"],
    ["a misaligned offset", { offset: 0x802 }, "not aligned"],
    ["a field outside the width", { fields: [{ name: "F", lsb: 30, width: 4 }] }, "outside the 32-bit register"],
    ["overlapping fields", { fields: [{ name: "A", lsb: 0, width: 4 }, { name: "B", lsb: 3, width: 1 }] }, "overlaps another field"],
    ["a reset too wide", { reset: 1n << 32n }, "reset does not fit"],
    ["a value meaning out of range", { fields: [{ name: "F", lsb: 0, width: 1, values: { "2": "x" } }] }, 'value key "2"'],
    ["a name that is not a word", { name: "0x10" }, "not a word"],
  ])("%s", (_what, extra, message) => {
    expect(shapeProblems(withRegister(extra)).join("\n")).toContain(message);
  });
});
