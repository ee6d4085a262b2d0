// A small JSON Schema checker for the published schemas in docs/ (the subset they use: $ref within a file or to a
// sibling file's $defs, oneOf, const, enum, type, pattern, minimum/maximum, minLength, maxItems, required,
// properties, additionalProperties, propertyNames), so tests can check real files against them without a package.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./cli.ts";

export type Schema = Record<string, any>;

const loaded = new Map<string, Schema>();

/** docs/<file> parsed (cached). */
export function docsSchema(file: string): Schema {
  let s = loaded.get(file);
  if (!s) {
    s = JSON.parse(readFileSync(join(REPO, "docs", file), "utf8")) as Schema;
    loaded.set(file, s);
  }
  return s;
}

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);

/** Problems of `v` against `s` of schema file `file` (empty: valid), each with its JSON path. */
export function checkSchema(file: string, s: Schema, v: unknown, path = "$"): string[] {
  if (s.$ref) {
    const [target, pointer] = (s.$ref as string).split("#");
    const inFile = target ? target : file;
    const def = docsSchema(inFile).$defs[pointer!.replace("/$defs/", "")];
    if (!def) return [`${path}: unresolved $ref ${s.$ref}`];
    return checkSchema(inFile, def, v, path);
  }
  const out: string[] = [];
  if (s.oneOf) {
    const ok = (s.oneOf as Schema[]).filter((x) => checkSchema(file, x, v, path).length === 0).length;
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
  if (typeof v === "string") {
    if (s.pattern && !new RegExp(s.pattern).test(v)) out.push(`${path}: does not match ${s.pattern}`);
    if (s.minLength !== undefined && v.length < s.minLength) out.push(`${path}: shorter than ${s.minLength}`);
  }
  if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${path}: below minimum`);
    if (s.maximum !== undefined && v > s.maximum) out.push(`${path}: above maximum`);
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) out.push(`${path}: not above ${s.exclusiveMinimum}`);
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push(`${path}: too many items`);
    if (s.items) v.forEach((x, i) => out.push(...checkSchema(file, s.items, x, `${path}[${i}]`)));
  } else if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    for (const k of (s.required ?? []) as string[]) if (!(k in o)) out.push(`${path}: missing ${k}`);
    for (const [k, x] of Object.entries(o)) {
      if (s.propertyNames && checkSchema(file, s.propertyNames, k).length) out.push(`${path}.${k}: bad name`);
      if (s.properties && k in s.properties) out.push(...checkSchema(file, s.properties[k], x, `${path}.${k}`));
      else if (s.additionalProperties === false) out.push(`${path}.${k}: not allowed`);
      else if (typeof s.additionalProperties === "object") out.push(...checkSchema(file, s.additionalProperties, x, `${path}.${k}`));
    }
  }
  return out;
}

/** Problems of `v` against the whole schema docs/<file>. */
export function checkAgainst(file: string, v: unknown): string[] {
  return checkSchema(file, docsSchema(file), v);
}
