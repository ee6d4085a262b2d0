// The few lines `bind --persist` and `unbind --persist` add to those commands: where the rule goes (checked writable
// before the device is touched), writing it after the bind (host/persist-transaction.ts undoes the bind when that
// fails), and removing it around unbind. The words of a failure and its fix live here.
import { join } from "node:path";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import type { BindResult } from "../host/bind.ts";
import type { HostDevice } from "../host/discovery.ts";
import { checkRulesDirWritable, persistBind, prepareUnpersist, unpersist } from "../host/persist-transaction.ts";
import { UDEV_RULES_DIR_ENV, defaultUdevRulesDir, ruleFileName } from "../host/udev-rules.ts";
import type { CliContext } from "./context.ts";
import { persistWords } from "./rule-words.ts";
import { writeStderr } from "./output/stdio.ts";

/** A rules directory vfio-plat cannot write: the error names it, its cause carries the errno (EACCES: exit 4). */
function notWritable(dir: string, e: unknown): Error {
  const fix = process.env[UDEV_RULES_DIR_ENV] ? `set ${UDEV_RULES_DIR_ENV} to a writable directory` : `run as root (sudo), or set ${UDEV_RULES_DIR_ENV} to a writable directory`;
  return Object.assign(new Error(`udev rules directory ${dir} is not writable, so --persist cannot record the bind`, { cause: e }), { hint: fix });
}

/** The rules directory when --persist was given (checked writable: nothing is touched when it is not), else undefined. */
export function persistRulesDir(b: KernelBoundary, persist: boolean | undefined): string | undefined {
  if (!persist) return undefined;
  const dir = defaultUdevRulesDir(b);
  try {
    checkRulesDirWritable(dir);
  } catch (e) {
    throw notWritable(dir, e);
  }
  return dir;
}

/** After bind: write the rule (undefined without --persist). A failure undoes this command's bind, then throws. */
export function persistAfterBind(
  b: KernelBoundary,
  r: BindResult,
  rulesDir: string | undefined,
  o: { stateDir: string; uid: number | undefined; gid: number | undefined; force: boolean | undefined; driver: string | undefined },
): string | undefined {
  if (rulesDir === undefined) return undefined;
  try {
    return persistBind(b, r, {
      stateDir: o.stateDir,
      rulesDir,
      ...(o.uid !== undefined ? { uid: o.uid } : {}),
      ...(o.gid !== undefined ? { gid: o.gid } : {}),
      ...(o.force ? { force: true } : {}),
      ...(o.driver !== undefined ? { driver: o.driver } : {}),
      words: persistWords(),
    });
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
