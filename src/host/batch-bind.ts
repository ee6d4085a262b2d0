// bind and unbind of several devices as one transaction (dpdk-devbind binds several at once; VFIO wants a whole IOMMU
// group): every device's lock is taken first, in sorted order so that two overlapping batches cannot wait on each
// other in a circle; every refusal is found before anything is touched; a batch journal (batch-journal.ts) records
// where each member was; then the devices move one by one, and a failure or a stop request puts back every one moved.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { InvalidArgumentError } from "../vfio/errors.ts";
import { removeJournal } from "./bind-journal.ts";
import { loadBinding } from "./bind-state.ts";
import { beginTransaction } from "./bind-transaction.ts";
import {
  bindHeld,
  bindPlan,
  bindTarget,
  checkDetachable,
  handOver,
  checkNotHeld,
  unbindHeld,
  unbindPlan,
  type Begun,
  type BindOptions,
  type BindResult,
  type UnbindOptions,
  type UnbindResult,
} from "./bind.ts";
import { newBatch, removeBatch, writeBatch, type BatchJournal, type BatchMember } from "./batch-journal.ts";
import { putBackHeld, recoverStaleBatches, restoreNodes, touched, type BatchRecovery } from "./batch-recovery.ts";
import { describeDevice, type HostDevice } from "./discovery.ts";
import { BindDriverError } from "./host-errors.ts";
import { defaultStateDir } from "./state-dir.ts";
import { VFIO_DRIVERS } from "./sysfs.ts";

export interface BatchOptions {
  /**
   * Asked between devices (awaited: a caller can let its signal handlers run there): true ends the batch (the device
   * in progress is finished first) and rolls it all back.
   */
  shouldStop?: () => boolean | Promise<boolean>;
  /** Told of each device a rollback put back, with its driver now. */
  onRolledBack?: (name: string, driver: string | undefined) => void;
}

export interface BatchResult<R> {
  /** One per device, in the order given; empty when the batch was stopped. */
  results: R[];
  /** Set when `shouldStop` ended the batch: every device is back where it was. */
  stopped?: boolean;
  /** Batches cut short (SIGKILL) with one of these devices among them, rolled back first. */
  recoveredBatches?: BatchRecovery[];
}

const byName = (x: { name: string }, y: { name: string }) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

/** @throws InvalidArgumentError when a device is named twice */
function checkDistinct(devs: readonly HostDevice[]): void {
  const seen = new Set<string>();
  for (const d of devs) {
    const key = `${d.bus}/${d.name}`;
    if (seen.has(key)) throw new InvalidArgumentError(`${d.name} is named twice`, "name each device once");
    seen.add(key);
  }
}

/** Take every device's lock, in sorted order; on a failure, the ones taken are let go. */
function lockAll(
  b: KernelBoundary,
  devs: readonly HostDevice[],
  stateDir: string,
  op: "bind" | "unbind",
  plan: (now: HostDevice) => ReturnType<typeof unbindPlan>,
  opts: { onWait?: BindOptions["onWait"]; waitMs?: number },
): Map<string, Begun> {
  const held = new Map<string, Begun>();
  try {
    for (const d of [...devs].sort(byName)) held.set(`${d.bus}/${d.name}`, beginTransaction(b, d, stateDir, op, plan, opts.onWait, opts.waitMs));
  } catch (e) {
    for (const h of held.values()) removeJournal(stateDir, h.tx.journal);
    throw e;
  }
  return held;
}

/** The batch's members as they are with their locks held. */
function membersOf(stateDir: string, devs: readonly HostDevice[], held: Map<string, Begun>, already: (now: HostDevice) => boolean): BatchMember[] {
  return devs.map((d) => {
    const now = held.get(`${d.bus}/${d.name}`)!.dev;
    const saved = loadBinding(stateDir, now.bus, now.name);
    return {
      bus: now.bus,
      name: now.name,
      before: { ...(now.driver !== undefined ? { driver: now.driver } : {}), ...(now.override !== undefined ? { override: now.override } : {}) },
      ...(saved ? { saved } : {}),
      state: already(now) ? "already" : "pending",
    };
  });
}

