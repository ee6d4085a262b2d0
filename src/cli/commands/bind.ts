// `vfio-plat bind DEVICE... [--group-of DEVICE] [--user U] [--group G]`: hand devices to vfio-platform / vfio-amba /
// vfio-pci as one reversible transaction (host/bind.ts for one, host/batch-bind.ts for several: all bound or every one
// back where it was), then optionally hand each /dev/vfio/N to a user or group so the rest needs no root.
import { resolveGroup, resolveUser } from "../../host/account-ids.ts";
import { bindDevices } from "../../host/batch-bind.ts";
import { bindDevice, type BindOptions, type BindResult, type NodeOwner } from "../../host/bind.ts";
import type { HostDevice } from "../../host/discovery.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { bindTargets } from "../bind-targets.ts";
import { waitForOtherTransaction } from "../transaction-wait.ts";
import { jsonDocument } from "../output/json.ts";
import { batchRecoveryNotices, rolledBackNotice, skipNotice } from "../output/batch-notice.ts";
import { recoveryJson, recoveryNotice, waitNotice } from "../output/recovery-notice.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { checkpoint } from "../interrupt.ts";
import { persistAfterBind, persistRulesDir } from "../persist-hook.ts";

/** The text after "owner" in bind's line: "uid 1000, gid 1000, mode 0600". */
function ownerText(o: NodeOwner): string {
  return `uid ${o.uid}, gid ${o.gid}, mode ${o.mode.toString(8).padStart(4, "0")}`;
}

/** One device's --json object (the whole document for a single device, as before several could be bound). */
function resultJson(r: BindResult, rule: string | undefined): Record<string, unknown> {
  const d = r.device;
  return {
    device: d.name,
    outcome: r.outcome,
    by_pid: r.by ?? null,
    recovered: recoveryJson(r.recovered),
    driver: d.driver ?? null,
    previous_driver: r.previousDriver ?? null,
    iommu_group: d.iommuGroup ?? null,
    group_node: r.groupNode ?? null,
    owner: r.owner ? { uid: r.owner.uid, gid: r.owner.gid, mode: `0${r.owner.mode.toString(8)}` } : null,
    persistent_rule: rule ?? null,
  };
}

/** One device's text: its line on stdout ("already": a notice on stderr) and the notices about its group node. */
function printResult(r: BindResult, rule: string | undefined, gid: number | undefined, groupName: string | undefined, handOver: boolean): void {
  const d = r.device;
  if (r.recovered) writeStderr(recoveryNotice(d.name, r.recovered));
  if (r.outcome === "already") {
    const by = r.by !== undefined ? ` (by pid ${r.by})` : "";
    writeStderr(`vfio-plat: notice: ${d.name} is already bound to ${d.driver}${r.groupNode ? ` (${r.groupNode})` : ""}${by}\n`);
  } else {
    writeStdout(`${d.name}: bound to ${d.driver} (was ${r.previousDriver ?? "unbound"}), group ${d.iommuGroup ?? "-"}: ${r.groupNode ?? "-"}\n`);
  }
  if (r.owner) writeStdout(`${r.groupNode}: owner ${ownerText(r.owner)}\n`);
  if (rule) writeStdout(`${d.name}: bound again at boot by ${rule}\n`);
  // bind makes the node group read-write for a group owner; if that did not stick (a filesystem ignoring chmod), say so.
  const groupLocked = gid !== undefined && r.owner !== undefined && (r.owner.mode & 0o060) !== 0o060;
  if (gid !== undefined && r.owner && !groupLocked) {
    writeStderr(
      `vfio-plat: notice: ${r.groupNode} is group read-write until the group is unbound; ` +
        `vfio-plat udev-rule ${d.name} --group ${groupName} --install makes it last\n`,
    );
  }
  if (groupLocked) {
    writeStderr(
      `vfio-plat: notice: ${r.groupNode} has mode ${r.owner!.mode.toString(8).padStart(4, "0")}, so group ${groupName} cannot open it yet; ` +
        `install its udev rule (vfio-plat udev-rule ${d.name} --group ${groupName} --install) or use --user\n`,
    );
  }
  if (handOver && !r.owner && r.groupNode === undefined) writeStderr(`vfio-plat: notice: ${d.name} has no group node to hand over\n`);
}

