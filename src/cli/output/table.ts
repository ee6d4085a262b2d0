// Aligned columns for human output (`list`, `info`). Widths are measured on what the terminal shows, so ANSI colour
// codes and wide characters do not push columns out of line (Bun.stringWidth ignores escape sequences).

type Align = "left" | "right";

interface TableOptions {
  /** Column titles, printed first. */
  header?: readonly string[];
  /** Per-column alignment; default left. Right suits numbers. */
  align?: readonly Align[];
  /** Spaces between columns (default 2). */
  gap?: number;
}

/** Display width of `text` in terminal cells, ignoring ANSI escape sequences. */
export function displayWidth(text: string): number {
  return Bun.stringWidth(text);
}

/**
 * Lay out `rows` (and the optional header) in aligned columns; returns the lines without newlines. Rows may be
 * ragged (missing cells are empty). No trailing spaces: a left-aligned last column is not padded.
 */
export function formatTable(rows: readonly (readonly string[])[], opts: TableOptions = {}): string[] {
  const all = opts.header ? [opts.header, ...rows] : [...rows];
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...all.map((r) => displayWidth(r[c] ?? ""))));
  const gap = " ".repeat(opts.gap ?? 2);
  return all.map((row) => {
    const cells = widths.map((w, c) => {
      const text = row[c] ?? "";
      const pad = " ".repeat(w - displayWidth(text));
      if (opts.align?.[c] === "right") return pad + text;
      return c === columns - 1 ? text : text + pad;
    });
    return cells.join(gap).trimEnd();
  });
}
