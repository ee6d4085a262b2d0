// What is wrong with a simulated board's state directory, found without changing anything (for `doctor`): damaged
// state files, and lock files that are stale (holder gone, pid reused) or unreadable. Facts only; the CLI words them
// and names the fix.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { inspectLock, staleOf, type StaleLock } from "./pid-lock.ts";
import { StateDamagedError } from "./state-errors.ts";
import { StateStore } from "./state-store.ts";

export type StateIssue = { kind: "damaged"; error: StateDamagedError } | { kind: "stale-lock"; lock: StaleLock };

/** The issues of the state directory `dir`, board.json first, then board.lock, then locks/ in name order. */
export function inspectState(dir: string): StateIssue[] {
  let store: StateStore;
  try {
    store = new StateStore(dir);
  } catch (e) {
    if (e instanceof StateDamagedError) return [{ kind: "damaged", error: e }];
    throw e;
  }
  const issues: StateIssue[] = [];
  try {
    store.verify();
  } catch (e) {
    if (!(e instanceof StateDamagedError)) throw e;
    issues.push({ kind: "damaged", error: e });
  }
  const locks = readdirSync(store.locksDir).filter((n) => n.endsWith(".lock")).sort();
  for (const path of [store.mutex, ...locks.map((n) => join(store.locksDir, n))]) {
    const s = inspectLock(path);
    if (s.state === "stale") issues.push({ kind: "stale-lock", lock: staleOf(path, s) });
  }
  return issues;
}
