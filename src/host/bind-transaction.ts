// The transaction under `bind` and `unbind`: every sysfs write is recorded in the device's journal (bind-journal.ts)
// before it is made, the original binding is saved first, and a transaction whose process died is finished or undone
// (recoverTransaction) by the next bind, unbind or doctor. bind.ts decides what to write; this file makes it safe.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { isSyscallError } from "../boundary/syscall-error.ts";
import { BusyError } from "../vfio/errors.ts";
import {
  advanceJournal,
  createJournal,
  ownerAlive,
  removeJournal,
  selfOwner,
  takeOverJournal,
  type BindJournal,
  type DamagedJournal,
} from "./bind-journal.ts";
import { forgetBinding, loadBinding, saveBinding } from "./bind-state.ts";
import { describeDevice, type HostDevice } from "./discovery.ts";
import { VFIO_DRIVER_OF_BUS, VFIO_DRIVERS, boundDriver, driverOverride, type Bus } from "./sysfs.ts";

/** Told that a transaction of process `pid` on the device is in progress, so this one waits for it. */
export type OnWait = (pid: number, op: "bind" | "unbind") => void;

/** What became of a transaction whose process died (SIGKILL, power cut) before it ended. */
export interface Recovery {
  /** The interrupted operation; undefined when its journal was unreadable. */
  op?: "bind" | "unbind";
  /** Its process, when the journal said. */
  pid?: number;
  /** The sysfs write it had started (1-based; 0: none). */
  step?: number;
  /** Why the journal could not be read, for a damaged one. */
  damaged?: string;
  /** "completed": the device is where the transaction was taking it; "rolled back": where it was before. */
  outcome: "completed" | "rolled back";
  /** The device's driver now. */
  driver?: string;
}

/** How long a second bind/unbind of the same device waits for the first before answering busy, by default. */
export const TRANSACTION_WAIT_MS = 30_000;

/** A transaction in progress on one device: every sysfs write is recorded in its journal before it is made. */
export interface Transaction {
  b: KernelBoundary;
  stateDir: string;
  journal: BindJournal;
}

/** Record the step, then write the attribute. @throws SyscallError */
export function step(tx: Transaction, path: string, value: string): void {
  tx.journal.step++;
  tx.journal.action = `write ${JSON.stringify(value.trim())} to ${path}`;
  advanceJournal(tx.stateDir, tx.journal);
  tx.b.fs.writeFile(path, value);
}

/**
 * Put the device on `driver` (or leave it driverless when undefined) with the given override; with `probeAny` and no
 * driver, let the kernel match whatever driver fits once the override is cleared. Probe failures are silent.
 * @throws SyscallError (an unbind or override write refused)
 */
export function restore(
  tx: Transaction,
  dev: HostDevice,
  to: { driver?: string; override?: string; probeAny?: boolean },
): void {
  const b = tx.b;
  const dir = dev.sysfsPath;
  const current = boundDriver(b, dir);
  // With probeAny only a VFIO driver goes: any other is what the kernel would match anyway.
  if (current !== undefined && (to.probeAny ? VFIO_DRIVERS.has(current) : current !== to.driver)) step(tx, `${dir}/driver/unbind`, dev.name);
  if (driverOverride(b, dir) !== to.override) step(tx, `${dir}/driver_override`, to.override ?? "\n");
  const now = boundDriver(b, dir);
  if (to.probeAny ? now === undefined : to.driver !== undefined && now !== to.driver) {
    try {
      step(tx, `/sys/bus/${dev.bus}/drivers_probe`, dev.name);
    } catch (e) {
      if (!isSyscallError(e)) throw e;
    }
  }
}

/**
 * Finish or undo the transaction of a dead process (or of an unreadable journal) on `dev`, once `seen` is taken over.
 * A bind that reached the VFIO driver is completed (the binding is saved for unbind); one that did not is rolled back
 * to the original driver and override. An unbind that had not yet detached the device is rolled back (nothing had
 * changed); one that had is completed (original driver restored). One that had not started a sysfs write is dropped.
 * Undefined when another process took it first.
 * @throws SyscallError (a sysfs write refused; the journal stays for the next attempt)
 */
