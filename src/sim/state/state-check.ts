// What is wrong with a simulated board's state directory, found without changing anything (for `doctor`): damaged
// state files (devices' saved registers included: each model is restored once and dropped), and lock files that are
// stale (holder gone, pid reused) or unreadable, and users' device models that cannot be loaded or refuse their saved
// state. Facts only; the CLI words them and names the fix.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { inspectLock, staleOf, type StaleLock } from "./pid-lock.ts";
import { DeviceRuntime } from "../kernel/device-runtime.ts";
import { unloadableUserModels } from "../devices/user-model-check.ts";
import { UserModelError } from "../devices/user-model-errors.ts";
import { savedRegistersDamaged, StateDamagedError } from "./state-errors.ts";
import { StateStore } from "./state-store.ts";

export type StateIssue =
  | { kind: "damaged"; error: StateDamagedError }
  | { kind: "stale-lock"; lock: StaleLock }
  /** A user's device model cannot be loaded, or refuses its saved state: its device cannot be opened. */
  | { kind: "user-model"; error: UserModelError };

/**
 * The issues of the state directory `dir`: board.json first (then the users' models it names), then board.lock, then
 * locks/ in name order.
 */
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
    if (store.verify()) issues.push(...checkModels(store));
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
 * The users' models that cannot be loaded; then restore every device model that has saved registers (but those), as
 * opening the device would, and drop it: a model checks its own saved state. A user's model that refuses its state is
 * an issue of that model.
 * @throws StateDamagedError for the first built-in model that refuses its registers
 */
function checkModels(store: StateStore): StateIssue[] {
  const s = store.read();
  const unloadable = unloadableUserModels(s.board);
  const issues: StateIssue[] = unloadable.map((error) => ({ kind: "user-model", error }));
  for (const spec of s.board.devices) {
    const saved = s.models[spec.name];
    if (saved === undefined || unloadable.some((u) => u.device === spec.name)) continue;
    try {
      new DeviceRuntime(spec, structuredClone(saved), STILL, () => {});
    } catch (e) {
      if (e instanceof TypeError) throw savedRegistersDamaged(store.file, store.dir, spec.name, e);
      if (e instanceof UserModelError) issues.push({ kind: "user-model", error: e });
      else throw e;
    }
  }
  return issues;
}
