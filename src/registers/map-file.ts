// User register maps from JSON (docs/register-maps.md; schema docs/register-map.schema.json): a file the user names
// on the command line, a board file's `regs` file or its inline map. Read with positions in every refusal
// (RegisterMapFileError "FILE: WHERE: expected ..., found ..."), and refused when registers overlap, a field leaves its register's width or
// overlaps another, or a name repeats: a map that lies about the hardware is worse than none.
import { readFileSync } from "node:fs";
import { jsonErrorPosition } from "../json-file/json-position.ts";
import { at, JsonFileReader, type Obj } from "../json-file/json-reader.ts";
import { RegisterMapFileError } from "./errors.ts";
import type { FieldSpec, RegisterAccess, RegisterMap, RegisterSpec } from "./register-map.ts";

/** The format version key and its one value. */
export const MAP_FORMAT_KEY = "vfio-plat-register-map";
export const MAP_FORMAT_VERSION = 1;

export const MAP_KEYS = ["$schema", MAP_FORMAT_KEY, "name", "description", "compatible", "registers", "counterparts"];
export const REGISTER_KEYS = ["name", "region", "offset", "width", "access", "reset", "resetMask", "description", "writeEffect", "fields"];
export const FIELD_KEYS = ["name", "bits", "lsb", "width", "access", "description", "values"];
export const ACCESSES: readonly RegisterAccess[] = ["RO", "WO", "RW", "W1C", "RC"];
/** A register or field name: it must read as a name on a command line (a letter first; no dots). */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_WORDS = "a name of letters, digits and _ starting with a letter";

const reader = (file: string) => new JsonFileReader(file, (f, where, expected, found) => new RegisterMapFileError(f, where, expected, found));

/**
 * Read a register map file from disk.
 * @throws RegisterMapFileError when it cannot be read, is not JSON (with the line and column) or is not a valid map.
 */
export function loadRegisterMapFile(path: string): RegisterMap {
  return readRegisterMap(readJsonFile(path), path, "", true);
}

/** A map from JSON text; `file` names it in refusals. @throws RegisterMapFileError */
export function parseRegisterMap(text: string, file: string): RegisterMap {
  return readRegisterMap(parseJson(text, file), file, "", true);
}

/** The parsed JSON of file `path`. @throws RegisterMapFileError when unreadable or not JSON (with line and column). */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code ?? "an error";
    throw new RegisterMapFileError(path, "", "a readable file", code === "ENOENT" ? "no such file" : code);
  }
  return parseJson(text, path);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RegisterMapFileError(file, jsonErrorPosition(text) ?? "", "JSON", "text that is not JSON");
  }
}

/**
 * A map from an already parsed JSON value found at `path` of `file` (a board file's inline `regs` uses this with its
 * own path, and needs no format key).
 * @throws RegisterMapFileError
 */
export function readRegisterMap(value: unknown, file: string, path: string, standalone = false): RegisterMap {
  const r = reader(file);
  const o = r.obj(value, path, "a register map object");
  r.keys(o, path, standalone ? MAP_KEYS : MAP_KEYS.filter((k) => k !== MAP_FORMAT_KEY && k !== "$schema"));
  if (standalone && o[MAP_FORMAT_KEY] !== MAP_FORMAT_VERSION) r.fail(at(path, MAP_FORMAT_KEY), `${MAP_FORMAT_VERSION} (the format version)`, o[MAP_FORMAT_KEY]);
  const name = r.str(o.name, at(path, "name"), "the map's name");
  if (name.trim() === "") r.fail(at(path, "name"), "a name that is not empty", name);
  const map: { -readonly [K in keyof RegisterMap]: RegisterMap[K] } = { name, registers: [] };
  if (o.description !== undefined) map.description = r.str(o.description, at(path, "description"));
  if (o.compatible !== undefined) map.compatible = r.arr(o.compatible, at(path, "compatible")).map((c, i) => r.str(c, at(at(path, "compatible"), i)));
  const list = r.arr(o.registers, at(path, "registers"));
  const registers: RegisterSpec[] = [];
  const seen = new Map<string, number>();
  list.forEach((v, i) => {
    const p = at(at(path, "registers"), i);
    const reg = readRegister(r, v, p);
    const key = reg.name.toLowerCase();
    if (seen.has(key)) r.fail(at(p, "name"), `a name not used before (registers[${seen.get(key)}] is ${reg.name} already)`, reg.name);
    seen.set(key, i);
    const clash = registers.findIndex((q) => q.region === reg.region && q.offset < reg.offset + reg.width / 8 && reg.offset < q.offset + q.width / 8);
    if (clash >= 0) {
      const q = registers[clash]!;
      r.fail(at(p, "offset"), `a register that overlaps no other (registers[${clash}] ${q.name} covers 0x${q.offset.toString(16)}..0x${(q.offset + q.width / 8 - 1).toString(16)} of region ${q.region})`, r.words(`0x${reg.offset.toString(16)}`));
    }
    registers.push(reg);
  });
  map.registers = registers;
  if (o.counterparts !== undefined) map.counterparts = readCounterparts(r, o.counterparts, at(path, "counterparts"), registers);
  return map;
}

