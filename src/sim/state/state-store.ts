// The state directory of a simulated board: board.json written atomically (temp file + rename) under a short
// inter-process lock, so separate `vfio-plat --sim` processes act on one board. Group locks live in locks/.
import { type BigIntStats, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BoardSpec } from "../boards/board-spec.ts";
import { bootState, type BoardState } from "./board-state.ts";
import { withLock } from "./pid-lock.ts";

export class StateStore {
  readonly file: string;
  private readonly mutex: string;
  readonly locksDir: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, "board.json");
    this.mutex = join(dir, "board.lock");
    this.locksDir = join(dir, "locks");
    mkdirSync(this.locksDir, { recursive: true, mode: 0o700 });
  }

  /** Create the board's boot state if the directory is new; an existing board is kept as it is. */
  ensure(board: BoardSpec): void {
    if (existsSync(this.file)) return;
    withLock(this.mutex, () => {
      if (!existsSync(this.file)) this.write(bootState(board));
    });
  }

  /**
   * The current state (a consistent snapshot: writes are atomic renames). Read-only: while board.json is the same
   * version as last time, the same parsed object comes back, so callers must not change it; update() hands out a
   * private copy to change. Whether it is the same version is told by a stat (about 10 µs) instead of reading the
   * file again (about 110 µs for 30 KB when a short CLI run starts; listing devices reads the state ~50 times).
   */
  read(): BoardState {
    if (this.cache && sameVersion(this.cache.stat, statSync(this.file, { bigint: true }))) return this.cache.state;
    // The stat and the text come from one open file, so they describe the same version even while a writer renames.
    const fd = openSync(this.file, "r");
    let stat: BigIntStats;
    let text: string;
    try {
      stat = fstatSync(fd, { bigint: true });
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
    // Same text under a new stat (a write that changed nothing): keep the parse callers may already hold.
    const state = this.cache?.text === text ? this.cache.state : parseState(text);
    this.cache = { stat, text, state };
    return state;
  }

  /** The version last read (its stat), its text and its parse. */
  private cache: { stat: BigIntStats; text: string; state: BoardState } | undefined;

  /** Read-modify-write under the lock. `fn` may return false to skip writing. */
  update<T>(fn: (s: BoardState) => T): T {
    return withLock(this.mutex, () => {
      // A fresh parse: fn changes it, and may throw half-way (nothing is written then).
      const s = parseState(readFileSync(this.file, "utf8"));
      const r = fn(s);
      this.write(s);
      return r;
    });
  }

  private write(s: BoardState): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    // Board specs carry bigint addresses; JSON has no bigint, so they are tagged objects on disk.
    const text = JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? { $bigint: `0x${v.toString(16)}` } : v));
    writeFileSync(tmp, text, { mode: 0o600 });
    newerThanCurrent(tmp, this.file);
    renameSync(tmp, this.file);
  }
}

/**
 * Give `tmp` an mtime later than that of the board.json it replaces. Every version of board.json then has a later
 * mtime than the one before, so (device, inode, size, mtime) never repeats, which read()'s stat check relies on. Without
 * this, two writes within one clock tick could produce the same size and mtime on a reused inode.
 * Writes run under the board lock, so the versions are ordered.
 */
function newerThanCurrent(tmp: string, file: string): void {
  const current = statSync(file, { bigint: true, throwIfNoEntry: false });
  if (current === undefined) return;
  // utimes takes seconds as a double (~0.2 µs resolution here), so the step is checked and doubled until it sticks.
  for (let step = 2_000n; statSync(tmp, { bigint: true }).mtimeNs <= current.mtimeNs; step *= 2n) {
    const seconds = Number(current.mtimeNs + step) / 1e9;
    utimesSync(tmp, seconds, seconds);
  }
}

/** Whether two stats of board.json describe the same version (see newerThanCurrent). */
function sameVersion(a: BigIntStats, b: BigIntStats | undefined): boolean {
  return b !== undefined && a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

function parseState(text: string): BoardState {
  return JSON.parse(text, (_k, v: unknown) =>
    v !== null && typeof v === "object" && "$bigint" in v ? BigInt((v as { $bigint: string }).$bigint) : v,
  ) as BoardState;
}
