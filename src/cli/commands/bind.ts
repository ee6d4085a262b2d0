// `vfio-plat bind DEVICE [--user U] [--group G]`: hand a device to vfio-platform / vfio-amba as a reversible
// transaction (see host/bind.ts), then optionally hand its /dev/vfio/N to a user or group so the rest needs no root.
import { resolveGroup, resolveUser } from "../../host/account-ids.ts";
import { bindDevice, type NodeOwner } from "../../host/bind.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { waitForOtherTransaction } from "../transaction-wait.ts";
import { findDevice } from "../device-session.ts";
import { jsonDocument } from "../output/json.ts";
import { recoveryJson, recoveryNotice, waitNotice } from "../output/recovery-notice.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { checkpoint } from "../interrupt.ts";
import { persistAfterBind, persistRulesDir } from "../persist-hook.ts";

/** The text after "owner" in bind's line: "uid 1000, gid 1000, mode 0600". */
function ownerText(o: NodeOwner): string {
  return `uid ${o.uid}, gid ${o.gid}, mode ${o.mode.toString(8).padStart(4, "0")}`;
}

/** @throws UsageError (unknown --user/--group, before anything is touched) and whatever bindDevice throws */
export async function run(ctx: CliContext, args: string[], options: OptionsOf<"bind">): Promise<number> {
  // Names are resolved first: a typo must not leave a device bound to VFIO and owned by root.
  const uid = options.user !== undefined ? resolveUser(options.user) : undefined;
  const gid = options.group !== undefined ? resolveGroup(options.group) : undefined;
  const { driver, wait: waitMs } = options;
  const { b, dev } = await findDevice(ctx, args[0]!);
  const stateDir = ctx.stateDir();
  const onWait = waitNotice(dev.name, ctx.json);
  const rulesDir = persistRulesDir(b, options.persist); // --persist: checked writable before the device is touched
  const waited = await waitForOtherTransaction(ctx, stateDir, dev, waitMs, onWait);
  const r = bindDevice(b, dev, {
    stateDir,
    onWait,
    waitMs: waited.waitMs,
    force: options.force === true,
    ...(driver !== undefined ? { driver } : {}),
    ...(uid !== undefined || gid !== undefined ? { owner: { ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) } } : {}),
  });
  const rule = persistAfterBind(b, r, rulesDir, { stateDir, uid, gid, force: options.force, driver }); // undoes the bind if it throws
  const d = r.device;
  if (r.outcome === "already" && r.by === undefined && waited.waitedFor !== undefined) r.by = waited.waitedFor;
  if (r.recovered && !ctx.json) writeStderr(recoveryNotice(d.name, r.recovered));
  // bind makes the node group read-write for a group owner; if that did not stick (a filesystem ignoring chmod), say so.
  const groupLocked = gid !== undefined && r.owner !== undefined && (r.owner.mode & 0o060) !== 0o060;
  if (ctx.json) {
    writeStdout(
      jsonDocument({
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
      }),
    );
  } else {
    if (r.outcome === "already") {
      const by = r.by !== undefined ? ` (by pid ${r.by})` : "";
      writeStderr(`vfio-plat: notice: ${d.name} is already bound to ${d.driver}${r.groupNode ? ` (${r.groupNode})` : ""}${by}\n`);
    } else {
      writeStdout(`${d.name}: bound to ${d.driver} (was ${r.previousDriver ?? "unbound"}), group ${d.iommuGroup ?? "-"}: ${r.groupNode ?? "-"}\n`);
    }
    if (r.owner) writeStdout(`${r.groupNode}: owner ${ownerText(r.owner)}\n`);
    if (rule) writeStdout(`${d.name}: bound again at boot by ${rule}\n`);
  }
  if (gid !== undefined && r.owner && !groupLocked && !ctx.json) {
    writeStderr(
      `vfio-plat: notice: ${r.groupNode} is group read-write until the group is unbound; ` +
        `vfio-plat udev-rule ${d.name} --group ${options.group} --install makes it last\n`,
    );
  }
  if (groupLocked) {
    writeStderr(
      `vfio-plat: notice: ${r.groupNode} has mode ${r.owner!.mode.toString(8).padStart(4, "0")}, so group ${options.group} cannot open it yet; ` +
        `install its udev rule (vfio-plat udev-rule ${d.name} --group ${options.group} --install) or use --user\n`,
    );
  }
  if ((uid !== undefined || gid !== undefined) && !r.owner && r.groupNode === undefined) {
    writeStderr(`vfio-plat: notice: ${d.name} has no group node to hand over\n`);
  }
  // A signal during the transaction lets it finish (half a bind is worse than either end), and then counts: the
  // outcome above is printed, and the exit status says the command was interrupted.
  await checkpoint(ctx.abort.signal);
  return 0;
}
