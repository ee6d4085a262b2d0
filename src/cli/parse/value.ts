// Parses a value to write, `VALUE[:MASK]` (setpci's masked read-modify-write), and checks it against the access width
// before anything touches the device: a value wider than the access would otherwise be silently truncated.
import { UsageError } from "../usage-error.ts";
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
  const value = checkFits(parseNumber(parts[0]!, what), width, what, parts[0]!);
  if (parts.length === 1) return { value };
  const mask = parseMask(parts[1]!, width);
  checkInMask(value, mask, what);
  return { value, mask };
}

/**
 * `v` itself when it fits an access of `width` bytes. `raw` is how the user wrote it, echoed in the message.
 * @throws UsageError with a hint giving the largest value for the width.
 */
export function checkFits(v: bigint, width: Width, name: string, raw: string): bigint {
  const max = widthMax(width);
  if (v > max) {
    throw new UsageError(
      `${name} '${raw}' does not fit a ${widthName(width)} access`,
      `the largest ${widthName(width)} value is 0x${max.toString(16)}; use a wider access (.q/--width 64) or a smaller ${name}`,
    );
  }
  return v;
}

/**
 * Parse the MASK of `VALUE:MASK`: a number that fits the access and is not zero (a zero mask would write nothing but
 * still read and write the register, which can have side effects; an `expect` with it would compare nothing).
 * @throws UsageError
 */
export function parseMask(text: string, width: Width): bigint {
  const mask = checkFits(parseNumber(text, "mask"), width, "mask", text);
  if (mask === 0n) {
    throw new UsageError(`mask '${text}' is zero: it selects no bits`, "set the bits to write (or to compare) in MASK");
  }
  return mask;
}

/**
 * Refuse value bits outside the mask: they would be silently dropped, which is almost always a typo. Used by
 * parseWriteValue, and by `run` scripts for values only known at run time (`$x:0xff`).
 * @throws UsageError naming the stray bits
 */
export function checkInMask(value: bigint, mask: bigint, what = "value"): void {
  const stray = value & ~mask;
  if (stray !== 0n) {
    throw new UsageError(
      `${what} 0x${value.toString(16)} has bits outside mask 0x${mask.toString(16)} (0x${stray.toString(16)})`,
      "only the bits set in MASK are written (or compared); clear the other bits in VALUE or widen MASK",
    );
  }
}

/** The value a masked write stores: the mask's bits from `value`, the rest from `current`. */
export function applyMask(current: bigint, value: bigint, mask: bigint): bigint {
  return (current & ~mask) | (value & mask);
}
