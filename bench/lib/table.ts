// The one table `bun run bench` prints: each row's medians with their spread (min–max), the ratio against the goal and
// PASS/MISS, or the reason a row was skipped. Plain text, fixed-width columns, so it pastes into docs as it is.
import { goalText } from "./goal.ts";
import type { RowResult, Side } from "./row.ts";

/** A number with three significant digits (no exponent for the magnitudes benchmarks produce). */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** "1.23 µs (1.20–1.31)": median, then the min–max spread of the samples. */
export function formatSide(side: Side, unit: string): string {
  const u = unit === "us" ? "µs" : unit;
  return `${fmt(side.median)} ${u} (${fmt(side.min)}–${fmt(side.max)})`;
}

/** The figure as the goal reads it: "1.12×" or "+12.3 ms". */
export function formatFigure(row: RowResult): string {
  if (row.figure === undefined) return "";
  if (row.goal.kind === "delta-max") return `${row.figure >= 0 ? "+" : ""}${fmt(row.figure)} ${row.goal.unit}`;
  return `${fmt(row.figure)}×`;
}

/** Longest skip reason the table shows (results.json keeps the whole text). */
const SKIP_WIDTH = 80;

function clip(text: string, width: number): string {
  const line = text.split("\n")[0]!;
  return [...line].length <= width ? line : `${[...line].slice(0, width - 1).join("")}…`;
}

const HEADER = ["row", "vfio-plat median (min–max)", "reference median (min–max)", "ratio", "goal", "result"];

/** Notes under the table, one per measured row that has one: what a MISS is bounded by, how a sample was taken. */
export function renderNotes(rows: readonly RowResult[]): string[] {
  return rows.filter((r) => r.status === "measured" && r.note).map((r) => `- ${r.what}: ${r.note}`);
}

/** Render every row, measured or skipped, as aligned text lines (header first), then the rows' notes. */
export function renderTable(rows: readonly RowResult[]): string {
  const cells = rows.map((r) =>
    r.status === "measured"
      ? [r.what, formatSide(r.vfio!, r.unit), formatSide(r.reference!, r.unit), formatFigure(r), goalText(r.goal), r.verdict!]
      : [r.what, `skipped: ${clip(r.reason ?? "not run", SKIP_WIDTH)}`, "", "", goalText(r.goal), "—"],
  );
  const all = [HEADER, ...cells];
  const widths = HEADER.map((_, c) => Math.max(...all.map((line) => [...line[c]!].length)));
  const line = (cols: string[]) => cols.map((s, c) => s + " ".repeat(widths[c]! - [...s].length)).join("  ").trimEnd();
  const notes = renderNotes(rows);
  return [line(HEADER), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line), ...(notes.length ? ["", "notes:", ...notes] : [])].join("\n");
}
