// memtool-style dump lines (`00000020: 00000000 00000200 ...  ................`) built from values that were already
// read once at the access width. Formatting never reads again: a read-to-clear status register must be touched once,
// so the ASCII column is derived from the same values (in little-endian byte order, the bus order on our hosts).
import type { Width } from "../parse/access.ts";
import { byteSwap, hexDigits } from "./hex.ts";

interface HexdumpOptions {
  /** Access width in bytes of every value. */
  width: Width;
  /** Region-relative offset of the first value (default 0). Lines advance 16 bytes from here. */
  start?: bigint;
  /** memtool -x: show each value byte-swapped (big-endian IP blocks). The ASCII column keeps bus byte order. */
  swap?: boolean;
  /** Indexes of values that were not read (a dump skips read-to-clear registers): shown as dashes, ASCII as spaces. */
  hidden?: ReadonlySet<number>;
}

const BYTES_PER_LINE = 16;

/** The bytes of `values` in little-endian order: what `--binary` writes and what the ASCII column shows. */
export function valuesToBytes(values: readonly bigint[], width: Width): Uint8Array {
  const out = new Uint8Array(values.length * width);
  values.forEach((v, i) => {
    for (let b = 0; b < width; b++) out[i * width + b] = Number((v >> BigInt(8 * b)) & 0xffn);
  });
  return out;
}

function ascii(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : ".";
  return s;
}

/**
 * Format `values` as dump lines, 16 bytes a line: offset (8+ hex digits, region-relative), the values zero-padded to
 * the width, two spaces, then the ASCII column ('.' for non-printables). A short last line is padded with spaces so
 * its ASCII column lines up with the others.
 * @throws RangeError when a value does not fit the width (see hex()).
 */
export function formatHexdump(values: readonly bigint[], opts: HexdumpOptions): string[] {
  const { width, swap = false } = opts;
  const start = opts.start ?? 0n;
  const perLine = BYTES_PER_LINE / width;
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const chunk = values.slice(i, i + perLine);
    const offset = start + BigInt(i * width);
    const hidden = opts.hidden;
    const cells = chunk.map((v, k) => (hidden?.has(i + k) ? "-".repeat(width * 2) : hexDigits(swap ? byteSwap(v, width) : v, width)));
    const missing = perLine - chunk.length;
    const pad = " ".repeat(missing * (width * 2 + 1));
    let text = ascii(valuesToBytes(chunk, width));
    if (hidden?.size) text = [...text].map((c, k) => (hidden.has(i + Math.floor(k / width)) ? " " : c)).join("");
    lines.push(`${offset.toString(16).padStart(8, "0")}: ${cells.join(" ")}${pad}  ${text}`);
  }
  return lines;
}
