// The state directory of a simulated board: board.json written atomically (temp file + rename) under a short
// inter-process lock, so separate processes on the simulated board act on one board. Group locks live in locks/. A damaged
// board.json, or a file where the directory belongs, is a StateDamagedError, found when the file is parsed.
import { type BigIntStats, mkdirSync, readdirSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { readStateFile, type StateFileRead } from "../../host/state-file.ts";
import { join, relative } from "node:path";
import type { BoardSpec } from "../boards/board-spec.ts";
import { bootState, type BoardState } from "./board-state.ts";
import { liveHolder, tryLock, withLock, type LockWaitListener, type StaleLockListener } from "./pid-lock.ts";
import { StateDamagedError } from "./state-errors.ts";
import { checkBoardState } from "./state-shape.ts";

export interface StateStoreOptions {
  /** Told about every stale lock (dead or vanished holder, damaged content) this store takes over or clears. */
  onStaleLock?: StaleLockListener;
  /** Told when a wait for the board lock lasts (a live process keeps it: stopped, or hung). */
  onLockWait?: LockWaitListener;
}

/** board.json is a few KB (kernel log included: KMSG_LIMIT records); far beyond that it is not read at all. */
export const MAX_STATE_BYTES = 64 * 1024 * 1024;

/** The subdirectory where `bind` keeps original drivers for the simulated board (see the CLI's stateDir()). */
export const HOST_SUBDIR = "host";

export class StateStore {
  readonly file: string;
  readonly mutex: string;
  readonly locksDir: string;
  private readonly onStaleLock: StaleLockListener | undefined;
  private readonly onLockWait: LockWaitListener | undefined;

  /** @throws StateDamagedError when `dir` or its locks/ is not a directory. */
  constructor(
    readonly dir: string,
    opts: StateStoreOptions = {},
  ) {
    this.onStaleLock = opts.onStaleLock;
    this.onLockWait = opts.onLockWait;
    makeDir(dir, dir);
    this.file = join(dir, "board.json");
    this.mutex = join(dir, "board.lock");
    this.locksDir = join(dir, "locks");
    makeDir(this.locksDir, dir);
    // host/ is made by whoever records bindings there; a file in its way is damage of this directory all the same.
    const host = join(dir, HOST_SUBDIR);
    if (statSync(host, { throwIfNoEntry: false })?.isDirectory() === false) {
      throw new StateDamagedError(host, "not-a-directory", "is a file, not a directory", dir);
    }
  }

  /**
   * Create the board's boot state if the directory is new; an existing board is kept as it is. A board.json that is
   * gone from a directory a board has used (lock files or bind records left in it) is damage, not a new board: booting
   * afresh there would contradict what those records say. `board` may be a function: called only for a new board.
   * @throws StateDamagedError (problem "missing" or "not-a-file").
   */
  ensure(board: BoardSpec | (() => BoardSpec)): void {
    if (this.present()) return;
    this.withMutex(() => {
      if (this.present()) return;
      this.checkTraces();
      this.write(bootState(typeof board === "function" ? board() : board));
    });
  }

  /**
   * Check the state without changing it (for doctor): board.json parses to a board state, or is absent from a
   * directory no board has used yet. Returns whether a board.json exists. @throws StateDamagedError naming what is wrong.
   */
  verify(): boolean {
    if (this.present()) {
      this.read();
      return true;
    }
    this.checkTraces();
    return false;
  }

  /** A board.json missing beside a board's records is damage. @throws StateDamagedError ("missing"). */
  private checkTraces(): void {
    const traces = this.traces();
    if (traces.length > 0) {
      throw new StateDamagedError(this.file, "missing", `is missing, but the directory holds a board's records (${traces.join(", ")})`, this.dir);
    }
  }

  /** Whether board.json exists (as a file: anything else there is damage). */
  private present(): boolean {
    const st = statSync(this.file, { throwIfNoEntry: false });
    if (st === undefined) return false;
    if (!st.isFile()) throw new StateDamagedError(this.file, "not-a-file", "is a directory or special file, not a file", this.dir);
    return true;
  }

  /** What a board that ran here leaves behind: lock files, bind records (files only: bind leaves empty folders). */
  private traces(): string[] {
    const out: string[] = [];
    const some = (what: string, names: string[]) => {
      if (names.length) out.push(`${what}/${names[0]}${names.length > 1 ? ` and ${names.length - 1} more` : ""}`);
    };
    some("locks", filesUnder(this.locksDir).filter((n) => n.endsWith(".lock")));
    some(HOST_SUBDIR, filesUnder(join(this.dir, HOST_SUBDIR)));
    return out;
  }

  /** Take a lock file (see pid-lock): undefined when taken, else its live holder. Stale locks are reported. */
  takeLock(path: string) {
    return tryLock(path, this.onStaleLock);
  }

  /** The live holder of a lock file (a stale one is cleared and reported). */
  holder(path: string) {
    return liveHolder(path, this.onStaleLock);
  }

  private withMutex<T>(fn: () => T): T {
    return withLock(this.mutex, fn, undefined, {
      ...(this.onStaleLock ? { onStale: this.onStaleLock } : {}),
      ...(this.onLockWait ? { onWait: this.onLockWait } : {}),
    });
  }

  /**
   * The current state (a consistent snapshot: writes are atomic renames). Read-only: while board.json is the same
   * version as last time, the same parsed object comes back, so callers must not change it; update() hands out a
   * private copy to change. Whether it is the same version is told by a stat (about 10 µs) instead of reading the
   * file again (about 110 µs for 30 KB when a short CLI run starts; listing devices reads the state ~50 times).
   */
  read(): BoardState {
    const cached = this.cache;
    if (cached && sameVersion(cached.stat, statSync(this.file, { bigint: true, throwIfNoEntry: false }))) return (cached.state ??= revivedJson(cached.text));
    const { stat, text } = this.readText();
    // Same text under a new stat (a write that changed nothing): keep the parse callers may already hold.
    const state = cached?.text === text ? (cached.state ??= revivedJson(cached.text)) : this.parse(text);
    this.cache = { stat, text, state };
    return state;
  }

  /**
   * board.json's text and the stat of that same version (one open file describes one version even while a writer
   * renames). @throws StateDamagedError when it is missing or not a file.
   */
  private readText(): { stat: BigIntStats; text: string } {
    let r: StateFileRead;
    try {
      r = readStateFile(this.file, MAX_STATE_BYTES);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      throw new StateDamagedError(this.file, "missing", "is missing (removed while the board was in use?)", this.dir);
    }
    if (r.kind === "not-a-file") throw new StateDamagedError(this.file, "not-a-file", "is a directory or special file, not a file", this.dir);
    if (r.kind === "too-big") {
      throw new StateDamagedError(this.file, "shape", `is ${r.stat.size} bytes, far more than a board's state (at most ${MAX_STATE_BYTES / (1 << 20)} MiB)`, this.dir);
    }
    return { stat: r.stat, text: r.text };
  }

  /** Parse and check board.json's text. @throws StateDamagedError naming what is wrong. */
  private parse(text: string): BoardState {
    return parseState(text, this.file, this.dir);
  }

  /** The version last read or written (its stat), its text and its parse (of a written one: once read() asks). */
  private cache: { stat: BigIntStats; text: string; state: BoardState | undefined } | undefined;

  /** Changes queued by change() while a batch() runs; undefined outside one. */
  private queued: ((s: BoardState) => void)[] | undefined;

  /** True while a batch() runs: read() then does not show the changes it has queued. */
  get batching(): boolean {
    return this.queued !== undefined;
  }

  /**
   * A change whose result nobody waits for (a kernel log line, a register save): one update() of its own, or, while a
   * batch() runs, one update() for every change the batch queued, in order, at its end.
   */
  change(fn: (s: BoardState) => void): void {
    if (this.queued) this.queued.push(fn);
    else this.update(fn);
  }

  /**
   * Run `fn` with change() queued, then write the queued changes in one update (also when `fn` throws: each would
   * have been written by then). A change that throws leaves the ones before it written, not itself nor the ones
   * after, as separate updates would; its error is thrown. Batches nest (the outer one writes).
   */
  batch<T>(fn: () => T): T {
    if (this.queued) return fn();
    const queued: ((s: BoardState) => void)[] = (this.queued = []);
    let r: T;
    try {
      r = fn();
    } catch (e) {
      this.queued = undefined;
      try {
        if (queued.length > 0) this.applyAll(queued);
      } catch {
        // The error that stopped `fn` is the one to tell.
      }
      throw e;
    }
    this.queued = undefined;
    if (queued.length > 0) this.applyAll(queued);
    return r;
  }

  /** Apply `changes` in one update; when one throws, the ones before it are written (in an update of their own). */
  private applyAll(changes: ((s: BoardState) => void)[]): void {
    let done = 0;
    try {
      this.update((s) => {
        for (const c of changes) {
          c(s);
          done++;
        }
      });
    } catch (e) {
      // update() wrote nothing. A change threw (not the lock or the write: those fail before the first or after the last).
      if (done > 0 && done < changes.length) this.update((s) => changes.slice(0, done).forEach((c) => c(s)));
      throw e;
    }
  }

  /** Read-modify-write under the lock; nothing is written when `fn` throws. */
  update<T>(fn: (s: BoardState) => T): T {
    return this.withMutex(() => {
      // A fresh parse: fn changes it, and may throw half-way (nothing is written then). The version this store
      // wrote or checked last is taken from its text without checking it again (under the lock nobody replaces it).
      const cached = this.cache;
      const current = cached !== undefined && sameVersion(cached.stat, statSync(this.file, { bigint: true, throwIfNoEntry: false }));
      const s = current ? revivedJson(cached.text) : this.parse(this.readText().text);
      const r = fn(s);
      this.write(s);
      return r;
    });
  }

  private write(s: BoardState): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const text = stateJson(s);
    writeFileSync(tmp, text, { mode: 0o600 });
    newerThanCurrent(tmp, this.file);
    // The version just written (its inode keeps this stat through the rename) needs no reading back: the next read()
    // gets it from its text, parsed as any reader would (not `s`, which may hold what JSON does not keep).
    const stat = statSync(tmp, { bigint: true });
    renameSync(tmp, this.file);
    this.cache = { stat, text, state: undefined }; // parsed when read() first asks for it
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

/** A state (or a part of one) as board.json holds it: bigints (addresses in board specs) as tagged objects. */
export function stateJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? { $bigint: `0x${v.toString(16)}` } : v));
}

