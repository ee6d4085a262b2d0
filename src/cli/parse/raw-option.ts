// cac turns option values that look numeric into lossy numbers (`--iova 0xffffffffffffffff` becomes a float), so
// options that carry hex or 64-bit values are read back from the raw command line.

/** The raw token of an option: `--x V` or `--x=V`, the last one winning; falls back to cac's parsed value. */
export function rawOption(options: Record<string, unknown>, flag: string, key: string): string | undefined {
  const raw = options.rawArgs as readonly string[] | undefined;
  if (raw) {
    for (let i = raw.length - 1; i >= 0; i--) {
      const t = raw[i]!;
      if (t === flag && i + 1 < raw.length) return raw[i + 1];
      if (t.startsWith(`${flag}=`)) return t.slice(flag.length + 1);
    }
  }
  const v = options[key];
  return v === undefined || v === true ? undefined : String(v);
}
