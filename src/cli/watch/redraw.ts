// Redrawing a frame in place on a terminal, as watch(1) does without a full-screen library: the cursor goes back up
// over the previous frame (CSI n F), each line is cleared before it is written (CSI 2K), and anything left below a
// shorter frame is erased (CSI J). The frame ends with a newline, so an error or the shell prompt comes below it.

const CSI = "\x1b[";

export class Redraw {
  private shown = 0;

  /** The bytes that replace the frame on screen with `lines` (written as one write, so it does not flicker). */
  frame(lines: readonly string[]): string {
    const up = this.shown > 0 ? `${CSI}${this.shown}F` : "";
    this.shown = lines.length;
    return `${up}${lines.map((l) => `${CSI}2K${l}\n`).join("")}${CSI}J`;
  }
}