/** A JSON-tagged bigint ({"$bigint": "0x..."}) as its bigint; undefined when `o` is no such tag (a bad tag stays an object, and fails the check). */
function taggedBigint(o: object): bigint | undefined {
  if (!("$bigint" in o)) return undefined;
  const tag = (o as { $bigint: unknown }).$bigint;
  return typeof tag === "string" && /^0x[0-9a-f]{1,16}$/i.test(tag) ? BigInt(tag) : undefined;
}

/**
 * Replace every tagged bigint below `v` (a parsed JSON value) by its bigint, in place: what a JSON.parse reviver would
 * do, without one (a reviver makes the parse of a short CLI run's board.json several times slower). A key "__proto__"
 * is an own property of what JSON.parse made, so assigning it sets that property, never the prototype.
 */
function reviveBigints(v: object): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === null || typeof x !== "object") continue;
      const b = taggedBigint(x);
      if (b === undefined) reviveBigints(x);
      else v[i] = b;
    }
    return;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === null || typeof x !== "object") continue;
    const b = taggedBigint(x);
    if (b === undefined) reviveBigints(x);
    else o[k] = b;
  }
}

/** A board.json text this process wrote (or checked before), parsed with its bigints revived and not checked again. */
function revivedJson(text: string): BoardState {
  const value = JSON.parse(text) as BoardState;
  reviveBigints(value);
  return value;
}

