// What `watch` prints for a sample, as pure functions of the values read (testable without a device or a terminal):
// the terminal frame (a header with the time and sample count, then one row per address: its value in hex and in
// binary with the bits that changed since the previous sample highlighted, and those bits named in words, since colour
// is decoration only), the one-line text form for a pipe, and the JSON Lines object.
import type { ChalkInstance } from "chalk";
import { fieldMax } from "../../registers/fields.ts";
import type { Target } from "../named-address.ts";
import { physJson, type PhysicalNote } from "../physical-address.ts";
import { targetJson } from "../output/target-json.ts";
import { bitList, targetHex, targetLabel } from "../target-io.ts";
import { widthMax } from "../parse/value.ts";
import { formatPeriod } from "../parse/periods.ts";

/** One watched address: what it is, the region it is in (for its label and JSON), and the physical address typed. */
export interface Watched {
  target: Target;
  region: number;
  phys?: PhysicalNote;
}

/** One sample: when it was taken, its number (from 1) and the value of each watched address, in order. */
export interface Sample {
  at: Date;
  n: number;
  values: bigint[];
}

/** How many bits `t`'s value has: its field's, else its access width's. */
export function targetBits(t: Target): number {
  return t.field ? t.field.width : t.access.width * 8;
}

/** The bits that changed from `prev` to `cur` (all values of `t`'s width), or 0n when there is no previous sample. */
export function changedBits(t: Target, prev: bigint | undefined, cur: bigint): bigint {
  if (prev === undefined) return 0n;
  return (prev ^ cur) & (t.field ? fieldMax(t.field) : widthMax(t.access.width));
}

/** `value` in binary, `bits` digits in groups of four, the digits of the bits in `changed` styled with `mark`. */
export function binaryDigits(value: bigint, bits: number, changed: bigint, mark: (s: string) => string): string {
  let out = "";
  for (let i = bits - 1; i >= 0; i--) {
    const digit = (value >> BigInt(i)) & 1n ? "1" : "0";
    out += (changed >> BigInt(i)) & 1n ? mark(digit) : digit;
    if (i > 0 && i % 4 === 0) out += " ";
  }
  return out;
}

/** `t`'s value as printed, with each hex digit that holds a changed bit styled with `mark`. */
export function hexDigits(t: Target, value: bigint, changed: bigint, mark: (s: string) => string): string {
  const text = targetHex(t, value);
  if (changed === 0n) return text;
  const digits = text.slice(2);
  let out = "0x";
  for (let i = 0; i < digits.length; i++) {
    const nibble = digits.length - 1 - i;
    out += (changed >> BigInt(nibble * 4)) & 0xfn ? mark(digits[i]!) : digits[i]!;
  }
  return out;
}

/** "18:30:00.123": the time of day (UTC) in the header. */
function clock(at: Date): string {
  return at.toISOString().slice(11, 23);
}

/**
 * The terminal frame of `sample` (`prev`: the sample before, for the changed bits): a header line, then one row per
 * address. Changed digits are styled with chalk's inverse (nothing at colour level 0), and named in words.
 */
export function renderFrame(
  device: string,
  watched: readonly Watched[],
  sample: Sample,
  prev: Sample | undefined,
  opts: { intervalMs: number; count?: number; chalk: ChalkInstance },
): string[] {
  const mark = (s: string) => opts.chalk.inverse(s);
  const of = opts.count ? `/${opts.count}` : "";
  const header = `${opts.chalk.bold(`Every ${formatPeriod(opts.intervalMs)}: ${device}`)}  ${clock(sample.at)} UTC  sample ${sample.n}${of}`;
  const labels = watched.map((w) => targetLabel(w.target, w.region));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const hexWidth = Math.max(...watched.map((w) => targetHex(w.target, 0n).length));
  const rows = watched.map((w, i) => {
    const value = sample.values[i]!;
    const changed = changedBits(w.target, prev?.values[i], value);
    const hexText = hexDigits(w.target, value, changed, mark);
    const pad = " ".repeat(hexWidth - targetHex(w.target, value).length);
    const words = changed === 0n ? "" : `  ${bitList(changed)} changed`;
    return `${labels[i]!.padEnd(labelWidth)}  ${hexText}${pad}  ${binaryDigits(value, targetBits(w.target), changed, mark)}${words}`;
  });
  return [header, ...rows];
}

/** The text line of a sample on a pipe: "2026-12-06T18:30:00.123Z RTCDR=0x6577a1b3 RTCCR.RTC_START=0x1". */
export function sampleLine(watched: readonly Watched[], sample: Sample): string {
  const values = watched.map((w, i) => `${targetLabel(w.target, w.region)}=${targetHex(w.target, sample.values[i]!)}`);
  return `${sample.at.toISOString()} ${values.join(" ")}`;
}

/**
 * The JSON Lines object of a sample: its time and number, and each address in the shared register shape (read, poll,
 * expect; `phys` when it was given as a physical address) plus `changed`, the bits that changed since the previous sample (null in the first).
 */
export function sampleJson(device: string, watched: readonly Watched[], sample: Sample, prev: Sample | undefined): { type: "sample" } & Record<string, unknown> {
  return {
    type: "sample",
    time: sample.at.toISOString(),
    sample: sample.n,
    device,
    values: watched.map((w, i) => ({
      ...targetJson(w.target, w.region, sample.values[i]!),
      ...physJson(w.phys),
      changed: prev ? `0x${changedBits(w.target, prev.values[i], sample.values[i]!).toString(16)}` : null,
    })),
  };
}
