// An option's value kind and default (from the option table) in words, for the man page: "a number, 0 to 7;
// default 0", "one of auto, group, iommufd". Generated, so the page cannot promise a range the scanner does not check.
import type { ValueKind } from "../parse/option-kinds.ts";

const SIZE_UNITS: [bigint, string][] = [
  [1n << 30n, "G"],
  [1n << 20n, "M"],
  [1n << 10n, "k"],
];

/** `1G`, `1M`, `4k`, or plain bytes when no unit divides it. */
function sizeText(n: bigint): string {
  for (const [unit, name] of SIZE_UNITS) if (n >= unit && n % unit === 0n) return `${n / unit}${name}`;
  return String(n);
}

/** A bound as a user would write it: decimal when short, else hex (0xffffffff). */
function boundText(n: bigint): string {
  return n <= 1_000_000n ? String(n) : `0x${n.toString(16)}`;
}

/**
 * What an option of `kind` takes, and its default, as a sentence fragment; undefined for free text without a default.
 * `suggestions` are the words completion offers for a `word` kind (the board or driver names it stands for).
 */
export function valueWords(kind: ValueKind | undefined, dflt?: string, suggestions?: readonly string[]): string | undefined {
  let words: string | undefined;
  switch (kind?.kind) {
    case "integer":
      words = `a number, ${boundText(kind.min)} to ${boundText(kind.max)}`;
      break;
    case "size":
      words = `a size (k, M or G suffix), ${sizeText(kind.min)} to ${sizeText(kind.max)}`;
      break;
    case "period":
      words = `a period (us, ms, s or m; a bare number is ms)${kind.allowZero === false ? ", more than 0" : ""}`;
      break;
    case "enum":
      words = `one of ${kind.choices.join(", ")}`;
      break;
    case "word":
      words = suggestions?.length ? `a word such as ${suggestions.join(", ")}` : undefined;
      break;
    case "device":
      words = "a device (name, compatible, /sys path or glob)";
      break;
    case "file":
      words = "a file";
      break;
    case "dir":
      words = "a directory";
      break;
    case "user":
      words = "a user name or uid";
      break;
    case "group":
      words = "a group name or gid";
      break;
  }
  const parts = [words, dflt !== undefined ? `default ${dflt}` : undefined].filter((p) => p !== undefined);
  return parts.length ? parts.join("; ") : undefined;
}
