// What is wrong with a simulated board's state directory, found without changing anything (for `doctor`): damaged
// state files (devices' saved registers included: each model is restored once and dropped), and lock files that are
// stale (holder gone, pid reused) or unreadable. Facts only; the CLI words them and names the fix.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { inspectLock, staleOf, type StaleLock } from "./pid-lock.ts";
import { DeviceRuntime } from "../kernel/device-runtime.ts";
import { savedRegistersDamaged, StateDamagedError } from "./state-errors.ts";
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
    if (store.verify()) checkSavedRegisters(store);
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

/** A clock for a model that is only restored and dropped: it never runs. */
const STILL = { nowMs: () => 0 };

/**
 * Restore every device model that has saved registers, as opening the device would, and drop it: a model checks its
 * own saved state. @throws StateDamagedError for the first one that refuses its registers.
 */
function checkSavedRegisters(store: StateStore): void {
  const s = store.read();
  for (const spec of s.board.devices) {
    const saved = s.models[spec.name];
    if (saved === undefined) continue;
    try {
      new DeviceRuntime(spec, structuredClone(saved), STILL, () => {});
    } catch (e) {
      if (e instanceof TypeError) throw savedRegistersDamaged(store.file, store.dir, spec.name, e);
      throw e;
    }
  }
}
