// A register value in words for `read --decode`, `poll` and `expect`: each field with its bits, value and meaning
// (from the library's decodeValue), and which fields the differing bits of a failed comparison fall in.
import { bitRange, decodeValue, type DecodedField } from "../../registers/decode.ts";
import { fieldMask } from "../../registers/fields.ts";
import type { RegisterSpec } from "../../registers/register-map.ts";

/** One line per field, most significant first: "  [3:0]  CHANNEL_STATUS  0x0  Stopped". */
export function decodeLines(register: RegisterSpec, value: bigint): string[] {
  const fields = decodeValue(register, value);
  if (fields.length === 0) return [`  (${register.name} has no fields in the map)`];
  const rows = fields.map((d) => [bitRange(d.field), d.field.name, `0x${d.value.toString(16)}`, d.meaning ?? ""]);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `  ${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padEnd(w[2]!)}  ${r[3]}`.trimEnd());
}

/** The decoded fields as JSON: name, bits, value (hex) and meaning when the map has one. */
export function decodeJson(register: RegisterSpec, value: bigint): { name: string; bits: string; value: string; meaning?: string }[] {
  return decodeValue(register, value).map((d: DecodedField) => ({
    name: d.field.name,
    bits: bitRange(d.field),
    value: `0x${d.value.toString(16)}`,
    ...(d.meaning !== undefined ? { meaning: d.meaning } : {}),
  }));
}

/**
 * The fields of `register` that the register-level bits `diff` touch, with their values in `value`:
 * "CHANNEL_STATUS = 0x4 (Waiting for event)". Empty when the register has no fields there.
 */
export function fieldsTouched(register: RegisterSpec, value: bigint, diff: bigint): string[] {
  return decodeValue(register, value)
    .filter((d) => !d.reserved && (fieldMask(d.field) & diff) !== 0n)
    .map((d) => `${d.field.name} = 0x${d.value.toString(16)}${d.meaning !== undefined ? ` (${d.meaning})` : ""}`);
}
