// Reading, writing and comparing a resolved address (target-io over named-address.ts's Target): a field is read as
// its register shifted down to the field, written as a read-modify-write of that field through the library's
// NamedRegisters (so W1C neighbours are not cleared by accident), and compared under a mask in field units.
import { fieldMax, fieldValue } from "../registers/fields.ts";
import { ReadOnlyRegisterError } from "../registers/errors.ts";
import { bitsWithAccess, type WritePlan } from "../registers/write-plan.ts";
import { effectiveAccess, NamedRegisters } from "../registers/named-registers.ts";
import type { RegisterMap, RegisterSpec } from "../registers/register-map.ts";
import type { Device } from "../vfio/device.ts";
import { registerAt, type Target } from "./named-address.ts";
import { accessLabel } from "./parse/access.ts";
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
  return t.name ?? accessLabel(regionIndex, t.access.offset, t.access.width);
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
 * most once, writes W1C bits outside the target as 0 and refuses a read of a write-only register, or of an RC one
 * unless `readClear` (or `force`). A masked write at an offset that hits a mapped register with write-1-to-clear bits
 * follows the same plan (so it clears only what the mask names); any other offset with a mask reads once.
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
  // An offset is raw (the map refuses nothing there), but a W1C bit read as 1 and written back would be cleared.
  const hit = w1cRegisterAt(map, t, region.index);
  if (hit && map) return new NamedRegisters(device, map).write(hit.name, value, { force: true, readSideEffects: true, mask });
  const previous = readRegister(region, off, t.access.width);
  const written = applyMask(previous, value, mask);
  writeRegister(region, off, t.access.width, written);
  return { written, previous };
}

/** `t`'s register: the one it names, else the one of `map` its offset access hits exactly (same region, offset, width). */
export function mappedRegister(map: RegisterMap | undefined, t: Target, regionIndex: number): RegisterSpec | undefined {
  return t.register ?? registerAt(map ? { map } : undefined, regionIndex, t.access.offset, t.access.width);
}

/**
 * The accesses writeTarget would make for a named register or field, without making them: whether it reads first,
 * and the mask (in the register) of the bits it changes or zeroes. Undefined for an offset address.
 * @throws as writeTarget, before any access
 */
export function planTarget(
  map: RegisterMap,
  t: Target,
  value: bigint,
  mask: bigint | undefined,
  opts: { readClear: boolean; force: boolean },
  regionIndex?: number,
): WritePlan | undefined {
  const noAccess = { region: (): never => { throw new Error("a plan makes no access"); } };
  // A masked write at an offset that hits a register with W1C bits: planned as writeTarget makes it.
  const hit = mask !== undefined && regionIndex !== undefined ? w1cRegisterAt(map, t, regionIndex) : undefined;
  if (hit) return new NamedRegisters(noAccess, map).plan(hit.name, mask, value, { readSideEffects: true });
  if (!t.register || (!t.field && mask === undefined)) return undefined;
  return new NamedRegisters(noAccess, map).plan(t.name!, mask, value, { readSideEffects: opts.readClear || opts.force });
}

/** The register of `map` an offset target (not a named one) hits exactly, when it has write-1-to-clear bits. */
function w1cRegisterAt(map: RegisterMap | undefined, t: Target, regionIndex: number): RegisterSpec | undefined {
  if (t.register) return undefined;
  const hit = mappedRegister(map, t, regionIndex);
  return hit && bitsWithAccess(hit, "W1C") !== 0n ? hit : undefined;
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
