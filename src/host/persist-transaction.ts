// Persistent bind and unbind around the bind transaction: the rules directory is checked writable and every rule's
// text built before a device is touched, and a rule that still cannot be written after the bind undoes the whole
// bind (every device, every rule), so a persistent bind that fails leaves the devices as they were before the command. Unbinding a persistent bind hands the rule's original driver to
// unbind when the bind record is gone (a reboot empties /run), then removes the rule.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { unbindDevice, type BindResult } from "./bind.ts";
import { loadBinding, saveBinding } from "./bind-state.ts";
import type { HostDevice } from "./discovery.ts";
import { loadPersistentBind, persistentBindOf, persistRuleText, removePersistentBind, type PersistentBind, type RuleWords, type SavedPersistentBind } from "./persist-bind.ts";
import { injectRulesFault } from "./rules-fault-hook.ts";
import { readRuleFile, removeRuleFile, ruleFileName, writeRuleFile } from "./udev-rules.ts";

/**
 * Check that a rule can be written into `dir` (its nearest existing ancestor when it does not exist yet), before
 * anything is touched. @throws the file system's error (EACCES, EROFS, ENOTDIR) naming the path
 */
export function checkRulesDirWritable(dir: string): void {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  // A file where a directory belongs: mkdir would fail after the bind, so fail now (root passes any W_OK check).
  if (!statSync(d).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, access '${d}'`), { code: "ENOTDIR", errno: -20, syscall: "access", path: d });
  injectRulesFault("access", d);
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
 * Build the rule text of each device before any of them is touched (the device name and the program path checked for
 * every device of the bind; the driver and owner written later are checked the same way). @throws UdevValueError
 */
export function checkPersistable(devs: readonly HostDevice[], opts: PersistOptions): void {
  for (const dev of devs) {
    const p = persistentBindOf(dev, opts.driver ?? dev.driver ?? "vfio", dev.driver, recordExtra(opts));
    persistRuleText(p, opts.words(p));
  }
}

function recordExtra(opts: PersistOptions): Omit<PersistentBind, "bus" | "name" | "vfioDriver" | "originalDriver"> {
  return {
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    ...(opts.force ? { force: true } : {}),
    ...(opts.driver !== undefined ? { driverGiven: true } : {}),
  };
}

/**
 * Write the persistent-bind rules of the devices `bindDevice`/`bindDevices` just bound (outcome "bound") or found
 * bound ("already"), one transaction: when one rule cannot be written, the rules already written by this call are
 * taken back (a file that was there before gets its old text again) and every device this command bound is unbound
 * (back to its driver), then the write's error is thrown. Each original driver is the one the bind replaced, else the
 * bind record's, else the rule's already there. @returns each rule file's path, in the order of `results`.
 * @throws UdevValueError (a name udev cannot match exactly), the file system's error
 */
export function persistBinds(b: KernelBoundary, results: readonly BindResult[], opts: PersistOptions): string[] {
  const written: { file: string; before: string | undefined }[] = [];
  try {
    return results.map((r) => {
      const dev = r.device;
      const file = ruleFileName("bind", dev.bus, dev.name);
      const before = readRuleFile(opts.rulesDir, file);
      const saved = loadPersistentBind(opts.rulesDir, dev.bus, dev.name);
      const original = r.previousDriver ?? loadBinding(opts.stateDir, dev.bus, dev.name)?.driver ?? saved?.originalDriver;
      const p = persistentBindOf(dev, dev.driver!, original, recordExtra(opts));
      const text = persistRuleText(p, opts.words(p));
      written.push({ file, before });
      return writeRuleFile(opts.rulesDir, file, text);
    });
  } catch (e) {
    for (const w of written.reverse()) {
      try {
        if (w.before === undefined) removeRuleFile(opts.rulesDir, w.file);
        else writeRuleFile(opts.rulesDir, w.file, w.before);
      } catch {
        // the directory refuses the undo too: the bind is still undone below, and the error says why
      }
    }
    for (const r of [...results].reverse()) if (r.outcome === "bound") unbindDevice(b, r.device, { stateDir: opts.stateDir });
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
