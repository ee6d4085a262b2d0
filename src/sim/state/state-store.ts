// The state directory of a simulated board: board.json written atomically (temp file + rename) under a short
// inter-process lock, so separate `vfio-plat --sim` processes act on one board. Group locks live in locks/.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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
   * The current state (a consistent snapshot: writes are atomic renames). Read-only: when the file's text is the same
   * as last time, the same parsed object comes back (parsing was most of a kernel-log read), so callers must not
   * change it; update() hands out a private copy to change.
   */
  read(): BoardState {
    const text = readFileSync(this.file, "utf8");
    if (this.cache && this.cache.text === text) return this.cache.state;
    const state = parseState(text);
    this.cache = { text, state };
    return state;
  }

  /** The last text read and its parse (compared by content: inode, size and coarse mtime can all repeat). */
  private cache: { text: string; state: BoardState } | undefined;

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
    renameSync(tmp, this.file);
  }
}

function parseState(text: string): BoardState {
  return JSON.parse(text, (_k, v: unknown) =>
    v !== null && typeof v === "object" && "$bigint" in v ? BigInt((v as { $bigint: string }).$bigint) : v,
  ) as BoardState;
}
