// Lock files owned by a live process, holding "pid start-time nonce". The whole content is written to a private temp
// file first and then link(2)ed into place (link fails with EEXIST like O_EXCL), so a lock never exists empty or
// half-written: whoever sees the lock sees its holder. A lock whose holder is gone (dead, SIGKILLed, pid reused) or
// whose content cannot be read (damaged) is stale: it is taken over, and the taker is told so it can say so.
import { closeSync, constants, fstatSync, linkSync, openSync, readSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { StateLockedError } from "./state-errors.ts";
import { isAlive, processStartTime, selfIdentity, type ProcessIdentity } from "../../host/process-identity.ts";

/** Why a lock was found stale. */
type StaleReason =
  /** The pid it names runs no process. */
  | "dead"
  /** The pid runs a different process (its start time differs): the holder died and the pid was reused. */
  | "reused"
  /** The content is not "pid start-time" (empty, truncated, garbage) or the path is not a regular file. */
  | "unreadable";

/** A stale lock that was found (doctor), removed (a holder query) or taken over (a taker). */
export interface StaleLock {
  path: string;
  reason: StaleReason;
  /** The holder the lock named, when it named one. */
  holder?: ProcessIdentity;
  /** What became of it: "taken" by this process, or "cleared" (removed, the lock is free now); absent when only found. */
  outcome?: "taken" | "cleared";
}

/** Told about every stale lock this process takes over or clears. */
export type StaleLockListener = (lock: StaleLock) => void;

/** What a lock file says now. */
type LockState =
  | { state: "free" }
  | { state: "live"; holder: ProcessIdentity }
  | { state: "stale"; reason: StaleReason; holder?: ProcessIdentity; ino: bigint; text: string };

/** Longest lock content ("pid start nonce\n" is at most 46 bytes). */
const LOCK_MAX = 64;

/** Largest pid Linux can hand out (PID_MAX_LIMIT on 64-bit). */
const PID_MAX = 4_194_304;

/** "pid start" or "pid start nonce" (the nonce tells two takings by one process apart); undefined otherwise. */
export function parseLock(text: string): ProcessIdentity | undefined {
  const m = /^(\d{1,7}) (\d{1,20})(?: [0-9a-z]{1,16})?\n?$/.exec(text);
  if (!m) return undefined;
  const pid = Number(m[1]);
  return pid >= 1 && pid <= PID_MAX ? { pid, start: m[2]! } : undefined;
}

/** Read a lock without changing it: free, held by a live process, or stale (and why). */
export function inspectLock(path: string): LockState {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO where a lock belongs opens at once (and is then damage), instead of waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { state: "free" };
    throw e;
  }
  let ino: bigint;
  let text = "";
  try {
    const st = fstatSync(fd, { bigint: true });
    ino = st.ino;
    // A directory or device where a lock belongs is damage too; its content is not read.
    if (!st.isFile()) return { state: "stale", reason: "unreadable", ino, text: "" };
    // A lock is a few dozen bytes: a larger file is damage, and is not read whole (its size tells it apart).
    const buf = Buffer.alloc(LOCK_MAX + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    text = buf.toString("utf8", 0, n);
    if (n > LOCK_MAX) return { state: "stale", reason: "unreadable", ino, text: `${text} (${st.size} bytes)` };
  } finally {
    closeSync(fd);
  }
  const holder = parseLock(text);
  if (!holder) return { state: "stale", reason: "unreadable", ino, text };
  if (isAlive(holder)) return { state: "live", holder };
  const reason = processStartTime(holder.pid) === undefined ? "dead" : "reused";
  return { state: "stale", reason, holder, ino, text };
}

let counter = 0;

/** Write this process's lock content to a fresh temp file beside `path`; returns the temp file's path. */
function writeOwnLock(path: string): string {
  const me = selfIdentity();
  const nonce = `${(counter++).toString(36)}${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
  const tmp = `${path}.${me.pid}.${nonce}.tmp`;
  writeFileSync(tmp, `${me.pid} ${me.start} ${nonce}\n`, { mode: 0o600, flag: "wx" });
  return tmp;
}

/** link(2) `tmp` to `path`; false when `path` exists. */
function linkInto(tmp: string, path: string): boolean {
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

/**
 * Remove the stale lock `seen` from `path`, unless it changed since it was seen. Removal runs under `<path>.break`
 * (itself link-created): without it, two takers that both saw the same stale lock could each remove it, the second
 * removing the lock the first had just taken. The identity check (inode and content, which carries a nonce) makes a
 * late breaker leave a newer lock alone. True when this call removed it.
 */
function breakStale(path: string, seen: Extract<LockState, { state: "stale" }>, tmp: string): boolean {
  const guard = `${path}.break`;
  if (!linkInto(tmp, guard)) {
    // A breaker killed inside this window leaves its guard behind: clear it when its owner is gone.
    const g = inspectLock(guard);
    if (g.state === "stale") rmSync(guard, { force: true, recursive: true });
    return false;
  }
  try {
    const now = inspectLock(path);
    if (now.state !== "stale" || now.ino !== seen.ino || now.text !== seen.text) return false;
    rmSync(path, { force: true, recursive: true });
    return true;
  } finally {
    removeFile(guard);
  }
}

/** The report of stale lock `s` at `path`. */
export function staleOf(path: string, s: Extract<LockState, { state: "stale" }>, outcome?: StaleLock["outcome"]): StaleLock {
  return { path, reason: s.reason, ...(s.holder ? { holder: s.holder } : {}), ...(outcome ? { outcome } : {}) };
}

/**
 * Try to take the lock. Returns undefined on success, or the live holder when another process has it (or this one:
 * a lock is not re-entrant). A stale lock is removed and taken; `onStale` is told. Throws the fs error when the
 * lock's directory is missing or not writable.
 */
export function tryLock(path: string, onStale?: StaleLockListener): ProcessIdentity | undefined {
  const tmp = writeOwnLock(path);
  try {
    for (let attempt = 0; ; attempt++) {
      if (linkInto(tmp, path)) return undefined;
      const s = inspectLock(path);
      if (s.state === "live") return s.holder;
      if (s.state === "stale" && breakStale(path, s, tmp)) onStale?.(staleOf(path, s, "taken"));
      // Free again (released meanwhile), or another taker is breaking it: look again.
      if (attempt >= 100) throw new StateLockedError(path, undefined);
      if (attempt > 2) Bun.sleepSync(1);
    }
  } finally {
    removeFile(tmp);
  }
}

/** The live holder of `path`; a stale lock is removed (and `onStale` told). */
export function liveHolder(path: string, onStale?: StaleLockListener): ProcessIdentity | undefined {
  const s = inspectLock(path);
  if (s.state === "live") return s.holder;
  if (s.state === "free") return undefined;
  const tmp = writeOwnLock(path);
  try {
    if (breakStale(path, s, tmp)) onStale?.(staleOf(path, s, "cleared"));
  } finally {
    removeFile(tmp);
  }
  return undefined;
}

/** Release a lock this process holds. */
export function unlock(path: string): void {
  removeFile(path);
}

/** unlink(2), a missing file being fine (cheaper than rmSync on this hot path: one system call). */
function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/** Told once when a wait for a lock has lasted WAIT_NOTICE_MS, with the live holder it waits for. */
export type LockWaitListener = (path: string, holder: ProcessIdentity) => void;

/** How long withLock() waits for a live holder by default before it gives up. */
export const LOCK_TIMEOUT_MS = 10_000;

/** How long a wait for a lock goes before the waiter is told who it waits for (board locks are held for µs). */
const WAIT_NOTICE_MS = 1000;

/** How long a board-lock wait goes before signals get their default action back (the lock is held for µs normally). */
const DEFAULT_SIGNALS_AFTER_MS = 50;

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

interface SignalDefaults {
  reinstall(): void;
}

/** Remove this process's JS listeners of the stop signals (their default action applies again) until reinstall(). */
function restoreDefaultSignals(): SignalDefaults {
  const saved = STOP_SIGNALS.map((sig) => ({ sig, listeners: process.listeners(sig) }));
  for (const { sig, listeners } of saved) for (const l of listeners) process.removeListener(sig, l);
  return {
    reinstall: () => {
      for (const { sig, listeners } of saved) for (const l of listeners) process.on(sig, l);
    },
  };
}

/** Listeners of withLock(): stale locks taken over, and a wait that lasts. */
interface LockListeners {
  onStale?: StaleLockListener;
  onWait?: LockWaitListener;
}

/**
 * Run `fn` holding the lock, waiting for it up to `timeoutMs` (`onWait` is told once the wait has lasted
 * WAIT_NOTICE_MS). Throws StateLockedError naming the holder when a live process keeps it longer (one stopped with
 * SIGSTOP, say).
 */
export function withLock<T>(path: string, fn: () => T, timeoutMs = LOCK_TIMEOUT_MS, listeners: LockListeners = {}): T {
  const start = performance.now();
  let told = false;
  let signals: SignalDefaults | undefined;
  try {
    for (;;) {
      const holder = tryLock(path, listeners.onStale);
      if (holder === undefined) break;
      const waited = performance.now() - start;
      if (waited > timeoutMs) throw new StateLockedError(path, holder.pid);
      if (!told && waited >= WAIT_NOTICE_MS) {
        told = true;
        listeners.onWait?.(path, holder);
      }
      // This wait is synchronous, so no JS signal handler can run during it: once it lasts (a holder stopped, say),
      // SIGINT/SIGTERM/SIGHUP get their default action back and end the process at once (128+N). Nothing is lost:
      // the process holds no board lock while it waits, and the locks it does hold are taken over as stale.
      if (signals === undefined && waited >= DEFAULT_SIGNALS_AFTER_MS) signals = restoreDefaultSignals();
      Bun.sleepSync(1);
    }
  } finally {
    signals?.reinstall();
  }
  try {
    return fn();
  } finally {
    unlock(path);
  }
}

/** True when `path` names a temp file a lock taker left behind (killed between writing and linking it). */
export function isLockTemp(name: string): boolean {
  return /\.lock\.\d+\.[0-9a-z]+\.tmp$/.test(name) || name.endsWith(".lock.break");
}

/** Whether the process that wrote the temp file `name` (see isLockTemp) is gone. */
export function lockTempOrphaned(dir: string, name: string): boolean {
  const m = /\.lock\.(\d+)\.[0-9a-z]+\.tmp$/.exec(name);
  if (m) return processStartTime(Number(m[1])) === undefined;
  try {
    statSync(`${dir}/${name}`);
  } catch {
    return false;
  }
  return inspectLock(`${dir}/${name}`).state === "stale";
}
