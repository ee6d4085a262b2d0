// Whether a read or write command line is a memory-range one (a dump to a file, a dry run, several values, a fill, a
// file's contents) rather than one register. Kept apart from the range code so a one-register read or write, the
// common shell call, does not load it.
import type { OptionsOf } from "../command-options.ts";

/** True when a read command line is a range read that read-range.ts carries out (--to FILE, --dry-run). */
export function isRangeRead(options: OptionsOf<"read">): boolean {
  return options.to !== undefined || options.dryRun === true;
}

/** True when a write command line is a range write (several values, --fill or --from) rather than one register. */
export function isRangeWrite(values: readonly string[], options: OptionsOf<"write">): boolean {
  return values.length > 1 || options.fill !== undefined || options.from !== undefined || options.length !== undefined;
}
