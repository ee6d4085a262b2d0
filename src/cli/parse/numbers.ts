// The one strict number parser for everything a user types as a number (offsets, values, masks, counts, sizes).
// JavaScript's own conversions are too forgiving (`BigInt("") === 0n`, `BigInt(" 0x10 ")`, `parseInt("12abc")`) and
// C's strtoull reads `010` as octal 8 while setpci/U-Boot read bare hex, so we accept only forms that mean one thing.
import { UsageError } from "../usage-error.ts";

/** Largest value accepted unless the caller says otherwise: registers and offsets are at most 64 bits. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const U32_MAX = 0xffff_ffffn;

/** What the parsers accept, for hints and help texts. */
export const NUMBER_FORMS = "0x1f (hex), 0b101 (binary), 0o17 (octal), 31 (decimal); `_` may separate digits (0x1000_0000)";
/** Size suffixes, memtool-style (powers of 1024). */
export const SIZE_FORMS = `${NUMBER_FORMS}; a size may end in k, K (x1024), M (x1024^2) or G (x1024^3)`;

export interface RangeOptions {
  /** Smallest value allowed (default 0). */
  min?: bigint;
  /** Largest value allowed (default U64_MAX). */
  max?: bigint;
}

// Digits, with single `_` only *between* digits (the JavaScript numeric-separator rule: no `0x_1`, `1__0`, `1_`).
const BODY: Record<"x" | "b" | "o" | "d", RegExp> = {
  x: /^[0-9a-f]+(?:_[0-9a-f]+)*$/i,
  b: /^[01]+(?:_[01]+)*$/,
  o: /^[0-7]+(?:_[0-7]+)*$/,
  d: /^[0-9]+(?:_[0-9]+)*$/,
};

const SIZE_SUFFIX: Record<string, bigint> = { k: 1024n, K: 1024n, M: 1024n ** 2n, G: 1024n ** 3n };

/**
 * Why `text` is a number in a notation vfio-plat never accepts, or undefined: exponents (`1e3`, `1.5E-2`), hex floats
 * (`0x1p3`) and, unless `fractions` is set, fractions (`1.5`, `.5`). JavaScript and cac read these as numbers, so
 * they are refused by name, the same way by every option, argument and script token.
 */
export function notationProblem(text: string, opts: { fractions?: boolean } = {}): string | undefined {
  if (/^0x[0-9a-f_]*(?:\.[0-9a-f_]*)?p[+-]?[0-9]+$/i.test(text)) return "hex float notation is not accepted";
  if (/^(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)e[+-]?[0-9]+$/i.test(text)) return "exponent notation is not accepted";
  if (!opts.fractions && /^(?:[0-9_]*\.[0-9_]+|[0-9_]+\.)$/.test(text)) return "fractions are not accepted";
  return undefined;
}

function fail(text: string, what: string, why: string, hint = `write a number as ${NUMBER_FORMS}`): never {
  throw new UsageError(`invalid ${what} '${text}': ${why}`, hint);
}

/** Parse digits (no suffix) to a bigint, or throw a UsageError explaining the problem. */
function parseDigits(text: string, what: string, hint: string): bigint {
  if (text === "") fail(text, what, "empty", hint);
  if (/\s/.test(text)) fail(text, what, "contains whitespace", hint);
  if (/^[+-]/.test(text)) fail(text, what, "signs are not accepted", hint);
  const notation = notationProblem(text);
  if (notation !== undefined) fail(text, what, notation, hint);
  const prefix = /^0([xbo])(.*)$/i.exec(text);
  if (prefix) {
    const base = prefix[1]!.toLowerCase() as "x" | "b" | "o";
    const digits = prefix[2]!;
    if (digits === "") fail(text, what, "no digits after the prefix", hint);
    if (!BODY[base].test(digits)) fail(text, what, `not a valid ${{ x: "hex", b: "binary", o: "octal" }[base]} number`, hint);
    return BigInt(`0${base}${digits.replaceAll("_", "")}`);
  }
  if (!BODY.d.test(text)) fail(text, what, "not a number", hint);
  const plain = text.replaceAll("_", "");
  // C's strtoull reads 010 as octal 8, JavaScript as decimal 10: refuse rather than guess.
  if (plain.length > 1 && plain.startsWith("0")) {
    const rest = plain.replace(/^0+/, "") || "0";
    throw new UsageError(
      `invalid ${what} '${text}': ambiguous: write 0x${rest}, 0o${rest} or ${rest}`,
      "a leading 0 means octal in C tools (devmem, memtool) but decimal elsewhere; say which base you mean",
    );
  }
  return BigInt(plain);
}

function checkRange(value: bigint, text: string, what: string, opts: RangeOptions): bigint {
  const min = opts.min ?? 0n;
  const max = opts.max ?? U64_MAX;
  if (value < min || value > max) {
    throw new UsageError(
      `invalid ${what} '${text}': out of range`,
      `${what} must be between ${min} and ${max} (0x${max.toString(16)})`,
    );
  }
  return value;
}

/**
 * Parse a number typed by the user: `0x`/`0b`/`0o` prefixes (case-insensitive) or decimal, with `_` between digits.
 * Refuses empty text, whitespace, signs, trailing junk, exponents (`1e3`) and leading-zero decimals (`010`).
 * @param what names the argument in the error message ("offset", "value", "--count").
 * @throws UsageError naming `what` and the text, with a hint listing the accepted forms; also when out of `min..max`
 *   (default 0..U64_MAX).
 */
export function parseNumber(text: string, what: string, opts: RangeOptions = {}): bigint {
  return checkRange(parseDigits(text, what, `write a number as ${NUMBER_FORMS}`), text, what, opts);
}

/**
 * Parse a size: like parseNumber, plus an optional memtool suffix `k`/`K` (x1024), `M` (x1024^2) or `G` (x1024^3),
 * so `4k` is 4096 and `0x10k` is 16384.
 * @throws UsageError as parseNumber; the range check applies to the value after the suffix is applied.
 */
export function parseSize(text: string, what: string, opts: RangeOptions = {}): bigint {
  const last = text.slice(-1);
  const factor = SIZE_SUFFIX[last];
  const digits = factor !== undefined ? text.slice(0, -1) : text;
  if (factor !== undefined && digits === "") fail(text, what, "no digits before the suffix", `write a size as ${SIZE_FORMS}`);
  const value = parseDigits(digits, what, `write a size as ${SIZE_FORMS}`) * (factor ?? 1n);
  return checkRange(value, text, what, opts);
}

/**
 * Parse a count of things (registers to dump, interrupts to wait for) as a JavaScript number.
 * Default range 1..2^32-1: a count of 0 is almost always a mistake (pass `{ min: 0n }` to allow it).
 * @throws UsageError as parseNumber.
 */
export function parseCount(text: string, what: string, opts: RangeOptions = {}): number {
  return Number(parseNumber(text, what, { min: opts.min ?? 1n, max: opts.max ?? U32_MAX }));
}

/**
 * Parse an unsigned 32-bit number (region or IRQ index, group number) as a JavaScript number, 0..2^32-1.
 * @throws UsageError as parseNumber.
 */
export function parseU32(text: string, what: string, opts: RangeOptions = {}): number {
  const max = opts.max !== undefined && opts.max < U32_MAX ? opts.max : U32_MAX;
  return Number(parseNumber(text, what, { min: opts.min ?? 0n, max }));
}