/** @throws UsageError (unknown --user/--group or device, a device named twice, before anything is touched) and what bindDevice/bindDevices throw */
export async function run(ctx: CliContext, args: string[], options: OptionsOf<"bind">): Promise<number> {
  // Names are resolved first: a typo must not leave a device bound to VFIO and owned by root.
  const uid = options.user !== undefined ? resolveUser(options.user) : undefined;
  const gid = options.group !== undefined ? resolveGroup(options.group) : undefined;
  const { driver, wait: waitMs } = options;
  const { b, devs, group } = await bindTargets(ctx, "bind", args, options.groupOf);
  const stateDir = ctx.stateDir();
  const persistOptions = { stateDir, uid, gid, force: options.force, driver };
  const rulesDir = persistRulesDir(b, options.persist, devs, persistOptions); // --persist: checked before any device is touched
  const common: BindOptions = {
    stateDir,
    force: options.force === true,
    ...(driver !== undefined ? { driver } : {}),
    ...(uid !== undefined || gid !== undefined ? { owner: { ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) } } : {}),
  };
  const handOver = uid !== undefined || gid !== undefined;
  if (group && group.others.length && !ctx.json) {
    writeStderr(`vfio-plat: notice: group ${group.id} also holds ${group.others.join(", ")} (not a platform, AMBA or PCI device): left as it is\n`);
  }
  // --group-of always takes the several-devices path: one JSON shape however many members the group has.
  for (const k of group && !ctx.json ? group.skipped : []) writeStderr(`vfio-plat: notice: ${skipNotice(group!.id, k)}\n`);
  if (devs.length === 1 && group === undefined) {
    const dev = devs[0]!;
    const onWait = waitNotice(dev.name, ctx.json);
    const waited = await waitForOtherTransaction(ctx, stateDir, dev, waitMs, onWait);
    const r = bindDevice(b, dev, { ...common, onWait, waitMs: waited.waitMs });
    const [rule] = persistAfterBind(b, [r], rulesDir, persistOptions); // undoes the bind if it throws
    if (r.outcome === "already" && r.by === undefined && waited.waitedFor !== undefined) r.by = waited.waitedFor;
    batchRecoveryNotices(ctx.json, r.recoveredBatches);
    if (ctx.json) writeStdout(jsonDocument(resultJson(r, rule)));
    else printResult(r, rule, gid, options.group, handOver);
  } else {
    const left = await waitForAll(ctx, stateDir, devs, waitMs);
    const r = await bindDevices(b, devs, {
      ...common,
      onWait: (pid, op) => waitNotice(`one of ${devs.map((d) => d.name).join(", ")}`, ctx.json)(pid, op),
      waitMs: left,
      shouldStop: () => yieldForSignals(ctx),
      onRolledBack: rolledBackNotice(ctx.json),
    });
    batchRecoveryNotices(ctx.json, r.recoveredBatches);
    if (!r.stopped) {
      // The rules are written once every device is bound (checked before the first one); a failure unbinds them all.
      const rules = persistAfterBind(b, r.results, rulesDir, persistOptions);
      if (ctx.json) writeStdout(jsonDocument({ devices: r.results.map((x, i) => resultJson(x, rules[i])), ...(group ? { iommu_group: group.id } : {}) }));
      else r.results.forEach((x, i) => printResult(x, rules[i], gid, options.group, handOver));
    }
  }
  // A signal during the transaction lets it finish (half a bind is worse than either end), and then counts: the
  // outcome above is printed (or, for several devices, every one is back where it was), and the exit status says the
  // command was interrupted.
  await checkpoint(ctx.abort.signal);
  return 0;
}

/** Wait (interruptibly) for other processes' transactions on any of `devs`; what is left of --wait. */
export async function waitForAll(ctx: CliContext, stateDir: string, devs: readonly HostDevice[], waitMs: number | undefined): Promise<number | undefined> {
  let left = waitMs;
  for (const dev of [...devs].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
    left = (await waitForOtherTransaction(ctx, stateDir, dev, left, waitNotice(dev.name, ctx.json))).waitMs;
  }
  return left;
}

/** Between two devices of a batch: let the event loop run (a signal's handler aborts the context), then say whether to stop. */
export async function yieldForSignals(ctx: CliContext): Promise<boolean> {
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  return ctx.abort.signal.aborted;
}
