// Parses a value to write, `VALUE[:MASK]` (setpci's masked read-modify-write), and checks it against the access width
// before anything touches the device: a value wider than the access would otherwise be silently truncated.
import { UsageError } from "../../vfio/errors.ts";
import { widthName, type Width } from "./access.ts";
import { parseNumber } from "./numbers.ts";

export interface WriteValue {
  value: bigint;
  /** Only the bits set here change; the others keep the register's current value (read-modify-write). */
  mask?: bigint;
}

/** All-ones value for an access of `width` bytes (0xff, 0xffff, ...). */
export function widthMax(width: Width): bigint {
  return (1n << BigInt(width * 8)) - 1n;
}

/**
 * Parse `VALUE` or `VALUE:MASK` for a write of `width` bytes. Numbers use parseNumber's strict forms.
 * Refuses a value or mask wider than the access, a zero mask (it would write nothing but still read and write the
 * register, which can have side effects), and value bits outside the mask (they would be silently dropped, which is
 * almost always a typo).
 * @param what names the argument in messages (default "value").
 * @throws UsageError with a hint giving the largest value for the width.
 */
export function parseWriteValue(text: string, width: Width, what = "value"): WriteValue {
  const parts = text.split(":");
  if (parts.length > 2) {
    throw new UsageError(`invalid ${what} '${text}': more than one ':'`, "write VALUE or VALUE:MASK, e.g. 0x10:0x30");
  }
  const max = widthMax(width);
  const fits = (v: bigint, name: string, raw: string): bigint => {
    if (v > max) {
      throw new UsageError(
        `${name} '${raw}' does not fit a ${widthName(width)} access`,
        `the largest ${widthName(width)} value is 0x${max.toString(16)}; use a wider access (.q/--width 64) or a smaller ${name}`,
      );
    }
    return v;
  };
  const value = fits(parseNumber(parts[0]!, what), what, parts[0]!);
  if (parts.length === 1) return { value };

  const mask = fits(parseNumber(parts[1]!, "mask"), "mask", parts[1]!);
  if (mask === 0n) {
    throw new UsageError(`mask '${parts[1]}' is zero: the write would change nothing`, "set the bits to change in MASK");
  }
  const stray = value & ~mask;
  if (stray !== 0n) {
    throw new UsageError(
      `${what} 0x${value.toString(16)} has bits outside mask 0x${mask.toString(16)} (0x${stray.toString(16)})`,
      "only bits set in MASK are written; clear the other bits in VALUE or widen MASK",
    );
  }
  return { value, mask };
}

/** The value a masked write stores: the mask's bits from `value`, the rest from `current`. */
export function applyMask(current: bigint, value: bigint, mask: bigint): bigint {
  return (current & ~mask) | (value & mask);
}
