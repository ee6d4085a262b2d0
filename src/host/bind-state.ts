// Where `bind` remembers what a device was bound to before, so `unbind` (or a rollback) can put it back. One small
// JSON file per device in the tool's state directory, as the kernel selftests' setup/cleanup scripts keep theirs.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStateFile } from "./state-file.ts";
import type { Bus } from "./sysfs.ts";

export interface SavedBinding {
  bus: Bus;
  name: string;
  /** The driver the device had before bind, undefined when it had none. */
  driver?: string;
  /** Its driver_override before bind, undefined when unset. */
  override?: string;
  /** The VFIO driver it was bound to. */
  vfioDriver: string;
  /** ISO time of the bind. */
  time: string;
  /** The process that bound it, named to a second binder ("already bound (by pid N)"). */
  pid?: number;
}

function fileOf(stateDir: string, bus: Bus, name: string): string {
  return join(stateDir, "bindings", `${bus}-${name}.json`);
}

/** Save (atomically) the original binding of a device. */
export function saveBinding(stateDir: string, s: SavedBinding): void {
  const f = fileOf(stateDir, s.bus, s.name);
  mkdirSync(join(stateDir, "bindings"), { recursive: true, mode: 0o700 });
  // A temporary name of this process's own: two binders must not write into one temporary file.
  const tmp = `${f}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, f);
}

/** The saved original binding, or undefined when `bind` did not record one (or the record is unreadable). */
export function loadBinding(stateDir: string, bus: Bus, name: string): SavedBinding | undefined {
  try {
    const r = readStateFile(fileOf(stateDir, bus, name), 64 * 1024);
    if (r.kind !== "text") return undefined;
    const s = JSON.parse(r.text) as Partial<SavedBinding> | null;
    return s && typeof s === "object" && typeof s.vfioDriver === "string" ? (s as SavedBinding) : undefined;
  } catch {
    return undefined;
  }
}

export function forgetBinding(stateDir: string, bus: Bus, name: string): void {
  rmSync(fileOf(stateDir, bus, name), { force: true });
}