/** `counterparts`: names the map does not have, each with registers it does have. */
function readCounterparts(r: JsonFileReader, v: unknown, p: string, registers: readonly RegisterSpec[]): Record<string, string[]> {
  const o = r.obj(v, p, 'an object of other layouts\' names { "QueuePFN": ["QueueDescLow"] }');
  const has = (n: string) => registers.find((q) => q.name.toLowerCase() === n.toLowerCase());
  const out: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(o)) {
    const kp = at(p, name);
    if (!NAME.test(name)) r.fail(kp, NAME_WORDS, r.words(name));
    if (has(name)) r.fail(kp, "a name this map does not have (a register of another layout)", r.words(`register ${has(name)!.name}`));
    out[name] = r.arr(list, kp).map((n, i) => {
      const reg = has(r.str(n, at(kp, i), "a register name of this map"));
      return reg ? reg.name : r.fail(at(kp, i), "a register name of this map", n);
    });
  }
  return out;
}

function readRegister(r: JsonFileReader, v: unknown, p: string): RegisterSpec {
  const o = r.obj(v, p, 'a register { "name", "offset", ... }');
  r.keys(o, p, REGISTER_KEYS);
  const name = r.str(o.name, at(p, "name"), NAME_WORDS);
  if (!NAME.test(name)) r.fail(at(p, "name"), NAME_WORDS, name);
  const width = o.width === undefined ? 32 : r.oneOf(o.width, at(p, "width"), [8, 16, 32, 64] as const);
  const region = o.region === undefined ? 0 : r.int(o.region, at(p, "region"), 0, 0xffff);
  const offset = r.int(o.offset, at(p, "offset"), 0, 2 ** 48);
  if (offset % (width / 8) !== 0) r.fail(at(p, "offset"), `an offset aligned to the register's width (a multiple of ${width / 8})`, o.offset);
  const access = o.access === undefined ? "RW" : readAccess(r, o.access, at(p, "access"));
  const max = (1n << BigInt(width)) - 1n;
  const spec: { -readonly [K in keyof RegisterSpec]: RegisterSpec[K] } = { name, region, offset, width, access };
  if (o.reset !== undefined) spec.reset = r.big(o.reset, at(p, "reset"), max, `a value that fits ${width} bits (a number or a "0x..." string)`);
  if (o.resetMask !== undefined) spec.resetMask = r.big(o.resetMask, at(p, "resetMask"), max, `a mask that fits ${width} bits (a number or a "0x..." string)`);
  if (o.description !== undefined) spec.description = r.str(o.description, at(p, "description"));
  if (o.writeEffect !== undefined) spec.writeEffect = r.str(o.writeEffect, at(p, "writeEffect"));
  if (o.fields !== undefined) {
    const fields: FieldSpec[] = [];
    r.arr(o.fields, at(p, "fields")).forEach((fv, i) => {
      const fp = at(at(p, "fields"), i);
      const f = readField(r, fv, fp, width);
      const dup = fields.findIndex((g) => g.name.toLowerCase() === f.name.toLowerCase());
      if (dup >= 0) r.fail(at(fp, "name"), `a field name not used before in ${name} (fields[${dup}])`, f.name);
      const clash = fields.findIndex((g) => g.lsb < f.lsb + f.width && f.lsb < g.lsb + g.width);
      if (clash >= 0) r.fail(fp, `bits no other field of ${name} has (fields[${clash}] ${fields[clash]!.name} is ${bitsText(fields[clash]!)})`, r.words(`bits ${bitsText(f)}`));
      fields.push(f);
    });
    spec.fields = fields;
  }
  return spec;
}