/**
 * Run `work` on each member in order under the batch journal; on a failure or a stop, put back every member moved
 * (last moved first), then let every lock go. A put-back that fails keeps the journals for the next bind, unbind or
 * doctor. Returns the results, or stopped. @throws what `work` threw (after the rollback)
 */
async function runBatch<R>(
  b: KernelBoundary,
  stateDir: string,
  journal: BatchJournal,
  held: Map<string, Begun>,
  opts: BatchOptions,
  work: (m: BatchMember, h: Begun, keep: { keepJournal: boolean }) => { result: R; moved: boolean },
  beforeCommit?: (results: R[]) => void,
): Promise<{ results: R[]; stopped?: boolean }> {
  const keep = new Map<string, { keepJournal: boolean }>();
  let failure: { e: unknown } | undefined;
  let stopped = false;
  const results: R[] = [];
  try {
    writeBatch(stateDir, journal);
    for (const [i, m] of journal.members.entries()) {
      if (i > 0 && opts.shouldStop && (await opts.shouldStop())) {
        stopped = true;
        break;
      }
      const key = `${m.bus}/${m.name}`;
      const k = { keepJournal: false };
      keep.set(key, k);
      if (m.state !== "already") {
        m.state = "started";
        writeBatch(stateDir, journal);
      }
      try {
        const r = work(m, held.get(key)!, k);
        if (r.moved) m.state = "done";
        else if (m.state === "started") m.state = "already";
        results.push(r.result);
      } catch (e) {
        failure = { e };
        break;
      }
      writeBatch(stateDir, journal);
    }
    // A signal that came during the last member rolls back too: the commit is the batch's last checkpoint.
    if (!failure && !stopped && opts.shouldStop && (await opts.shouldStop())) stopped = true;
    if (!failure && !stopped && beforeCommit) {
      try {
        beforeCommit(results);
      } catch (e) {
        failure = { e };
      }
    }
    if (!failure && !stopped) {
      removeBatch(stateDir, journal.nonce); // the commit point
      return { results };
    }
    let clean = restoreNodes(b, journal);
    for (const m of [...journal.members].reverse().filter(touched)) {
      const h = held.get(`${m.bus}/${m.name}`)!;
      try {
        const now = describeDevice(b, m.bus, m.name);
        putBackHeld(h.tx, now, m);
        opts.onRolledBack?.(m.name, describeDevice(b, m.bus, m.name).driver);
      } catch {
        clean = false;
        keep.set(`${m.bus}/${m.name}`, { keepJournal: true });
      }
    }
    // A rollback that could not finish leaves the batch journal: the next bind, unbind or doctor of a member ends it.
    if (clean) removeBatch(stateDir, journal.nonce);
    if (failure) throw failure.e;
    return { results: [], stopped: true };
  } finally {
    for (const [key, h] of held) if (!keep.get(key)?.keepJournal) removeJournal(stateDir, h.tx.journal);
  }
}

/**
 * Bind every device of `devs` to its bus's VFIO driver as one transaction: all bound (or already bound), or every
 * device this call moved back on its original driver and override. Options apply to each device.
 * @throws InvalidArgumentError (a device named twice), BindDriverError (`driver` for devices of different buses, or not
 *   their VFIO driver), and what bindDevice throws (a refusal before anything moved, or a failure after the rollback)
 */