/** Parse and check a board.json text. @throws StateDamagedError ("empty", "not-json", or what checkBoardState finds). */
export function parseState(text: string, file: string, dir: string): BoardState {
  if (text.trim() === "") throw new StateDamagedError(file, "empty", "is empty (a write cut short, or the file was emptied)", dir);
  let value: unknown;
  try {
    value = JSON.parse(text);
    // Inside the try: a nesting too deep to walk (a hostile file) is unreadable JSON, as it was to a reviver.
    if (value !== null && typeof value === "object") value = taggedBigint(value) ?? (reviveBigints(value), value);
  } catch {
    // Truncated only when it starts as a board state does and stops before its closing brace.
    const cut = /^\s*\{/.test(text) && !/[}\]]\s*$/.test(text);
    throw new StateDamagedError(file, "not-json", cut ? "ends in the middle of its JSON (truncated)" : "is not valid JSON", dir);
  }
  return checkBoardState(value, file, dir);
}

/** mkdir -p, with a file (or anything but a directory) in the way reported as damage. */
function makeDir(path: string, stateDir: string): void {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st !== undefined && !st.isDirectory()) {
    throw new StateDamagedError(path, "not-a-directory", "is a file, not a directory", stateDir);
  }
  mkdirSync(path, { recursive: true, mode: 0o700 });
}

/** Paths (relative to `dir`) of the files below `dir`; none when it cannot be read. */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => relative(dir, join(e.parentPath, e.name)));
  } catch {
    return [];
  }
}
