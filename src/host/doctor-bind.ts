// doctor's look at bind transactions: a bind or unbind cut short (SIGKILL, power cut) is finished or undone here, as
// the next bind or unbind would, and reported; one in progress names its process; a device left with only a VFIO
// driver_override and no driver (a bind cut short by an older vfio-plat, or by hand) is pointed at `unbind`.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { recoverTransaction } from "./bind.ts";
import { listJournals, ownerAlive, readJournal, removeJournal } from "./bind-journal.ts";
import type { Finding } from "./doctor.ts";
import { listDevices } from "./discovery.ts";
import { VFIO_DRIVERS } from "./sysfs.ts";
import { recoverStaleBatches } from "./batch-recovery.ts";
import { viabilityBlockers } from "./group-members.ts";
import type { HostDevice } from "./discovery.ts";

/** Groups with a member on VFIO and another on a kernel driver: not viable, so the VFIO one cannot be opened. */
function halfBoundGroups(b: KernelBoundary, all: readonly HostDevice[], skipGroup?: number): Finding[] {
  const out: Finding[] = [];
  // The device doctor was asked about has its own viability finding (checkDevice): one finding per fact.
  const seen = new Set<number>(skipGroup === undefined ? [] : [skipGroup]);
  for (const d of all) {
    if (!d.vfioBound || d.iommuGroup === undefined || seen.has(d.iommuGroup)) continue;
    seen.add(d.iommuGroup);
    const blockers = viabilityBlockers(b, d, all);
    if (!blockers.length) continue;
    out.push({
      check: "viability",
      status: "warn",
      message: `group ${d.iommuGroup} is not viable: ${d.name} is on ${d.driver} but ${blockers.map((x) => `${x.name} is on ${x.driver}`).join(", ")}`,
      fix: { kind: "bind-group-member", device: d.name },
    });
  }
  return out;
}

/**
 * Findings about bind/unbind transactions under the state directory `stateDirOf()` gives, recovering the interrupted
 * ones; `deviceGroup` (the group of the device doctor checks on its own) is left out of the viability findings. Never throws: a state directory that cannot be made is a finding of its own.
 */
export function checkBindTransactions(b: KernelBoundary, stateDirOf: () => string, opts: { deviceGroup?: number } = {}): Finding[] {
  const out: Finding[] = [];
  let stateDir: string;
  try {
    stateDir = stateDirOf();
  } catch (e) {
    const hint = (e as { hint?: unknown }).hint;
    return [{ check: "bind-journal", status: "fail", message: (e as Error).message, ...(typeof hint === "string" ? { fix: hint } : {}) }];
  }
  let devices;
  try {
    devices = listDevices(b);
  } catch {
    return out;
  }
  // A batch cut short first: it puts back every member it moved (and settles their own journals on the way).
  try {
    for (const r of recoverStaleBatches(b, stateDir)) {
      out.push({
        check: "bind-journal",
        status: "warn",
        message:
          r.damaged !== undefined
            ? `dropped an unreadable batch journal (${r.damaged})`
            : `interrupted ${r.op} of several devices (process ${r.pid}): rolled back${r.members.length ? `; ${r.members.map((m) => `${m.name} is on ${m.driver ?? "no driver"}`).join(", ")}` : ", nothing had moved"}`,
      });
    }
  } catch (e) {
    out.push({ check: "bind-journal", status: "fail", message: `an interrupted batch could not be rolled back: ${(e as Error).message}` });
  }
  for (const { bus, name } of listJournals(stateDir)) {
    const j = readJournal(stateDir, bus, name);
    if (j === undefined) continue; // ended meanwhile
    if (!("damaged" in j) && ownerAlive(j) && j.pid !== process.pid) {
      out.push({ check: "bind-journal", status: "info", message: `${j.op} of ${name} is in progress in process ${j.pid} (step ${j.step})` });
      continue;
    }
    const dev = devices.find((d) => d.bus === bus && d.name === name);
    if (!dev) {
      removeJournal(stateDir, { bus, name });
      out.push({ check: "bind-journal", status: "warn", message: `dropped the journal of ${bus} device ${name}: no such device on this machine now` });
      continue;
    }
    const what = "damaged" in j ? `an unreadable bind journal (${j.reason}) for ${name}` : `interrupted ${j.op} of ${name} (process ${j.pid}, at step ${j.step})`;
    try {
      const r = recoverTransaction(b, dev, stateDir, j);
      if (r) {
        out.push({
          check: "bind-journal",
          status: "warn",
          message: `${what}: ${"damaged" in j ? "repaired" : r.outcome}; ${name} is on ${r.driver ?? "no driver"}`,
          ...(r.outcome === "rolled back" && r.op === "bind" ? { fix: { kind: "bind-again", device: name } as const } : {}),
        });
      }
    } catch (e) {
      out.push({
        check: "bind-journal",
        status: "fail",
        message: `${what}: could not be finished: ${(e as Error).message}`,
        fix: { kind: "retry-transaction", device: name },
      });
    }
  }
  // Looked at again: the recoveries above moved devices.
  const now = listDevices(b);
  out.push(...halfBoundGroups(b, now, opts.deviceGroup));
  for (const d of now) {
    const vfioDriver = d.driver !== undefined && VFIO_DRIVERS.has(d.driver);
    if (!vfioDriver && d.override !== undefined && VFIO_DRIVERS.has(d.override) && readJournal(stateDir, d.bus, d.name) === undefined) {
      const has = d.driver === undefined ? "has no driver, only" : `is on ${d.driver} with`;
      out.push({
        check: "bind-journal",
        status: "warn",
        message: `${d.name} ${has} driver_override ${d.override} (a bind cut short?)`,
        fix: { kind: "unbind-or-bind", device: d.name },
      });
    }
  }
  return out;
}
