// The few lines `bind --persist` and `unbind --persist` add to those commands: where the rules go (checked writable,
// and every rule's text built, before any device is touched), writing them after the bind (host/persist-transaction.ts
// undoes the whole bind when one fails), and removing them around unbind. The words of a failure and its fix live here.
import { join } from "node:path";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import type { BindResult } from "../host/bind.ts";
import type { HostDevice } from "../host/discovery.ts";
import { checkPersistable, checkRulesDirWritable, persistBinds, prepareUnpersist, unpersist } from "../host/persist-transaction.ts";
import { UDEV_RULES_DIR_ENV, defaultUdevRulesDir, ruleFileName } from "../host/udev-rules.ts";
import type { CliContext } from "./context.ts";
import { persistWords } from "./rule-words.ts";
import { writeStderr } from "./output/stdio.ts";

/** A rules directory vfio-plat cannot write: the error names it, its cause carries the errno (EACCES: exit 4). */
function notWritable(dir: string, e: unknown): Error {
  const fix = process.env[UDEV_RULES_DIR_ENV] ? `set ${UDEV_RULES_DIR_ENV} to a writable directory` : `run as root (sudo), or set ${UDEV_RULES_DIR_ENV} to a writable directory`;
  return Object.assign(new Error(`udev rules directory ${dir} is not writable, so --persist cannot record the bind`, { cause: e }), { hint: fix });
}

/** What bind passes for the rules: the bind's own options. */
export interface PersistBindOptions {
  stateDir: string;
  uid: number | undefined;
  gid: number | undefined;
  force: boolean | undefined;
  driver: string | undefined;
}

function persistOptions(rulesDir: string, o: PersistBindOptions) {
  return {
    stateDir: o.stateDir,
    rulesDir,
    ...(o.uid !== undefined ? { uid: o.uid } : {}),
    ...(o.gid !== undefined ? { gid: o.gid } : {}),
    ...(o.force ? { force: true } : {}),
    ...(o.driver !== undefined ? { driver: o.driver } : {}),
    words: persistWords(),
  };
}

/**
 * The rules directory when --persist was given, else undefined. Before any device is touched: the directory is
 * checked writable and every device's rule text is built (its name and this program's path checked), so nothing is
 * bound for a rule that could never be written. @throws UdevValueError, an Error naming the directory (cause: errno)
 */
export function persistRulesDir(b: KernelBoundary, persist: boolean | undefined, devs: readonly HostDevice[], o: PersistBindOptions): string | undefined {
  if (!persist) return undefined;
  const dir = defaultUdevRulesDir(b);
  try {
    checkRulesDirWritable(dir);
  } catch (e) {
    throw notWritable(dir, e);
  }
  checkPersistable(devs, persistOptions(dir, o));
  return dir;
}

/** After bind: write every device's rule (undefined each without --persist). A failure undoes the whole bind (every
 * device back on its driver, no rule of this command left), then throws. */
export function persistAfterBind(b: KernelBoundary, results: readonly BindResult[], rulesDir: string | undefined, o: PersistBindOptions): (string | undefined)[] {
  if (rulesDir === undefined) return results.map(() => undefined);
  try {
    return persistBinds(b, results, persistOptions(rulesDir, o));
  } catch (e) {
    if ((e as { code?: unknown }).code !== undefined && (e as { syscall?: unknown }).syscall !== undefined) throw notWritable(rulesDir, e);
    throw e;
  }
}

/** Before unbind --persist: the rule (checked removable; its original driver recorded for unbind when needed). */
export function unpersistBeforeUnbind(b: KernelBoundary, dev: HostDevice, stateDir: string, persist: boolean | undefined): { dir: string; had: boolean } | undefined {
  if (!persist) return undefined;
  const dir = defaultUdevRulesDir(b);
  try {
    return { dir, had: prepareUnpersist(dev, { stateDir, rulesDir: dir }) !== undefined };
  } catch (e) {
    throw notWritable(dir, e);
  }
}

/** After unbind --persist: remove the rule. @returns the path removed, null when there was none (a notice), undefined without --persist */
export function unpersistAfterUnbind(ctx: CliContext, dev: HostDevice, p: { dir: string; had: boolean } | undefined): string | null | undefined {
  if (p === undefined) return undefined;
  const removed = p.had && unpersist(dev, p.dir);
  if (!removed) {
    if (!ctx.json) writeStderr(`vfio-plat: notice: ${dev.name} has no persistent bind (no rule of bind --persist in ${p.dir})\n`);
    return null;
  }
  return join(p.dir, ruleFileName("bind", dev.bus, dev.name));
}

/** unbind's line for a removed rule (after its own line). */
export function unpersistLine(dev: HostDevice, removed: string | null | undefined): string {
  return removed ? `${dev.name}: removed ${removed}, no longer bound at boot\n` : "";
}