function readField(r: JsonFileReader, v: unknown, p: string, registerWidth: number): FieldSpec {
  const o = r.obj(v, p, 'a field { "name", "bits": "7:4" } (or "lsb" and "width")');
  r.keys(o, p, FIELD_KEYS);
  const name = r.str(o.name, at(p, "name"), NAME_WORDS);
  if (!NAME.test(name)) r.fail(at(p, "name"), NAME_WORDS, name);
  let lsb: number;
  let width: number;
  if (o.bits !== undefined) {
    if (o.lsb !== undefined || o.width !== undefined) r.fail(p, 'either "bits" or "lsb" and "width", not both', r.words("both"));
    const text = typeof o.bits === "number" ? String(o.bits) : r.str(o.bits, at(p, "bits"), 'bits as "MSB:LSB" or "BIT"');
    const m = /^\s*(\d+)\s*(?::\s*(\d+)\s*)?$/.exec(text);
    if (!m) r.fail(at(p, "bits"), 'bits as "MSB:LSB" or "BIT"', o.bits);
    const msb = Number(m[1]);
    lsb = m[2] === undefined ? msb : Number(m[2]);
    if (msb < lsb) r.fail(at(p, "bits"), '"MSB:LSB" with MSB ≥ LSB', o.bits);
    width = msb - lsb + 1;
  } else {
    lsb = r.int(o.lsb, at(p, "lsb"), 0, 63, 'a least significant bit 0..63 (or "bits": "MSB:LSB")');
    width = r.int(o.width, at(p, "width"), 1, 64, "a width in bits 1..64");
  }
  if (lsb + width > registerWidth) r.fail(at(p, o.bits !== undefined ? "bits" : "width"), `bits inside the register's ${registerWidth}`, r.words(`bits ${lsb + width - 1}:${lsb}`));
  const field: { -readonly [K in keyof FieldSpec]: FieldSpec[K] } = { name, lsb, width };
  if (o.access !== undefined) field.access = readAccess(r, o.access, at(p, "access"));
  if (o.description !== undefined) field.description = r.str(o.description, at(p, "description"));
  if (o.values !== undefined) {
    const vo = r.obj(o.values, at(p, "values"), 'an object of value meanings { "0": "Stopped", "0x1": "Executing" }') as Obj;
    const values: Record<string, string> = {};
    const keyOf = new Map<bigint, string>();
    const max = (1n << BigInt(width)) - 1n;
    for (const [k, meaning] of Object.entries(vo)) {
      const kp = at(at(p, "values"), k);
      const n = r.big(k, kp, max, `a key that is a value of the field (0..0x${max.toString(16)}, decimal or "0x...")`);
      // "1" and "0x1" are one value: a second meaning for it would silently replace the first.
      const twin = keyOf.get(n);
      if (twin !== undefined) r.fail(kp, `one meaning per value (0x${n.toString(16)} already has one, as "${twin}")`, r.words(`a second key for 0x${n.toString(16)}`));
      keyOf.set(n, k);
      values[n.toString()] = r.str(meaning, kp, "the meaning of the value, a string");
    }
    field.values = values;
  }
  return field;
}

function readAccess(r: JsonFileReader, v: unknown, p: string): RegisterAccess {
  if (typeof v === "string" && ACCESSES.includes(v.toUpperCase() as RegisterAccess)) return v.toUpperCase() as RegisterAccess;
  return r.fail(p, `an access, one of ${ACCESSES.map((a) => `"${a}"`).join(", ")}`, v);
}

function bitsText(f: { lsb: number; width: number }): string {
  return f.width === 1 ? `${f.lsb}` : `${f.lsb + f.width - 1}:${f.lsb}`;
}
