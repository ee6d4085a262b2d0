// `vfio-plat unbind DEVICE... [--group-of DEVICE]`: take devices away from VFIO and give each back to the driver it
// had before `bind`, several as one transaction (all given back, or every one moved bound to VFIO again). Like
// driverctl unset-override and dpdk-devbind, it is idempotent: a device not bound to VFIO is a notice and exit 0 (a
// device that does not exist is still exit 3); a device a cut-short bind left with only a VFIO driver_override gets its
// original driver back.
import { unbindDevices } from "../../host/batch-bind.ts";
import { unbindDevice, type UnbindResult } from "../../host/bind.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { bindTargets } from "../bind-targets.ts";
import { waitForOtherTransaction } from "../transaction-wait.ts";
import { jsonDocument } from "../output/json.ts";
import { batchRecoveryNotices, rolledBackNotice } from "../output/batch-notice.ts";
import { recoveryJson, recoveryNotice, waitNotice } from "../output/recovery-notice.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { checkpoint } from "../interrupt.ts";
import { unpersistAfterUnbind, unpersistBeforeUnbind, unpersistLine } from "../persist-hook.ts";
import { waitForAll, yieldForSignals } from "./bind.ts";

/** One device's --json object (the whole document for a single device). */
function resultJson(r: UnbindResult, removed: string | null | undefined): Record<string, unknown> {
  return {
    device: r.device.name,
    outcome: r.outcome,
    unbound_from: r.outcome === "unbound" ? (r.from ?? null) : null,
    driver: r.device.driver ?? null,
    by_pid: r.by ?? null,
    recovered: recoveryJson(r.recovered),
    persistent_rule_removed: removed ?? null, // the rule file unbind --persist removed; null without one (or without --persist)
  };
}

/** One device's text; `was` is its driver before the call. */
function printResult(r: UnbindResult, was: string | undefined): void {
  const name = r.device.name;
  const now = r.device.driver;
  if (r.recovered) writeStderr(recoveryNotice(name, r.recovered));
  if (r.outcome === "not-bound") {
    const state = r.by !== undefined ? `is already unbound (by pid ${r.by})` : "is not bound to VFIO";
    writeStderr(`vfio-plat: notice: ${name} ${state}, driver ${now ?? "none"}: nothing to do\n`);
  } else if (r.outcome === "override-cleared") {
    const had = was === undefined ? "had no driver, only" : `was on ${was} but had`;
    writeStdout(`${name}: ${had} driver_override ${r.from}: cleared, ${now ? `${was === now ? "still" : "back"} on ${now}` : "left without a driver"}\n`);
  } else {
    writeStdout(`${name}: unbound from ${r.from}, ${now ? `back on ${now}` : "left without a driver"}\n`);
  }
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"unbind">): Promise<number> {
  const waitMs = options.wait;
  const { b, devs, group } = await bindTargets(ctx, "unbind", args, options.groupOf);
  const stateDir = ctx.stateDir();
  const was = new Map(devs.map((d) => [d.name, d.driver]));
  // --persist: each rule's original driver is recorded (and the rule checked removable) before any device is touched.
  const persist = devs.map((d) => unpersistBeforeUnbind(b, d, stateDir, options.persist));
  // --group-of always takes the several-devices path: one JSON shape however many members the group has.
  if (devs.length === 1 && group === undefined) {
    const dev = devs[0]!;
    const onWait = waitNotice(dev.name, ctx.json);
    const waited = await waitForOtherTransaction(ctx, stateDir, dev, waitMs, onWait);
    const r = unbindDevice(b, dev, { stateDir, onWait, waitMs: waited.waitMs });
    const removed = unpersistAfterUnbind(ctx, dev, persist[0]);
    if (r.outcome === "not-bound" && r.by === undefined && waited.waitedFor !== undefined) r.by = waited.waitedFor;
    batchRecoveryNotices(ctx.json, r.recoveredBatches);
    if (ctx.json) writeStdout(jsonDocument(resultJson(r, removed)));
    else {
      printResult(r, dev.driver);
      writeStdout(unpersistLine(dev, removed));
    }
  } else {
    const left = await waitForAll(ctx, stateDir, devs, waitMs);
    const r = await unbindDevices(b, devs, {
      stateDir,
      waitMs: left,
      shouldStop: () => yieldForSignals(ctx),
      onRolledBack: rolledBackNotice(ctx.json),
    });
    batchRecoveryNotices(ctx.json, r.recoveredBatches);
    if (!r.stopped) {
      const removed = r.results.map((x) => unpersistAfterUnbind(ctx, x.device, persist[devs.findIndex((d) => d.name === x.device.name)]));
      if (ctx.json) writeStdout(jsonDocument({ devices: r.results.map((x, i) => resultJson(x, removed[i])), ...(group ? { iommu_group: group.id } : {}) }));
      else {
        r.results.forEach((x, i) => {
          printResult(x, was.get(x.device.name));
          writeStdout(unpersistLine(x.device, removed[i]));
        });
      }
    }
  }
  // A signal during the transaction lets it finish (half a bind is worse than either end), and then counts: the
  // outcome above is printed (or, for several devices, every one is back where it was), and the exit status says the
  // command was interrupted.
  await checkpoint(ctx.abort.signal);
  return 0;
}
