// Bit fields of a register value: take one out, put one in. Values are bigints so 64-bit registers lose nothing.
import { InvalidArgumentError } from "../vfio/errors.ts";
import type { FieldSpec } from "./register-map.ts";

/** The mask of `field` in place (bits lsb..lsb+width-1 set). */
export function fieldMask(field: FieldSpec): bigint {
  return ((1n << BigInt(field.width)) - 1n) << BigInt(field.lsb);
}

/** The largest value `field` can hold. */
export function fieldMax(field: FieldSpec): bigint {
  return (1n << BigInt(field.width)) - 1n;
}

/** The value of `field` in `registerValue`, shifted down to bit 0. */
export function fieldValue(registerValue: bigint, field: FieldSpec): bigint {
  return (registerValue >> BigInt(field.lsb)) & fieldMax(field);
}

/**
 * `registerValue` with `field` replaced by `value` (every other bit kept).
 * @throws InvalidArgumentError when `value` is negative or does not fit in the field's width.
 */
export function withField(registerValue: bigint, field: FieldSpec, value: bigint): bigint {
  if (value < 0n || value > fieldMax(field)) {
    throw new InvalidArgumentError(
      `0x${value < 0n ? `-${(-value).toString(16)}` : value.toString(16)} does not fit field ${field.name} (${field.width} bit${field.width === 1 ? "" : "s"}, at most 0x${fieldMax(field).toString(16)})`,
    );
  }
  return (registerValue & ~fieldMask(field)) | (value << BigInt(field.lsb));
}
