// Reading, writing and comparing a resolved address (target-io over named-address.ts's Target): a field is read as
// its register shifted down to the field, written as a read-modify-write of that field through the library's
// NamedRegisters (so W1C neighbours are not cleared by accident), and compared under a mask in field units.
import { ReadOnlyRegisterError } from "../registers/errors.ts";
import { fieldMax, fieldValue } from "../registers/fields.ts";
import type { WritePlan } from "../registers/write-plan.ts";
import { effectiveAccess, NamedRegisters } from "../registers/named-registers.ts";
import type { RegisterMap } from "../registers/register-map.ts";
import type { Device } from "../vfio/device.ts";
import type { Target } from "./named-address.ts";
import { hex } from "./output/hex.ts";
import { applyMask, checkInMask, parseMask, widthMax } from "./parse/value.ts";
import { parseNumber } from "./parse/numbers.ts";
import { readRegister, writeRegister } from "./register-io.ts";
import { regionOf } from "./resolve-access.ts";
import { UsageError } from "./usage-error.ts";

/** The largest value `t` takes: its field's, else its access width's. */
export function targetMax(t: Target): bigint {
  return t.field ? fieldMax(t.field) : widthMax(t.access.width);
}

/** A value of `t` as hex: zero-padded to the access width for a register, plain for a field ("0x4"). */
export function targetHex(t: Target, v: bigint): string {
  return t.field ? `0x${v.toString(16)}` : hex(v, t.access.width);
}

/** How `t` is named in output: its name, else `REGION:OFFSET.w`. */
export function targetLabel(t: Target, regionIndex: number): string {
  if (t.name) return t.name;
  const letter = { 1: "b", 2: "w", 4: "l", 8: "q" }[t.access.width];
  return `${regionIndex}:0x${t.access.offset.toString(16).padStart(8, "0")}.${letter}`;
}

/**
 * Parse `VALUE[:MASK]` for `t`: in field units for a field (the value must fit the field), else in the access width.
 * @throws UsageError
 */
export function parseTargetValue(t: Target, text: string): { value: bigint; mask?: bigint } {
  const parts = text.split(":");
  if (parts.length > 2) throw new UsageError(`invalid value '${text}': more than one ':'`, "write VALUE or VALUE:MASK, e.g. 0x10:0x30");
  const max = targetMax(t);
  const what = t.field ? `field ${t.name}` : t.name ? `register ${t.name}` : `a ${t.access.width * 8}-bit access`;
  const value = parseNumber(parts[0]!, "value");
  if (value > max) throw new UsageError(`value '${parts[0]}' does not fit ${what}`, `the largest value is 0x${max.toString(16)}`);
  if (parts.length === 1) return { value };
  const mask = parseMask(parts[1]!, t.access.width);
  if (mask > max) throw new UsageError(`mask '${parts[1]}' does not fit ${what}`, `the largest mask is 0x${max.toString(16)}`);
  checkInMask(value, mask);
  return { value, mask };
}

/** One read of `t`'s register: the whole register and the target's value (the field, or the register). */
export function readTarget(device: Device, t: Target): { raw: bigint; value: bigint } {
  const raw = readRegister(regionOf(device, t.access), Number(t.access.offset), t.access.width);
  return { raw, value: t.field ? fieldValue(raw, t.field) : raw };
}

/**
 * Write `value` (under `mask`, when given) to `t`. A named register or field that is read-only is refused unless
 * `force`; a field or a masked named register is written through NamedRegisters.write, which reads the register at
 * most once and refuses a read of a write-only register, or of an RC one unless `readClear` (or `force`). An offset
 * with a mask reads once.
 * @returns the value written to the register and the register's value before, when it was read
 * @throws ReadOnlyRegisterError, WriteNeedsReadError, InvalidArgumentError, region errors
 */
export function writeTarget(
  device: Device,
  map: RegisterMap | undefined,
  t: Target,
  value: bigint,
  mask: bigint | undefined,
  opts: { force: boolean; readClear: boolean },
): { written: bigint; previous?: bigint } {
  if (t.register && map) {
    const access = effectiveAccess(t.register, t.field);
    if (access === "RO" && !opts.force) throw new ReadOnlyRegisterError(t.register.name, access, t.field?.name);
    const named = new NamedRegisters(device, map);
    return named.write(t.name!, value, { force: true, readSideEffects: opts.readClear || opts.force, ...(mask !== undefined ? { mask } : {}) });
  }
  const region = regionOf(device, t.access);
  const off = Number(t.access.offset);
  if (mask === undefined) {
    writeRegister(region, off, t.access.width, value);
    return { written: value };
  }
  const previous = readRegister(region, off, t.access.width);
  const written = applyMask(previous, value, mask);
  writeRegister(region, off, t.access.width, written);
  return { written, previous };
}

/**
 * The accesses writeTarget would make for a named register or field, without making them: whether it reads first,
 * and the mask (in the register) of the bits it changes or zeroes. Undefined for an offset address.
 * @throws as writeTarget, before any access
 */
export function planTarget(map: RegisterMap, t: Target, value: bigint, mask: bigint | undefined, opts: { readClear: boolean; force: boolean }): WritePlan | undefined {
  if (!t.register || (!t.field && mask === undefined)) return undefined;
  return new NamedRegisters({ region: () => { throw new Error("a plan makes no access"); } }, map).plan(t.name!, mask, value, { readSideEffects: opts.readClear || opts.force });
}

/** The bits of `got` that differ from `want` under `mask` (0n when they match). */
export function differingBits(got: bigint, want: bigint, mask: bigint): bigint {
  return (got ^ want) & mask;
}

/** "bits 0, 2" for a bit set (numbered in the target's units: field bits for a field). */
export function bitList(bits: bigint): string {
  const n: number[] = [];
  for (let i = 0; bits >> BigInt(i) !== 0n; i++) if ((bits >> BigInt(i)) & 1n) n.push(i);
  return `bit${n.length === 1 ? "" : "s"} ${n.join(", ")}`;
}
