// A one-line progress indicator for long work (large register dumps), on stderr, only when stderr is a terminal and
// --json is off: a pipe, a log file or a JSON consumer never sees it. It appears only once the work has taken a while
// (no flicker for quick reads), redraws at most a few times a second, and erases itself when done.
import { writeStderr } from "./stdio.ts";

export interface ProgressSink {
  isTTY?: boolean;
  write(text: string): void;
}

interface ProgressOptions {
  /** What is being done: "reading 9010000.pl031 region 0". */
  label: string;
  /** Units of work in all ("registers"). */
  total: number;
  unit: string;
  /** False with --json. */
  enabled: boolean;
  /** Where to draw; default stderr. Drawn only when `isTTY` is true. */
  sink?: ProgressSink;
  /** Show nothing until the work has run this long (default 300 ms). */
  delayMs?: number;
  /** Redraw at most this often (default 100 ms). */
  intervalMs?: number;
  now?: () => number;
}

export interface Progress {
  /** `done` units finished so far. */
  update(done: number): void;
  /** Erase the line (if one is drawn) so other output can start at column 0; the next update() draws it again. */
  hide(): void;
  /** Erase the line (if one was drawn). Safe to call more than once. */
  end(): void;
}

const stderrSink: ProgressSink = {
  get isTTY() {
    return process.stderr.isTTY === true;
  },
  write: (t) => writeStderr(t),
};

const NOOP: Progress = { update() {}, hide() {}, end() {} };

/** Start a progress line; a no-op object when disabled or not on a terminal. */
export function startProgress(opts: ProgressOptions): Progress {
  const sink = opts.sink ?? stderrSink;
  if (!opts.enabled || sink.isTTY !== true || opts.total <= 0) return NOOP;
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const delay = opts.delayMs ?? 300;
  const interval = opts.intervalMs ?? 100;
  let lastDraw = -Infinity;
  let drawn = false;
  let ended = false;
  return {
    update(done: number) {
      if (ended) return;
      const t = now();
      if (t - start < delay || t - lastDraw < interval) return;
      lastDraw = t;
      drawn = true;
      const pct = Math.floor((Math.min(done, opts.total) * 100) / opts.total);
      // \r and erase-to-end: the line is rewritten in place and leaves nothing behind when it shrinks.
      sink.write(`\r${opts.label}: ${done}/${opts.total} ${opts.unit} (${pct}%)\x1b[K`);
    },
    hide() {
      if (ended || !drawn) return;
      drawn = false;
      lastDraw = -Infinity; // redraw at the next update, whatever the interval
      sink.write("\r\x1b[K");
    },
    end() {
      if (ended) return;
      ended = true;
      if (drawn) sink.write("\r\x1b[K");
    },
  };
}
