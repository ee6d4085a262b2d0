// Rolling back a batch (several devices bound or unbound as one transaction): each member the batch moved goes back
// to its driver, override and bind's saved record from before the batch. Used by the batch itself when a member fails
// or a signal stops it, and by the next bind, unbind or doctor of any member when the batch's process died (SIGKILL).
// The rule, as for one device: a batch is all or nothing, and only removing its journal commits it.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { readJournal, removeJournal } from "./bind-journal.ts";
import { forgetBinding, saveBinding } from "./bind-state.ts";
import { beginTransaction, recoverTransaction, restore, type Transaction } from "./bind-transaction.ts";
import { batchOwnerAlive, listBatches, removeBatch, takeOverBatch, type BatchJournal, type BatchMember } from "./batch-journal.ts";
import { describeDevice, type HostDevice } from "./discovery.ts";
import { VFIO_DRIVER_OF_BUS, VFIO_DRIVERS, type Bus } from "./sysfs.ts";

/** A batch whose process died, rolled back (or dropped, when its journal was unreadable). */
export interface BatchRecovery {
  op?: "bind" | "unbind";
  pid?: number;
  /** Every member put back, with its driver now. */
  members: { name: string; driver?: string }[];
  /** Why the journal could not be read (it is dropped: nothing in it says where the members were). */
  damaged?: string;
}

/** True when the member must be put back: the batch may have moved it. */
export function touched(m: BatchMember): boolean {
  return m.state === "started" || m.state === "done";
}

/**
 * Put `now` back where member `m` was before the batch, through the held transaction `tx` (its journal records each
 * write), and give it back bind's saved record. @throws SyscallError (a sysfs write refused)
 */
export function putBackHeld(tx: Transaction, now: HostDevice, m: BatchMember): void {
  restore(tx, now, m.before);
  if (m.saved) saveBinding(tx.stateDir, m.saved);
  else forgetBinding(tx.stateDir, m.bus, m.name);
}

/**
 * Give every node the batch handed over its owner and mode from before, last first (a node gone with its group is
 * skipped). False when one could not be put back.
 */
export function restoreNodes(b: KernelBoundary, j: BatchJournal): boolean {
  let clean = true;
  for (const n of [...(j.nodes ?? [])].reverse()) {
    try {
      if (!b.fs.exists(n.path)) continue;
      b.fs.chown(n.path, n.uid, n.gid);
      b.fs.chmod(n.path, n.mode);
    } catch {
      clean = false;
    }
  }
  return clean;
}

/** Put member `m` of a dead batch back, under a transaction of its own. Undefined when the device is gone. */
function putBack(b: KernelBoundary, stateDir: string, op: BatchJournal["op"], m: BatchMember): HostDevice | undefined {
  let dev: HostDevice;
  try {
    dev = describeDevice(b, m.bus, m.name);
  } catch {
    return undefined;
  }
  // The device's own journal says the way back, so that a put-back killed in turn is finished or undone like any bind.
  const vfioOf = (d: HostDevice) => (d.driver !== undefined && VFIO_DRIVERS.has(d.driver) ? d.driver : VFIO_DRIVER_OF_BUS[m.bus as Bus]);
  const begun = beginTransaction(b, dev, stateDir, op === "bind" ? "unbind" : "bind", (now) =>
    op === "bind"
      ? { original: m.before, vfioDriver: vfioOf(now) }
      : {
          original: { ...(now.driver !== undefined ? { driver: now.driver } : {}), ...(now.override !== undefined ? { override: now.override } : {}) },
          vfioDriver: m.before.driver ?? VFIO_DRIVER_OF_BUS[m.bus as Bus],
        },
  );
  putBackHeld(begun.tx, begun.dev, m);
  // Only once it is settled: a failure above leaves its journal for the next attempt.
  removeJournal(stateDir, begun.tx.journal);
  return describeDevice(b, m.bus, m.name);
}

/**
 * Roll back every batch whose process died (and, with `of`, that has one of these devices among its members). A batch
 * in progress in a live process is left alone: its members' own locks make the caller wait for it. With no `of`
 * (doctor), an unreadable batch journal is dropped and reported.
 * @throws SyscallError (a put-back refused: the batch journal stays for the next attempt)
 */
export function recoverStaleBatches(b: KernelBoundary, stateDir: string, of?: readonly { bus: Bus; name: string }[]): BatchRecovery[] {
  const out: BatchRecovery[] = [];
  for (const found of listBatches(stateDir)) {
    if (!("journal" in found)) {
      if (of === undefined) {
        removeBatch(stateDir, found.nonce);
        out.push({ members: [], damaged: found.damaged });
      }
      continue;
    }
    const seen = found.journal;
    if (seen.pid !== process.pid && batchOwnerAlive(seen)) continue;
    if (of !== undefined && !seen.members.some((m) => of.some((d) => d.bus === m.bus && d.name === m.name))) continue;
    const mine = takeOverBatch(stateDir, seen);
    if (!mine) continue; // another process is on it
    const members: BatchRecovery["members"] = [];
    restoreNodes(b, mine);
    // Sorted, as a batch takes its locks: two recoveries and a batch never wait on each other in a circle.
    for (const m of [...mine.members].filter(touched).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
      const after = putBack(b, stateDir, mine.op, m);
      if (after) members.push({ name: m.name, ...(after.driver !== undefined ? { driver: after.driver } : {}) });
    }
    // The members it had locked but not reached: their journals (step 0, nothing moved) die with it.
    for (const m of mine.members.filter((x) => !touched(x))) {
      const j = readJournal(stateDir, m.bus, m.name);
      if (j === undefined || "damaged" in j || j.pid !== seen.pid || j.start !== seen.start) continue;
      try {
        recoverTransaction(b, describeDevice(b, m.bus, m.name), stateDir, j);
      } catch {
        // the device is gone: its journal is doctor's to drop
      }
    }
    removeBatch(stateDir, mine.nonce);
    out.push({ op: seen.op, pid: seen.pid, members });
  }
  return out;
}
