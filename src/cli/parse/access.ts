// Parses a register address as typed on the command line, `[REGION:]OFFSET[.b|.w|.l|.q]`, plus `--width BITS`, into
// region, offset and access width. Width letters mean different sizes in different tools (devmem's `w` is 32-bit,
// memtool's 16-bit), so we accept only the memtool/U-Boot/setpci suffixes with a dot, or bits, and never guess.
import { UsageError } from "../usage-error.ts";
import { notationProblem, parseNumber, parseU32 } from "./numbers.ts";

/** Access width in bytes. */
export type Width = 1 | 2 | 4 | 8;

/** A region as the user named it; resolving a name against reg-names happens later, with the device at hand. */
export type RegionRef = { index: number } | { name: string };

export interface Access {
  /** Absent when the user wrote no `REGION:`; the command picks its default (region 0). */
  region?: RegionRef;
  offset: bigint;
  width: Width;
  /** Where the width came from, so `--dry-run`/`--trace` can echo what was understood. */
  widthFrom: "suffix" | "option" | "default";
}

export const DEFAULT_WIDTH: Width = 4;

/** Suffix letter (memtool, U-Boot, setpci) for each width in bytes. */
export const WIDTH_SUFFIX: Readonly<Record<Width, string>> = { 1: "b", 2: "w", 4: "l", 8: "q" };

/** An access as output names it: `REGION:0xOFFSET.w` (offset zero-padded to 8 digits, the width's suffix letter). */
export function accessLabel(region: number | string, offset: bigint | number, width: Width): string {
  return `${region}:0x${offset.toString(16).padStart(8, "0")}.${WIDTH_SUFFIX[width]}`;
}

const SUFFIX_WIDTH: Readonly<Record<string, Width>> = { b: 1, w: 2, l: 4, q: 8 };
const BITS_WIDTH: Readonly<Record<string, Width>> = { "8": 1, "16": 2, "32": 4, "64": 8 };

const WIDTH_FORMS = "an offset suffix .b (8-bit), .w (16-bit), .l (32-bit), .q (64-bit), or --width 8|16|32|64";
const TRAP_HINT =
  "width letters differ between tools (devmem: h = 16-bit, w = 32-bit; memtool/U-Boot/setpci: .w = 16-bit, " +
  `.l = 32-bit); vfio-plat uses the memtool letters with a dot, or bits: ${WIDTH_FORMS}`;

/** "32-bit" for 4: how the width is printed back to the user. */
export function widthName(width: Width): string {
  return `${width * 8}-bit`;
}

/** True when `n` is a valid access width in bytes. */
export function isWidth(n: number): n is Width {
  return n === 1 || n === 2 || n === 4 || n === 8;
}

/**
 * Parse `--width` (bits: 8, 16, 32 or 64). cac may hand us a number (it converts numeric option values) or a string.
 * @throws UsageError for anything else; devmem letters (`b h w l`) get a hint explaining the width-letter trap.
 */
export function parseWidthOption(raw: string | number): Width {
  const text = String(raw).trim();
  const width = BITS_WIDTH[text];
  if (width !== undefined) return width;
  if (/^[bhwlq]$/i.test(text)) {
    throw new UsageError(`invalid --width '${text}': width letters are ambiguous; give the width in bits`, TRAP_HINT);
  }
  const notation = notationProblem(text);
  if (notation !== undefined) throw new UsageError(`invalid --width '${text}': ${notation}`, `write ${WIDTH_FORMS}`);
  throw new UsageError(`invalid --width '${text}': expected 8, 16, 32 or 64 (bits)`, `write ${WIDTH_FORMS}`);
}

// A reg-names entry: starts with a letter or `_` so it can never be mistaken for an index.
const REGION_NAME = /^[A-Za-z_][A-Za-z0-9_.+-]*$/;

function parseRegion(text: string, whole: string): RegionRef {
  if (REGION_NAME.test(text)) return { name: text };
  if (/^[0-9]/.test(text)) return { index: parseU32(text, "region index") };
  throw new UsageError(
    `invalid region '${text}' in '${whole}'`,
    "a region is an index (0, 1, ...) or a reg-names name from the device tree, e.g. 0:0x20 or ctrl:0x20",
  );
}

