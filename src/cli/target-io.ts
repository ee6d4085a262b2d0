// Reading, writing and comparing a resolved address (target-io over named-address.ts's Target): a field is read as
// its register shifted down to the field, written as a read-modify-write of that field through the library's
// NamedRegisters (so W1C neighbours are not cleared by accident), and compared under a mask in field units.
import { fieldMax, fieldValue } from "../registers/fields.ts";
import { NamedRegisters } from "../registers/named-registers.ts";
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
 * `force`. When `t` is a mapped register (named, or an offset that hits one of `map`'s registers exactly), the library
 * plans the write (NamedRegisters: a field or masked write keeps the other bits, writes W1C bits outside the target as
 * 0 and never reads a write-only register); otherwise a masked write is `(old & ~mask) | value`, read once.
 * @returns the value written to the register and the register's value before, when it was read
 * @throws ReadOnlyRegisterError, InvalidArgumentError, region errors
 */
export function writeTarget(
  device: Device,
  map: RegisterMap | undefined,
  t: Target,
  value: bigint,
  mask: bigint | undefined,
  force: boolean,
): { written: bigint; previous?: bigint } {
  const region = regionOf(device, t.access);
  const register = mappedRegister(map, t, region.index);
  if (register && map) {
    // An offset is raw: the map's access only shapes a partial write there, it refuses nothing.
    const opts = mask === undefined ? { force: force || !t.register } : { force: force || !t.register, mask };
    return new NamedRegisters(device, map).writeResolved(register, t.field, value, opts);
  }
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

/** `t`'s register: the one it names, else the one of `map` its offset access hits exactly (same region, offset, width). */
export function mappedRegister(map: RegisterMap | undefined, t: Target, regionIndex: number): RegisterSpec | undefined {
  return t.register ?? registerAt(map ? { map } : undefined, regionIndex, t.access.offset, t.access.width);
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
