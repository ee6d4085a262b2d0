// A RegisterMap written as a register map file (docs/register-maps.md): the inverse of map-file.ts, so a built-in map
// can be the start of a user's own, and every built-in map is checked against the file format by a round trip.
// Offsets, resets and masks are hex text; fields are written as "bits"; keys come in the reader's order.
import { MAP_FORMAT_KEY, MAP_FORMAT_VERSION } from "./map-file.ts";
import type { FieldSpec, RegisterMap, RegisterSpec } from "./register-map.ts";

const hex = (v: number | bigint) => `0x${v.toString(16)}`;

function fieldEntry(f: FieldSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: f.name, bits: f.width === 1 ? `${f.lsb}` : `${f.lsb + f.width - 1}:${f.lsb}` };
  if (f.access !== undefined) out.access = f.access;
  if (f.description !== undefined) out.description = f.description;
  if (f.values !== undefined) out.values = { ...f.values };
  return out;
}

function registerEntry(r: RegisterSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: r.name };
  if (r.region !== 0) out.region = r.region;
  out.offset = hex(r.offset);
  if (r.width !== 32) out.width = r.width;
  out.access = r.access;
  if (r.reset !== undefined) out.reset = hex(r.reset);
  if (r.resetMask !== undefined) out.resetMask = hex(r.resetMask);
  if (r.description !== undefined) out.description = r.description;
  if (r.writeEffect !== undefined) out.writeEffect = r.writeEffect;
  if (r.fields !== undefined) out.fields = r.fields.map(fieldEntry);
  return out;
}

/** `map` as a register map file's JSON object (stand-alone: with the format key). */
export function registerMapFileOf(map: RegisterMap): Record<string, unknown> {
  const out: Record<string, unknown> = { [MAP_FORMAT_KEY]: MAP_FORMAT_VERSION, name: map.name };
  if (map.description !== undefined) out.description = map.description;
  if (map.compatible !== undefined) out.compatible = [...map.compatible];
  out.registers = map.registers.map(registerEntry);
  if (map.counterparts !== undefined) out.counterparts = Object.fromEntries(Object.entries(map.counterparts).map(([k, v]) => [k, [...v]]));
  return out;
}
