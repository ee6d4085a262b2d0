// Redrawing a frame in place on a terminal, as watch(1) does without a full-screen library: the cursor goes back up
// over the previous frame (CSI n F), each line is cleared before it is written (CSI 2K), and anything left below a
// shorter frame is erased (CSI J). A line wider than the terminal wraps onto several rows, and the way back up counts
// them. The frame ends with a newline, so an error or the shell prompt comes below it.

const CSI = "\x1b[";
const SGR = /\x1b\[[0-9;]*m/g;

export class Redraw {
  private rows = 0;

  /** `columns`: the terminal's width (undefined: lines are taken not to wrap). */
  constructor(private readonly columns?: number) {}

  /** The bytes that replace the frame on screen with `lines` (written as one write, so it does not flicker). */
  frame(lines: readonly string[]): string {
    const up = this.rows > 0 ? `${CSI}${this.rows}F` : "";
    this.rows = lines.reduce((n, l) => n + this.rowsOf(l), 0);
    return `${up}${lines.map((l) => `${CSI}2K${l}\n`).join("")}${CSI}J`;
  }

  /** Terminal rows a line takes: its visible characters (colour codes left out) over the width, at least one. */
  private rowsOf(line: string): number {
    if (!this.columns || this.columns < 1) return 1;
    return Math.max(1, Math.ceil(line.replace(SGR, "").length / this.columns));
  }
}
