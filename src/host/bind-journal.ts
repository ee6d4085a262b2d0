// The journal of a bind or unbind in flight: the device's original driver and override, the VFIO driver and the step
// reached, written whole (a temporary file linked into place) before the first sysfs write, so a SIGKILL at any step
// leaves a record from which the next bind, unbind or doctor finishes or undoes the transaction. Creating it is also
// the per-device lock: link(2) fails when it exists, so a second vfio-plat waits for a live owner or takes over a dead one's.
import { linkSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Bus } from "./sysfs.ts";
import { isAlive, selfIdentity } from "./process-identity.ts";
import { readStateFile } from "./state-file.ts";

/** Largest journal read (one is a few hundred bytes): anything larger is damage. */
const JOURNAL_MAX = 64 * 1024;

export interface BindJournal {
  op: "bind" | "unbind";
  bus: Bus;
  name: string;
  /** The owner: pid and start time (field 22 of /proc/<pid>/stat), so a reused pid is not taken for the owner. */
  pid: number;
  start: string;
  /** Unique per journal: a take-over checks it took the journal it judged stale, not a newer one. */
  nonce: string;
  /** The device's driver and override before the transaction (undefined: none); a rollback puts them back. */
  original: { driver?: string; override?: string };
  /** The VFIO driver bound (bind) or left (unbind). */
  vfioDriver: string;
  /** unbind with no saved original: clear the override and let the kernel match the native driver. */
  probeAny?: boolean;
  /** The sysfs write in progress, 1-based (0: none started) and what it is. */
  step: number;
  action?: string;
  time: string;
}

/** A journal that exists but cannot be read (damaged disk, hand edits): its owner is unknown, so it is stale. */
export interface DamagedJournal {
  damaged: true;
  bus: Bus;
  name: string;
  nonce?: undefined;
  reason: string;
}

function dirOf(stateDir: string): string {
  return join(stateDir, "bindings");
}

function fileOf(stateDir: string, bus: Bus, name: string): string {
  return join(dirOf(stateDir), `${bus}-${name}.journal`);
}

/** The identity this process writes into its journals. */
export function selfOwner(): { pid: number; start: string } {
  return selfIdentity();
}

/** True while the process that wrote `j` runs. */
export function ownerAlive(j: BindJournal): boolean {
  return isAlive(j);
}

/** The fields every journal (a device's or a batch's) starts with: the operation, its owner and its nonce. */
export function hasOwnerHeader(v: unknown): v is { op: "bind" | "unbind"; pid: number; start: string; nonce: string } {
  const j = v as { op?: unknown; pid?: unknown; start?: unknown; nonce?: unknown } | null;
  return (
    typeof j === "object" &&
    j !== null &&
    (j.op === "bind" || j.op === "unbind") &&
    typeof j.pid === "number" &&
    typeof j.start === "string" &&
    typeof j.nonce === "string"
  );
}

function isJournal(v: unknown): v is BindJournal {
  const j = v as Partial<BindJournal> | null;
  return (
    hasOwnerHeader(v) &&
    typeof j!.vfioDriver === "string" &&
    typeof j!.original === "object" &&
    j!.original !== null
  );
}

/** The device's journal; undefined when there is none. */
export function readJournal(stateDir: string, bus: Bus, name: string): BindJournal | DamagedJournal | undefined {
  let text: string;
  try {
    const r = readStateFile(fileOf(stateDir, bus, name), JOURNAL_MAX);
    if (r.kind !== "text") return { damaged: true, bus, name, reason: r.kind === "too-big" ? "too big for a journal" : "not a file" };
    text = r.text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return { damaged: true, bus, name, reason: (e as NodeJS.ErrnoException).code ?? "unreadable" };
  }
  try {
    const j: unknown = JSON.parse(text);
    if (isJournal(j)) return j;
    return { damaged: true, bus, name, reason: text.trim() === "" ? "empty" : "not a bind journal" };
  } catch {
    return { damaged: true, bus, name, reason: text.trim() === "" ? "empty" : "not JSON" };
  }
}

/** The device's journal when another live process owns it (its transaction is in progress), else undefined. */
export function transactionInProgress(stateDir: string, bus: Bus, name: string): BindJournal | undefined {
  const j = readJournal(stateDir, bus, name);
  return j !== undefined && !("damaged" in j) && j.pid !== process.pid && ownerAlive(j) ? j : undefined;
}

