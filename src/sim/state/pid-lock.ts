// Lock files owned by a live process: created with O_EXCL holding "pid start-time". A second taker sees the holder;
// a lock whose holder is gone (crashed, SIGKILLed, pid reused) is removed and taken. This is how a simulated group is
// held by one process at a time, as /dev/vfio/N is on Linux.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { isAlive, selfIdentity, type ProcessIdentity } from "./process-identity.ts";

/** Read a lock's holder, or undefined when the lock does not exist or is unreadable. */
export function lockHolder(path: string): ProcessIdentity | undefined {
  try {
    const [pid, start] = readFileSync(path, "utf8").trim().split(" ");
    const n = Number(pid);
    return Number.isInteger(n) && start ? { pid: n, start } : undefined;
  } catch {
    return undefined;
  }
}

/** The live holder of `path`; removes the lock when its holder is dead. */
export function liveHolder(path: string): ProcessIdentity | undefined {
  const h = lockHolder(path);
  if (h && isAlive(h)) return h;
  if (h) rmSync(path, { force: true });
  return undefined;
}

/**
 * Try to take the lock. Returns undefined on success, or the live holder when someone else has it. A lock file that
 * exists but cannot be parsed (being written) is treated as held.
 */
export function tryLock(path: string): ProcessIdentity | undefined {
  const me = selfIdentity();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      try {
        writeSync(fd, `${me.pid} ${me.start}\n`);
      } finally {
        closeSync(fd);
      }
      return undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const h = lockHolder(path);
    if (h && isAlive(h)) return h;
    if (h) rmSync(path, { force: true }); // stale: its holder is gone
    else Bun.sleepSync(1); // half-written by another taker: look again
  }
  return lockHolder(path) ?? { pid: 0, start: "?" };
}

export function unlock(path: string): void {
  rmSync(path, { force: true });
}

/** Run `fn` holding the lock, waiting for it up to `timeoutMs`. */
export function withLock<T>(path: string, fn: () => T, timeoutMs = 10_000): T {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (tryLock(path) === undefined) break;
    if (performance.now() > deadline) throw new Error(`simulated board: lock ${path} held too long`);
    Bun.sleepSync(1);
  }
  try {
    return fn();
  } finally {
    unlock(path);
  }
}
