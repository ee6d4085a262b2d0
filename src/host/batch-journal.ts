// The journal of a bind or unbind of several devices as one transaction: every member, where it was before (driver,
// override, bind's saved record) and how far the batch got with it. Written whole (renamed into place) once the
// members' own locks are held and before the first of them is touched, so a SIGKILL at any point leaves a record from
// which the next bind, unbind or doctor of any member rolls the whole batch back (batch-recovery.ts).
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hasOwnerHeader } from "./bind-journal.ts";
import { isAlive, selfIdentity } from "./process-identity.ts";
import { readStateFile } from "./state-file.ts";
import type { SavedBinding } from "./bind-state.ts";
import type { Bus } from "./sysfs.ts";

/** One device of a batch. */
export interface BatchMember {
  bus: Bus;
  name: string;
  /** Its driver and override before the batch (undefined: none): a rollback puts them back. */
  before: { driver?: string; override?: string };
  /** bind's saved record of its original binding before the batch (undefined: none), restored by a rollback. */
  saved?: SavedBinding;
  /**
   * "pending": not reached yet; "started": its own transaction is under way (it may have moved); "done": moved by
   * this batch; "already": where the batch takes it before it began (left alone by a rollback).
   */
  state: "pending" | "started" | "done" | "already";
}

export interface BatchJournal {
  op: "bind" | "unbind";
  /** The owner, as in a device's journal: pid and start time, so a reused pid is not taken for it. */
  pid: number;
  start: string;
  nonce: string;
  members: BatchMember[];
  /**
   * Group nodes handed over (to the owner asked for) once every member is bound, each with its owner and mode from before:
   * written before the chown, so a rollback (or the recovery of a killed batch) gives them back.
   */
  nodes?: NodeBefore[];
  time: string;
}

/** A node's owner and permission bits before a batch handed it over. */
export interface NodeBefore {
  path: string;
  uid: number;
  gid: number;
  mode: number;
}

const BATCH_MAX = 256 * 1024;

function dirOf(stateDir: string): string {
  return join(stateDir, "batches");
}

function fileOf(stateDir: string, nonce: string): string {
  return join(dirOf(stateDir), `${nonce}.batch`);
}

let serial = 0;

/** A new journal for `members`, owned by this process (not yet written). */
export function newBatch(op: BatchJournal["op"], members: BatchMember[]): BatchJournal {
  const me = selfIdentity();
  return { op, ...me, nonce: `${me.pid}-${Date.now()}-${++serial}`, members, time: new Date().toISOString() };
}

/** Write (or replace) the journal whole: a temporary file renamed into place, never half-written. */
export function writeBatch(stateDir: string, j: BatchJournal): void {
  mkdirSync(dirOf(stateDir), { recursive: true, mode: 0o700 });
  const tmp = join(dirOf(stateDir), `.${j.nonce}.${process.pid}.${++serial}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(j)}\n`, { mode: 0o600 });
  renameSync(tmp, fileOf(stateDir, j.nonce));
}

/** The batch is over: removing its journal is the commit point (or the end of its rollback). */
export function removeBatch(stateDir: string, nonce: string): void {
  rmSync(fileOf(stateDir, nonce), { force: true });
}

function isBatch(v: unknown): v is BatchJournal {
  const j = v as Partial<BatchJournal> | null;
  return (
    hasOwnerHeader(v) &&
    Array.isArray(j!.members) &&
    j!.members.every((m) => typeof m === "object" && m !== null && typeof m.name === "string" && typeof m.bus === "string" && typeof m.before === "object")
  );
}

/** A batch journal found on disk: readable (`journal`) or damaged (`reason`), by its file's nonce. */
export type FoundBatch = { nonce: string; journal: BatchJournal } | { nonce: string; damaged: string };

/** Every batch journal in the state directory. */
export function listBatches(stateDir: string): FoundBatch[] {
  let entries: string[];
  try {
    entries = readdirSync(dirOf(stateDir));
  } catch {
    return [];
  }
  const out: FoundBatch[] = [];
  for (const e of entries) {
    const m = /^([^.]+)\.batch$/.exec(e);
    if (!m) continue;
    const found = readBatch(stateDir, m[1]!);
    if (found) out.push(found);
  }
  return out;
}

/** The batch journal `nonce`, undefined when it is gone. */
export function readBatch(stateDir: string, nonce: string): FoundBatch | undefined {
  let text: string;
  try {
    const r = readStateFile(fileOf(stateDir, nonce), BATCH_MAX);
    if (r.kind !== "text") return { nonce, damaged: r.kind === "too-big" ? "too big for a batch journal" : "not a file" };
    text = r.text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return { nonce, damaged: (e as NodeJS.ErrnoException).code ?? "unreadable" };
  }
  try {
    const j: unknown = JSON.parse(text);
    return isBatch(j) && j.nonce === nonce ? { nonce, journal: j } : { nonce, damaged: "not a batch journal" };
  } catch {
    return { nonce, damaged: text.trim() === "" ? "empty" : "not JSON" };
  }
}

/** True while the process that wrote `j` runs. */
export function batchOwnerAlive(j: BatchJournal): boolean {
  return isAlive(j);
}

/**
 * Make this process the owner of the stale batch `seen` (its owner gone), under a guard file so that two recoverers
 * cannot both take it. Returns the journal now ours, or undefined when another process took it or it is gone.
 * @throws node:fs errors other than ENOENT/EEXIST
 */
export function takeOverBatch(stateDir: string, seen: BatchJournal): BatchJournal | undefined {
  const guard = `${fileOf(stateDir, seen.nonce)}.takeover`;
  const me = selfIdentity();
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(guard, `${me.pid} ${me.start}\n`, { flag: "wx", mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) return undefined;
    }
    // A guard left by a recoverer that was killed in turn is removed; a live one's is respected.
    try {
      const r = readStateFile(guard, 64);
      const m = r.kind === "text" ? /^(\d+) (\d+)\n$/.exec(r.text) : null;
      if (!m || isAlive({ pid: Number(m[1]), start: m[2]! })) return undefined;
    } catch {
      // gone meanwhile: try again
    }
    rmSync(guard, { force: true });
  }
  try {
    const now = readBatch(stateDir, seen.nonce);
    if (!now || !("journal" in now) || now.journal.pid !== seen.pid || now.journal.start !== seen.start) return undefined;
    const mine: BatchJournal = { ...now.journal, ...me, time: new Date().toISOString() };
    writeBatch(stateDir, mine);
    return mine;
  } finally {
    rmSync(guard, { force: true });
  }
}