/** Every journal in the state directory (for doctor). */
export function listJournals(stateDir: string): { bus: Bus; name: string }[] {
  let entries: string[];
  try {
    entries = readdirSync(dirOf(stateDir));
  } catch {
    return [];
  }
  const out: { bus: Bus; name: string }[] = [];
  for (const e of entries) {
    const m = /^(platform|amba|pci)-(.+)\.journal$/.exec(e);
    if (m) out.push({ bus: m[1] as Bus, name: m[2]! });
  }
  return out;
}

let tmpSerial = 0;
function writeTemp(stateDir: string, j: BindJournal): string {
  mkdirSync(dirOf(stateDir), { recursive: true, mode: 0o700 });
  const tmp = join(dirOf(stateDir), `.${j.bus}-${j.name}.${process.pid}.${++tmpSerial}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(j)}\n`, { mode: 0o600 });
  return tmp;
}

/**
 * Create the journal if the device has none. Returns undefined when created (the caller owns the device's
 * transaction), else the journal that is in the way (damaged or not). @throws node:fs errors other than EEXIST
 */
export function createJournal(stateDir: string, j: BindJournal): BindJournal | DamagedJournal | undefined {
  const tmp = writeTemp(stateDir, j);
  try {
    for (;;) {
      try {
        linkSync(tmp, fileOf(stateDir, j.bus, j.name));
        return undefined;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const there = readJournal(stateDir, j.bus, j.name);
      if (there !== undefined) return there;
      // Removed between our link and our read: try again.
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Record the step about to be taken (owner only): replaced whole, never half-written. */
export function advanceJournal(stateDir: string, j: BindJournal): void {
  renameSync(writeTemp(stateDir, j), fileOf(stateDir, j.bus, j.name));
}

/** The transaction is over (owner only). */
export function removeJournal(stateDir: string, j: { bus: Bus; name: string }): void {
  rmSync(fileOf(stateDir, j.bus, j.name), { force: true });
}

/**
 * Take over a stale journal `seen` (owner gone or journal damaged) by putting `mine` (this process's journal for the
 * recovery) in its place, under a guard file so that two takers cannot both win and a journal that is no longer the
 * one judged stale (a faster process recovered it and started its own) is left alone. Returns false when another
 * process got there first. A recovery killed in turn leaves `mine`, stale, for the next; a guard it leaves is removed
 * by the next taker once its owner is gone.
 * @throws node:fs errors other than ENOENT/EEXIST
 */
export function takeOverJournal(stateDir: string, seen: BindJournal | DamagedJournal, mine: BindJournal): boolean {
  const file = fileOf(stateDir, seen.bus, seen.name);
  // One taker at a time, under a guard file: the journal is looked at again and removed only while it is still the
  // one found stale, so a live owner's journal is never moved, not even for a moment.
  const guard = `${file}.takeover`;
  if (!takeGuard(guard)) return false;
  try {
    const now = readJournal(stateDir, seen.bus, seen.name);
    const same =
      now !== undefined && ("damaged" in seen ? "damaged" in now || !ownerAlive(now) : !("damaged" in now) && now.nonce === seen.nonce);
    if (!same) return false;
    rmSync(file, { force: true });
    return createJournal(stateDir, mine) === undefined;
  } finally {
    rmSync(guard, { force: true });
  }
}

/** Create the takeover guard (its owner written in it); a guard whose owner is gone is removed first. */
function takeGuard(guard: string): boolean {
  const me = selfIdentity();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(guard, `${me.pid} ${me.start}\n`, { flag: "wx", mode: 0o600 });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let owner: { pid: number; start: string } | undefined;
    try {
      const r = readStateFile(guard, 64);
      const m = r.kind === "text" ? /^(\d+) (\d+)\n$/.exec(r.text) : null;
      owner = m ? { pid: Number(m[1]), start: m[2]! } : undefined;
    } catch {
      continue; // gone meanwhile: try again
    }
    // A guard still being written (empty for an instant) or held by a live taker: let that taker finish.
    if (owner === undefined || isAlive(owner)) return false;
    rmSync(guard, { force: true }); // its taker was killed mid-takeover
  }
  return false;
}
