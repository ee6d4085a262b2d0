// `vfio-plat unbind DEVICE`: take a device away from VFIO and give it back to the driver it had before `bind`. Like
// driverctl unset-override and dpdk-devbind, it is idempotent: a device not bound to VFIO is a notice and exit 0 (a
// device that does not exist is still exit 3); a device a cut-short bind left with only a VFIO driver_override gets its
// original driver back.
import { unbindDevice } from "../../host/bind.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { waitForOtherTransaction } from "../transaction-wait.ts";
import { findDevice } from "../device-session.ts";
import { jsonDocument } from "../output/json.ts";
import { recoveryJson, recoveryNotice, waitNotice } from "../output/recovery-notice.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { checkpoint } from "../interrupt.ts";
import { unpersistAfterUnbind, unpersistBeforeUnbind, unpersistLine } from "../persist-hook.ts";

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"unbind">): Promise<number> {
  const waitMs = options.wait;
  const { b, dev } = await findDevice(ctx, args[0]!);
  const stateDir = ctx.stateDir();
  const onWait = waitNotice(dev.name, ctx.json);
  const waited = await waitForOtherTransaction(ctx, stateDir, dev, waitMs, onWait);
  const persist = unpersistBeforeUnbind(b, dev, stateDir, options.persist); // --persist: the rule's original driver, checked removable
  const r = unbindDevice(b, dev, { stateDir, onWait, waitMs: waited.waitMs });
  const removed = unpersistAfterUnbind(ctx, dev, persist);
  if (r.outcome === "not-bound" && r.by === undefined && waited.waitedFor !== undefined) r.by = waited.waitedFor;
  if (r.recovered && !ctx.json) writeStderr(recoveryNotice(dev.name, r.recovered));
  const now = r.device.driver;
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: dev.name,
        outcome: r.outcome,
        unbound_from: r.outcome === "unbound" ? (r.from ?? null) : null,
        driver: now ?? null,
        by_pid: r.by ?? null,
        recovered: recoveryJson(r.recovered),
        ...(removed !== undefined ? { persistent_rule_removed: removed } : {}), // only with --persist
      }),
    );
  } else if (r.outcome === "not-bound") {
    const state = r.by !== undefined ? `is already unbound (by pid ${r.by})` : "is not bound to VFIO";
    writeStderr(`vfio-plat: notice: ${dev.name} ${state}, driver ${now ?? "none"}: nothing to do\n`);
  } else if (r.outcome === "override-cleared") {
    const had = dev.driver === undefined ? "had no driver, only" : `was on ${dev.driver} but had`;
    writeStdout(`${dev.name}: ${had} driver_override ${r.from}: cleared, ${now ? `${dev.driver === now ? "still" : "back"} on ${now}` : "left without a driver"}\n`);
  } else {
    writeStdout(`${dev.name}: unbound from ${r.from}, ${now ? `back on ${now}` : "left without a driver"}\n`);
  }
  if (!ctx.json) writeStdout(unpersistLine(dev, removed));
  // A signal during the transaction lets it finish (half a bind is worse than either end), and then counts: the
  // outcome above is printed, and the exit status says the command was interrupted.
  await checkpoint(ctx.abort.signal);
  return 0;
}
