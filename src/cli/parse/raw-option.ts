// One option's value as the user typed it. The command line is scanned by parse/argv.ts, which keeps every value a
// string (cac would have turned `--iova 0xffffffffffffffff` into a lossy float) and refuses repeated options, so
// this only has to tell a value from a flag given without one.

/** The text of option `key` (camelCase long name), or undefined when absent. `flag` names it in older callers. */
export function rawOption(options: Record<string, unknown>, _flag: string, key: string): string | undefined {
  const v = options[key];
  return typeof v === "string" ? v : undefined;
}