/**
 * Parse `[REGION:]OFFSET[.b|.w|.l|.q]` and an optional `--width` value into an Access. Default width 32 bits.
 * `.b`/`.w`/`.l`/`.q` are 1/2/4/8 bytes (case-insensitive, as setpci). Note the dot is required: `0x2b` is a hex
 * number, not "0x2 byte".
 * @throws UsageError on a bad region, offset or width; when the suffix and `--width` disagree; and for devmem-style
 *   letters (`.h`, or a bare `h`/`w`/`l` glued to the offset) with a hint about the width-letter trap.
 */
export function parseAccess(text: string, widthOption?: string | number): Access {
  const colon = text.indexOf(":");
  const region = colon >= 0 ? parseRegion(text.slice(0, colon), text) : undefined;
  let rest = colon >= 0 ? text.slice(colon + 1) : text;

  let suffixWidth: Width | undefined;
  const dot = rest.lastIndexOf(".");
  if (dot >= 0) {
    const letter = rest.slice(dot + 1);
    rest = rest.slice(0, dot);
    const w = SUFFIX_WIDTH[letter.toLowerCase()];
    if (w === undefined) {
      if (/^h$/i.test(letter)) throw new UsageError(`invalid width suffix '.${letter}' in '${text}'`, TRAP_HINT);
      throw new UsageError(`invalid width suffix '.${letter}' in '${text}'`, `write ${WIDTH_FORMS}`);
    }
    suffixWidth = w;
  } else {
    // devmem habits: `0x20h`, `32w`, `0x20l` (h/l/w/q are never hex digits, so this cannot eat a valid number).
    const glued = /^(0x[0-9a-f_]+|0b[01_]+|0o[0-7_]+|[0-9][0-9_]*)([hwlq])$/i.exec(rest);
    if (glued) {
      throw new UsageError(`invalid offset '${rest}': width letter '${glued[2]}' without a dot`, TRAP_HINT);
    }
  }

  // Offsets become JavaScript numbers for the region code: refuse, with the text as typed, what a double cannot hold.
  const offset = parseNumber(rest, "offset", { max: BigInt(Number.MAX_SAFE_INTEGER) });

  const optionWidth = widthOption !== undefined ? parseWidthOption(widthOption) : undefined;
  if (suffixWidth !== undefined && optionWidth !== undefined && suffixWidth !== optionWidth) {
    throw new UsageError(
      `conflicting widths: '${text}' says ${widthName(suffixWidth)} but --width says ${widthName(optionWidth)}`,
      "give the width once, either as the offset suffix or as --width",
    );
  }
  const width = suffixWidth ?? optionWidth ?? DEFAULT_WIDTH;
  const widthFrom = suffixWidth !== undefined ? "suffix" : optionWidth !== undefined ? "option" : "default";
  return region !== undefined ? { region, offset, width, widthFrom } : { offset, width, widthFrom };
}

/**
 * Check that `offset` is a multiple of the access width. An unaligned MMIO access can raise SIGBUS, which kills the
 * process before any cleanup runs, so this must be checked before touching the device.
 * @throws UsageError naming the offset, the width and the nearest aligned offset below it.
 */
export function checkAligned(offset: bigint, width: Width): void {
  const w = BigInt(width);
  if (offset % w === 0n) return;
  const down = offset - (offset % w);
  throw new UsageError(
    `offset 0x${offset.toString(16)} is not aligned for a ${widthName(width)} access`,
    `use a multiple of ${width} (e.g. 0x${down.toString(16)}) or a narrower width`,
  );
}

/**
 * Check that `count` accesses of `width` bytes from `offset` stay inside a region of `size` bytes (out-of-range MMIO
 * can also raise SIGBUS, and pread/pwrite past the end fail with EINVAL).
 * @param label names the region in the message ("region 0 (ctrl)").
 * @throws UsageError with the region size and the last valid offset for this width.
 */
export function checkInRegion(offset: bigint, width: Width, count: number, size: bigint, label: string): void {
  const end = offset + BigInt(width) * BigInt(count);
  if (count >= 0 && end <= size) return;
  const last = size >= BigInt(width) ? size - BigInt(width) : undefined;
  throw new UsageError(
    `${count === 1 ? "access" : `${count} accesses`} at 0x${offset.toString(16)} (${widthName(width)}) ` +
      `run past the end of ${label} (size 0x${size.toString(16)})`,
    last !== undefined
      ? `the last ${widthName(width)} offset in ${label} is 0x${last.toString(16)}`
      : `${label} is smaller than one ${widthName(width)} access`,
  );
}