export async function bindDevices(
  b: KernelBoundary,
  devs: readonly HostDevice[],
  options: BindOptions & BatchOptions = {},
): Promise<BatchResult<BindResult>> {
  const opts = { ...options, stateDir: options.stateDir ?? defaultStateDir(b) };
  checkDistinct(devs);
  const buses = [...new Set(devs.map((d) => d.bus))];
  if (opts.driver !== undefined && buses.length > 1) {
    throw new BindDriverError(`one driver ${opts.driver} for devices on ${buses.length} buses (${buses.join(", ")})`, {
      reason: "mixed-buses",
      driver: opts.driver,
      buses,
    });
  }
  const targets = new Map(devs.map((d) => [`${d.bus}/${d.name}`, bindTarget(b, d, opts.driver)]));
  const recoveredBatches = recoverStaleBatches(b, opts.stateDir, devs);
  const held = lockAll(b, devs, opts.stateDir, "bind", (now) => bindPlan(opts.stateDir, now, targets.get(`${now.bus}/${now.name}`)!), opts);
  let journal: BatchJournal;
  try {
    // Every refusal before the first device moves.
    for (const h of held.values()) if (h.dev.driver !== targets.get(`${h.dev.bus}/${h.dev.name}`)) checkDetachable(b, h.dev, opts.force === true);
    journal = newBatch("bind", membersOf(opts.stateDir, devs, held, (now) => now.driver === targets.get(`${now.bus}/${now.name}`)));
  } catch (e) {
    for (const h of held.values()) removeJournal(opts.stateDir, h.tx.journal);
    throw e;
  }
  // The nodes are handed over only once every member is bound (a rollback must not leave access granted): recorded in
  // the batch journal first, so that a rollback, or the recovery of a killed batch, gives each its owner back.
  const { owner, ...each } = opts;
  const r = await runBatch(
    b,
    opts.stateDir,
    journal,
    held,
    opts,
    (m, h, keep) => {
      const result = bindHeld(b, h, each, targets.get(`${m.bus}/${m.name}`)!, keep);
      return { result, moved: result.outcome === "bound" };
    },
    owner === undefined ? undefined : (results) => handOverAll(b, opts.stateDir, journal, results, owner),
  );
  return { ...r, ...(recoveredBatches.length ? { recoveredBatches } : {}) };
}

/** Hand every result's group node over to `owner` (each node once), its owner before recorded in the journal first. */
function handOverAll(b: KernelBoundary, stateDir: string, journal: BatchJournal, results: BindResult[], owner: NonNullable<BindOptions["owner"]>): void {
  const done = new Map<string, BindResult["owner"]>();
  for (const r of results) {
    const node = r.groupNode;
    if (node === undefined || !b.fs.exists(node)) continue;
    if (!done.has(node)) {
      const st = b.fs.stat(node);
      journal.nodes = [...(journal.nodes ?? []), { path: node, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }];
      writeBatch(stateDir, journal);
      done.set(node, handOver(b, node, owner));
    }
    r.owner = done.get(node);
  }
}

/**
 * Unbind every device of `devs` from VFIO as one transaction: all given back to their drivers (or not bound to begin
 * with), or every device this call moved back on its VFIO driver.
 * @throws InvalidArgumentError (a device named twice), BusyError (a device held open: before anything moved) and what
 *   unbindDevice throws (after the rollback)
 */
export async function unbindDevices(
  b: KernelBoundary,
  devs: readonly HostDevice[],
  options: UnbindOptions & BatchOptions = {},
): Promise<BatchResult<UnbindResult>> {
  const opts = { ...options, stateDir: options.stateDir ?? defaultStateDir(b) };
  checkDistinct(devs);
  const recoveredBatches = recoverStaleBatches(b, opts.stateDir, devs);
  const held = lockAll(b, devs, opts.stateDir, "unbind", (now) => unbindPlan(opts.stateDir, now), opts);
  const notBound = (now: HostDevice) => !now.vfioBound && !(now.override !== undefined && VFIO_DRIVERS.has(now.override));
  let journal: BatchJournal;
  try {
    for (const h of held.values()) checkNotHeld(b, h.dev);
    journal = newBatch("unbind", membersOf(opts.stateDir, devs, held, notBound));
  } catch (e) {
    for (const h of held.values()) removeJournal(opts.stateDir, h.tx.journal);
    throw e;
  }
  const r = await runBatch(b, opts.stateDir, journal, held, opts, (_m, h) => {
    const result = unbindHeld(b, h, opts);
    return { result, moved: result.outcome !== "not-bound" };
  });
  return { ...r, ...(recoveredBatches.length ? { recoveredBatches } : {}) };
}
