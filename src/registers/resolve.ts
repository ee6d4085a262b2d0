// Names to registers: "RTCDR" or "CSR0.CHANNEL_STATUS", matched case-insensitively against a map. An unknown name is
// refused with the closest known names (a shared prefix first, then by edit distance), so a misspelling gets its fix.
import { editDistance } from "../host/edit-distance.ts";
import { UnknownRegisterError } from "./errors.ts";
import type { FieldSpec, RegisterMap, RegisterSpec } from "./register-map.ts";

/** A resolved name: the register, and the field when the name was "REG.FIELD". */
export interface ResolvedName {
  register: RegisterSpec;
  field?: FieldSpec;
}

/** True when `text` is written as a name (starts with a letter) rather than an offset. */
export function looksLikeName(text: string): boolean {
  return /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?$/.test(text);
}

/**
 * The register (and field) `text` names in `map`, case-insensitively.
 * @throws UnknownRegisterError naming the map, the name asked and up to three suggestions.
 */
export function resolveName(map: RegisterMap, text: string): ResolvedName {
  const dot = text.indexOf(".");
  const regName = dot < 0 ? text : text.slice(0, dot);
  const register = findRegister(map, regName);
  if (!register) {
    const all = map.registers.map((r) => r.name);
    // Another layout's register (a legacy name on a modern transport): the registers that do its job here.
    const counterpart = Object.entries(map.counterparts ?? {}).find(([n]) => n.toLowerCase() === regName.toLowerCase())?.[1];
    if (counterpart) throw new UnknownRegisterError(map.name, text, counterpart);
    // "CSR0.CHANEL_STATUS" with a misspelt register: suggest registers (keeping the field part for the reader).
    throw new UnknownRegisterError(map.name, text, suggestNames(regName, all).map((n) => (dot < 0 ? n : `${n}${text.slice(dot)}`)));
  }
  if (dot < 0) return { register };
  const fieldName = text.slice(dot + 1);
  const field = register.fields?.find((f) => f.name.toLowerCase() === fieldName.toLowerCase());
  if (!field) {
    const names = (register.fields ?? []).map((f) => f.name);
    throw new UnknownRegisterError(map.name, text, suggestNames(fieldName, names).map((n) => `${register.name}.${n}`), register.name);
  }
  return { register, field };
}

/** The register called `name` (case-insensitive), or undefined. */
export function findRegister(map: RegisterMap, name: string): RegisterSpec | undefined {
  const want = name.toLowerCase();
  return map.registers.find((r) => r.name.toLowerCase() === want);
}

/**
 * The registers of `map` that any byte of [offset, offset + bytes) of region `region` falls in, in offset order: what
 * a range access would touch (a dump skips the RC ones among them unless asked by name).
 */
export function registersIn(map: RegisterMap, region: number, offset: number, bytes: number): RegisterSpec[] {
  return map.registers
    .filter((r) => r.region === region && r.offset < offset + bytes && offset < r.offset + r.width / 8)
    .sort((a, b) => a.offset - b.offset);
}

/**
 * Up to three of `names` close to `asked`: names sharing a prefix with it (either way) first, then names within an
 * edit distance (a swap of two neighbouring characters counts as one edit) of about a third of their length, each
 * group closest first.
 */
export function suggestNames(asked: string, names: readonly string[]): string[] {
  const a = asked.toLowerCase();
  const scored = names.map((n) => {
    const l = n.toLowerCase();
    const prefix = a.length > 0 && (l.startsWith(a) || a.startsWith(l));
    return { n, prefix, d: editDistance(a, l) };
  });
  return scored
    .filter((s) => s.prefix || s.d <= Math.max(2, Math.floor(s.n.length / 3)))
    .sort((x, y) => (x.prefix === y.prefix ? x.d - y.d : x.prefix ? -1 : 1))
    .slice(0, 3)
    .map((s) => s.n);
}
