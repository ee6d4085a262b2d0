// Persistent bind and unbind around the bind transaction: the rules directory is checked writable before the device
// is touched, and a rule that still cannot be written after a bind undoes that bind, so a persistent bind that fails
// leaves the device as it was before the command. Unbinding a persistent bind hands the rule's original driver to
// unbind when the bind record is gone (a reboot empties /run), then removes the rule.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { unbindDevice, type BindResult } from "./bind.ts";
import { loadBinding, saveBinding } from "./bind-state.ts";
import type { HostDevice } from "./discovery.ts";
import { loadPersistentBind, persistentBindOf, removePersistentBind, savePersistentBind, type PersistentBind, type RuleWords, type SavedPersistentBind } from "./persist-bind.ts";
import { checkRuleDeviceName } from "./udev-rules.ts";

/**
 * Check that a rule can be written into `dir` (its nearest existing ancestor when it does not exist yet), before
 * anything is touched. @throws the file system's error (EACCES, EROFS, ENOTDIR) naming the path
 */
export function checkRulesDirWritable(dir: string): void {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  // A file where a directory belongs: mkdir would fail after the bind, so fail now (root passes any W_OK check).
  if (!statSync(d).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, access '${d}'`), { code: "ENOTDIR", errno: -20, syscall: "access", path: d });
  accessSync(d, constants.W_OK);
}

export interface PersistOptions {
  stateDir: string;
  rulesDir: string;
  uid?: number;
  gid?: number;
  force?: boolean;
  /** The VFIO driver the user named for the bind, if any. */
  driver?: string;
  /** The command and comments of the rule for a persistent bind (the caller's words). */
  words: (p: PersistentBind) => RuleWords;
}

/**
 * Write the persistent-bind rule of a device `bindDevice` just bound (outcome "bound") or found bound ("already"). The
 * original driver is the one the bind replaced, else the bind record's, else the rule's already there. When the rule
 * cannot be written and this command bound the device, the bind is undone (the device goes back to its driver) and
 * the write's error is thrown. @returns the rule file's path. @throws UdevValueError (a name udev cannot match
 * exactly), the file system's error
 */
export function persistBind(b: KernelBoundary, r: BindResult, opts: PersistOptions): string {
  const dev = r.device;
  try {
    checkRuleDeviceName(dev.name);
    const before = loadPersistentBind(opts.rulesDir, dev.bus, dev.name);
    const original = r.previousDriver ?? loadBinding(opts.stateDir, dev.bus, dev.name)?.driver ?? before?.originalDriver;
    const p = persistentBindOf(dev, dev.driver!, original, {
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
      ...(opts.force ? { force: true } : {}),
      ...(opts.driver !== undefined ? { driverGiven: true } : {}),
    });
    return savePersistentBind(opts.rulesDir, p, opts.words(p));
  } catch (e) {
    if (r.outcome === "bound") unbindDevice(b, dev, { stateDir: opts.stateDir });
    throw e;
  }
}

/**
 * Before unbinding a persistent bind: check the rule can be removed, and when the bind record is gone but the rule names the
 * original driver, record it so unbind restores that driver. @returns the rule found (undefined: none).
 * @throws the file system's error (EACCES, EROFS) when the rules directory is not writable
 */
export function prepareUnpersist(dev: HostDevice, opts: { stateDir: string; rulesDir: string }): SavedPersistentBind | undefined {
  const rule = loadPersistentBind(opts.rulesDir, dev.bus, dev.name);
  if (!rule) return undefined;
  checkRulesDirWritable(opts.rulesDir);
  if (dev.vfioBound && rule.originalDriver !== undefined && !loadBinding(opts.stateDir, dev.bus, dev.name)) {
    saveBinding(opts.stateDir, { bus: dev.bus, name: dev.name, driver: rule.originalDriver, vfioDriver: dev.driver!, time: new Date().toISOString() });
  }
  return rule;
}

/** After unbinding a persistent bind: remove the rule. @returns whether there was one. @throws the file system's error */
export function unpersist(dev: HostDevice, rulesDir: string): boolean {
  return removePersistentBind(rulesDir, dev.bus, dev.name);
}