export function recoverTransaction(
  b: KernelBoundary,
  dev: HostDevice,
  stateDir: string,
  seen: BindJournal | DamagedJournal,
): Recovery | undefined {
  const dir = dev.sysfsPath;
  const now = boundDriver(b, dir);
  const override = driverOverride(b, dir);
  const saved = loadBinding(stateDir, dev.bus, dev.name);
  const damaged = "damaged" in seen;
  // An unreadable journal: keep a VFIO binding; undo a stray VFIO override with what bind saved.
  const j: Pick<BindJournal, "op" | "original" | "vfioDriver" | "probeAny"> = damaged
    ? {
        op: now !== undefined && VFIO_DRIVERS.has(now) ? "bind" : "unbind",
        original: saved ? { ...(saved.driver ? { driver: saved.driver } : {}), ...(saved.override ? { override: saved.override } : {}) } : {},
        vfioDriver: now ?? saved?.vfioDriver ?? VFIO_DRIVER_OF_BUS[dev.bus],
        ...(saved ? {} : { probeAny: true }),
      }
    : seen;
  const mine: BindJournal = {
    op: j.op,
    bus: dev.bus,
    name: dev.name,
    ...selfOwner(),
    nonce: newNonce(),
    original: j.original,
    vfioDriver: j.vfioDriver,
    ...(j.probeAny ? { probeAny: true } : {}),
    // Carried over (an unreadable one counts as started): if this recovery dies in turn, the next one must not take
    // it for a transaction that changed nothing.
    step: damaged ? 1 : seen.step,
    action: "recovery",
    time: new Date().toISOString(),
  };
  if (!takeOverJournal(stateDir, seen, mine)) return undefined;
  const tx: Transaction = { b, stateDir, journal: mine };
  const strayOverride = override !== undefined && VFIO_DRIVERS.has(override);
  let outcome: Recovery["outcome"];
  if (!damaged && seen.step === 0) {
    // No sysfs write had started: nothing to undo (its plan may even predate the device's current state).
    outcome = j.op === "bind" && now === j.vfioDriver ? "completed" : "rolled back";
    if (j.op === "bind" && now !== j.vfioDriver && !(now !== undefined && VFIO_DRIVERS.has(now))) forgetBinding(stateDir, dev.bus, dev.name);
  } else if (j.op === "bind" && now === j.vfioDriver) {
    outcome = "completed";
    // The original is known only from a readable journal.
    if (!saved && !damaged) saveOriginal(stateDir, dev, j.original, j.vfioDriver, (seen as BindJournal).pid);
  } else if (j.op === "bind") {
    outcome = "rolled back";
    if (!damaged || strayOverride) restore(tx, dev, j.original);
    forgetBinding(stateDir, dev.bus, dev.name);
  } else if (now === j.vfioDriver) {
    outcome = "rolled back"; // the unbind had not detached it: nothing changed
  } else {
    outcome = "completed";
    if (!damaged || strayOverride) restore(tx, dev, { ...j.original, ...(j.probeAny ? { probeAny: true } : {}) });
    forgetBinding(stateDir, dev.bus, dev.name);
  }
  // Only once the device is settled: a failure above leaves this journal, stale after we exit, for the next attempt.
  removeJournal(stateDir, mine);
  const after = boundDriver(b, dir);
  return {
    outcome,
    ...(damaged ? { damaged: seen.reason } : { op: seen.op, pid: seen.pid, step: seen.step }),
    ...(after !== undefined ? { driver: after } : {}),
  };
}

let nonceSerial = 0;
function newNonce(): string {
  return `${process.pid}-${Date.now()}-${++nonceSerial}-${Math.random().toString(36).slice(2)}`;
}

export function saveOriginal(stateDir: string, dev: { bus: Bus; name: string }, original: { driver?: string; override?: string }, vfioDriver: string, pid: number): void {
  saveBinding(stateDir, {
    bus: dev.bus,
    name: dev.name,
    ...(original.driver !== undefined ? { driver: original.driver } : {}),
    ...(original.override !== undefined ? { override: original.override } : {}),
    vfioDriver,
    time: new Date().toISOString(),
    pid,
  });
}

/**
 * Become the one process with a transaction on `dev`: create its journal (planned from the device as it is now), after
 * waiting for a live owner's transaction to end and recovering a dead owner's. Returns the device as it is once the
 * journal is ours. @throws BusyError (another process's transaction did not end in time), SyscallError (recovery)
 */
export function beginTransaction(
  b: KernelBoundary,
  dev: HostDevice,
  stateDir: string,
  op: BindJournal["op"],
  plan: (now: HostDevice) => Pick<BindJournal, "original" | "vfioDriver" | "probeAny">,
  onWait?: OnWait,
  waitMs = TRANSACTION_WAIT_MS,
): { tx: Transaction; dev: HostDevice; recovered?: Recovery; waitedFor?: number } {
  const deadline = performance.now() + waitMs;
  let recovered: Recovery | undefined;
  let waitedFor: number | undefined;
  for (;;) {
    const now = describeDevice(b, dev.bus, dev.name);
    const p = plan(now);
    const journal: BindJournal = {
      op,
      bus: dev.bus,
      name: dev.name,
      ...selfOwner(),
      nonce: newNonce(),
      original: p.original,
      vfioDriver: p.vfioDriver,
      ...(p.probeAny ? { probeAny: true } : {}),
      step: 0,
      time: new Date().toISOString(),
    };
    const there = createJournal(stateDir, journal);
    if (there === undefined) {
      // The device was read before the journal was ours: a transaction that just ended may have moved it. Plan again
      // from what it is now (a journal at step 0 changes nothing when recovered, so the stale plan was harmless).
      const held = describeDevice(b, dev.bus, dev.name);
      if (held.driver !== now.driver || held.override !== now.override) {
        const again = plan(held);
        journal.original = again.original;
        journal.vfioDriver = again.vfioDriver;
        if (again.probeAny) journal.probeAny = true;
        else delete journal.probeAny;
        advanceJournal(stateDir, journal);
      }
      return { tx: { b, stateDir, journal }, dev: held, ...(recovered ? { recovered } : {}), ...(waitedFor !== undefined ? { waitedFor } : {}) };
    }
    // Our own journal is never in progress here (transactions are synchronous): it is one a failed recovery left.
    if (!("damaged" in there) && ownerAlive(there) && there.pid !== process.pid) {
      if (performance.now() >= deadline) {
        throw new BusyError(`${there.op} of ${dev.name} is in progress in process ${there.pid}`, `wait for it to end, or stop it (kill ${there.pid})`, there.pid);
      }
      if (waitedFor !== there.pid) onWait?.(there.pid, there.op);
      waitedFor = there.pid;
      Bun.sleepSync(10);
      continue;
    }
    recovered = recoverTransaction(b, now, stateDir, there) ?? recovered;
  }
}

