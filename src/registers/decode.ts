// A register value in words: each field's value and, when the map says, what that value means ("Stopped"). Bits no
// field covers are shown only when they are set (as a reserved run), because a set reserved bit is worth a look.
import { fieldValue } from "./fields.ts";
import type { FieldSpec, RegisterSpec } from "./register-map.ts";

/** One field of a decoded value. `reserved`: a run of bits no field covers, set in the value (its name is "reserved"). */
export interface DecodedField {
  field: FieldSpec;
  value: bigint;
  meaning?: string;
  reserved?: true;
}

/** The name given to bits that no field of the register covers. */
export const RESERVED = "reserved";

/**
 * Every field of `register` in `value`, most significant first, with the meaning of the value when the map has one;
 * runs of uncovered bits that are non-zero in `value` are included as `reserved` entries. A register without fields
 * decodes to nothing (its value is the whole story).
 */
export function decodeValue(register: RegisterSpec, value: bigint): DecodedField[] {
  const fields = register.fields ?? [];
  if (fields.length === 0) return [];
  const out: DecodedField[] = fields.map((field) => {
    const v = fieldValue(value, field);
    const meaning = field.values?.[v.toString()];
    return meaning === undefined ? { field, value: v } : { field, value: v, meaning };
  });
  let covered = 0n;
  for (const f of fields) covered |= ((1n << BigInt(f.width)) - 1n) << BigInt(f.lsb);
  const stray = value & ~covered & ((1n << BigInt(register.width)) - 1n);
  // Contiguous runs of uncovered bits that hold a set bit.
  let bit = 0;
  while (bit < register.width) {
    if (covered & (1n << BigInt(bit))) {
      bit++;
      continue;
    }
    const lsb = bit;
    while (bit < register.width && !(covered & (1n << BigInt(bit)))) bit++;
    const field: FieldSpec = { name: RESERVED, lsb, width: bit - lsb };
    const v = fieldValue(stray, field);
    if (v !== 0n) out.push({ field, value: v, reserved: true });
  }
  return out.sort((a, b) => b.field.lsb - a.field.lsb);
}

/** "[7:4]" or "[0]": a field's bit range as TRMs write it. */
export function bitRange(field: FieldSpec): string {
  return field.width === 1 ? `[${field.lsb}]` : `[${field.lsb + field.width - 1}:${field.lsb}]`;
}
