// JSON output, the stable contract of the CLI (human formats may change). Documents are one object with "schema": 1;
// event streams are JSON Lines written and flushed one record at a time. 64-bit values never go out as JSON numbers
// (they lose precision past 2^53): callers choose per field with the helpers below, and any bigint left over becomes hex.
import type { Width } from "../parse/access.ts";
import { hex } from "./hex.ts";
import { writeStdout } from "./stdio.ts";

/** Version of the JSON shapes; bump when a field changes meaning or disappears (adding fields does not bump it). */
const SCHEMA_VERSION = 1;

/** A register value as read at `width` bytes: padded hex string, `"0x0000000d"` (the width stays visible). */
export function jsonRegister(value: bigint | number, width: Width): string {
  return hex(value, width);
}

/** An address, offset, IOVA, size mask or flags word: minimal hex string, `"0x20"`. */
export function jsonHex(value: bigint | number): string {
  const v = BigInt(value);
  if (v < 0n) throw new RangeError(`jsonHex: negative value ${v}`);
  return `0x${v.toString(16)}`;
}

/** A count or byte size: a plain JSON number. @throws RangeError above 2^53-1, where numbers stop being exact. */
export function jsonCount(value: bigint | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || BigInt(n) !== BigInt(value)) throw new RangeError(`jsonCount: ${value} is not exact as a JSON number`);
  return n;
}

/** A nanosecond timestamp: decimal string (`"t_ns":"9007199254740993"`), since uptime in ns passes 2^53 in ~104 days. */
export function jsonNanoseconds(ns: bigint): string {
  return ns.toString(10);
}

/** How a bigint that reached toJson without a helper is written; the default is jsonHex. */
type BigintRule = (value: bigint, key: string) => string | number;

/** JSON text of `value` (no trailing newline). Bigints go through `rule` (default: minimal hex string). */
export function toJson(value: unknown, rule: BigintRule = jsonHex): string {
  return JSON.stringify(value, (key, v: unknown) => (typeof v === "bigint" ? rule(v, key) : v));
}

/** A top-level document: `{"schema":1, ...body}` plus a newline, ready for stdout. */
export function jsonDocument(body: Record<string, unknown>, rule?: BigintRule): string {
  return `${toJson({ schema: SCHEMA_VERSION, ...body }, rule)}\n`;
}

/**
 * JSON Lines writer for event streams (`irq`, `run`, `dma-test --progress`): one object per line, written and
 * flushed immediately (each line is one synchronous write). Records carry a `type`; the first record of a stream
 * (normally `{"type":"armed",…}`) also gets `"schema": 1`, so a reader learns the version before any event.
 * A closed stdout throws OutputClosedError (see stdio.ts).
 */
export class JsonLinesWriter {
  private first = true;
  constructor(
    private readonly write: (line: string) => void = writeStdout,
    private readonly rule?: BigintRule,
  ) {}

  /** Write one record as one line. */
  line(record: { type: string } & Record<string, unknown>): void {
    const { type, ...rest } = record;
    const obj = this.first ? { type, schema: SCHEMA_VERSION, ...rest } : record;
    this.first = false;
    this.write(`${toJson(obj, this.rule)}\n`);
  }
}
