// Reading values out of a parsed JSON file (a board file, a register map) with their JSON path in hand, so every
// refusal names the file, the place (`devices[2].pl330.channels`), what was expected and what was found. Numbers may be
// written as JSON numbers or as "0x..." strings (addresses and masks read better in hex); 64-bit values are bigints.
// The error class is the caller's (BoardFileError, RegisterMapFileError): each file kind has its own.

export type Obj = Record<string, unknown>;

/** A JSON path one step further: `at(p, "name")` -> `p.name`, `at(p, 2)` -> `p[2]`. */
export function at(path: string, step: string | number): string {
  if (typeof step === "number") return `${path}[${step}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(step)) return path ? `${path}.${step}` : step;
  return `${path}[${JSON.stringify(step)}]`;
}

/** A found value in words, short and safe to print. */
export function shownValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "object") return "an object";
  const s = typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v) : String(v);
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Builds the error a reader throws: file, where in it, what was expected, what was found (in words). */
export type JsonFileErrorFactory = (file: string, where: string, expected: string, found: string) => Error;

/** Reads typed values from one JSON file; every method throws the factory's error naming `path`. */
export class JsonFileReader {
  constructor(
    readonly file: string,
    private readonly makeError: JsonFileErrorFactory,
  ) {}

  fail(path: string, expected: string, found: unknown): never {
    throw this.makeError(this.file, path, expected, typeof found === "string" && found.startsWith("\0") ? found.slice(1) : shownValue(found));
  }

  /** A message for `found` given in words rather than as a value. */
  words(s: string): string {
    return `\0${s}`;
  }

  obj(v: unknown, path: string, what = "an object"): Obj {
    if (!isObj(v)) this.fail(path, what, v);
    return v;
  }

  /** Refuses any key of `o` not in `known`. */
  keys(o: Obj, path: string, known: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) this.fail(at(path, k), known.length ? `one of the keys known here (${known.join(", ")})` : "no keys here", this.words(`key ${JSON.stringify(k)}`));
    }
  }

  arr(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, "a list", v);
    return v;
  }

  str(v: unknown, path: string, what = "a string"): string {
    if (typeof v !== "string") this.fail(path, what, v);
    return v;
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== "boolean") this.fail(path, "true or false", v);
    return v;
  }

  oneOf<T>(v: unknown, path: string, allowed: readonly T[]): T {
    if (!allowed.includes(v as T)) this.fail(path, `one of ${allowed.map((a) => (typeof a === "string" ? JSON.stringify(a) : String(a))).join(", ")}`, v);
    return v as T;
  }

  /** An unsigned integer up to 2^64-1, as a JSON number (exact) or a "0x..."/decimal string. */
  big(v: unknown, path: string, max: bigint, what?: string): bigint {
    let n: bigint | undefined;
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) n = BigInt(v);
    else if (typeof v === "string" && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) n = BigInt(v);
    if (n === undefined || n > max) this.fail(path, what ?? `an integer 0..0x${max.toString(16)} (a number or a "0x..." string)`, v);
    return n;
  }

  /** An unsigned integer in min..max (max at most 2^53-1). */
  int(v: unknown, path: string, min: number, max: number, what?: string): number {
    const words = what ?? `an integer ${min}..${max <= 0xffff ? max : `0x${max.toString(16)}`}`;
    const n = Number(this.big(v, path, BigInt(max), words));
    if (n < min) this.fail(path, words, v);
    return n;
  }
}

/** `0x` hex text of a number or bigint, as board files write addresses, sizes and masks. */
export function hexText(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}
