// udev rule files of vfio-plat's own: where they live, how a value is put between quotes without letting it change
// the rule, and writing (atomically), reading, listing and removing them. Every file is named 90-vfio-plat-<kind>-<bus>-
// <device>.rules, so list and unbind find ours and never touch another tool's rules.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { InvalidArgumentError } from "../vfio/errors.ts";
import { injectRulesFault } from "./rules-fault-hook.ts";
import { simStateDirOf } from "./state-dir.ts";
import type { Bus } from "./sysfs.ts";

/** The environment variable that moves the rules directory (tests, the lab, a staging root). */
export const UDEV_RULES_DIR_ENV = "VFIO_PLAT_UDEV_RULES_DIR";
/** Where udev reads the administrator's rules on a real machine. */
export const SYSTEM_UDEV_RULES_DIR = "/etc/udev/rules.d";
/** The fixed start of every rule file vfio-plat writes. */
export const RULE_FILE_PREFIX = "90-vfio-plat-";

/** What a rule file is for: bind at boot (a persistent bind) or hand the VFIO nodes to a user or group (access). */
export type RuleKind = "bind" | "access";

/**
 * The rules directory for `b`: $VFIO_PLAT_UDEV_RULES_DIR when set, else <board state>/udev/rules.d for a simulated
 * board (the simulator answers, and two boards never share rules), else /etc/udev/rules.d.
 */
export function defaultUdevRulesDir(b: KernelBoundary): string {
  return udevRulesDirOf(simStateDirOf(b));
}

/** The same choice from the simulated board's state directory (undefined: the real machine), without a boundary. */
export function udevRulesDirOf(simStateDir: string | undefined): string {
  const env = process.env[UDEV_RULES_DIR_ENV];
  if (env) return env;
  return simStateDir !== undefined ? join(simStateDir, "udev", "rules.d") : SYSTEM_UDEV_RULES_DIR;
}

/** A value udev would read as something else: a quote or backslash ends or escapes the string, `%` and `$` are
 * substitutions, glob characters widen a match, whitespace and control characters split a RUN command. */
const UNSAFE = /[^A-Za-z0-9._:@+,=/-]/;

/** Why a value cannot go into a rule (the character, or emptiness), for the error. */
function unsafeReason(value: string): string | undefined {
  if (value === "") return "it is empty";
  const m = UNSAFE.exec(value);
  if (!m) return undefined;
  const c = m[0];
  return `it holds ${JSON.stringify(c)}`;
}

/** Thrown for a value that udev would not read back as exactly that value. */
export class UdevValueError extends InvalidArgumentError {
  constructor(
    readonly what: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`${what} ${JSON.stringify(value)} cannot go into a udev rule: ${reason}`);
  }
}

/**
 * `value` between double quotes for a rule, refused unless udev reads it back as exactly this literal: letters,
 * digits and . _ : @ + , = - (and / when `path` is set, for a RUN program or TEST path). @throws UdevValueError
 */
export function quoteUdev(what: string, value: string, opts: { path?: boolean } = {}): string {
  const reason = unsafeReason(value) ?? (!opts.path && value.includes("/") ? 'it holds "/"' : undefined);
  if (reason !== undefined) throw new UdevValueError(what, value, reason);
  return `"${value}"`;
}

/** A device name for a KERNEL/KERNELS match and a file name: checked as udev and the file system need. @throws UdevValueError */
export function checkRuleDeviceName(name: string): string {
  quoteUdev("device name", name);
  if (name.startsWith(".") || name.startsWith("-")) throw new UdevValueError("device name", name, `it starts with ${JSON.stringify(name[0])}`);
  return name;
}

/** The file name of a rule of `kind` for a device. @throws UdevValueError for a name that cannot be one */
export function ruleFileName(kind: RuleKind, bus: Bus, name: string): string {
  return `${RULE_FILE_PREFIX}${kind}-${bus}-${checkRuleDeviceName(name)}.rules`;
}

/**
 * Write a rule file atomically: a temporary file of this process in the same directory (its name does not end in
 * .rules, so udev never reads it half written), then rename(2) over the final name. Creates the directory (0755).
 * @returns the file's path. @throws the file system's error (EACCES, EROFS, ENOTDIR, ...), with nothing left behind
 */
export function writeRuleFile(dir: string, fileName: string, text: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const path = join(dir, fileName);
  const tmp = join(dir, `.${fileName}.${process.pid}.tmp`);
  try {
    injectRulesFault("write", path);
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return path;
}

/** The text of a rule file, or undefined when there is none. @throws the file system's error other than ENOENT */
export function readRuleFile(dir: string, fileName: string): string | undefined {
  try {
    return readFileSync(join(dir, fileName), "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Remove a rule file; false when there was none. @throws the file system's error (EACCES, EROFS) */
export function removeRuleFile(dir: string, fileName: string): boolean {
  try {
    rmSync(join(dir, fileName));
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return false;
    throw e;
  }
}

/** The names of vfio-plat's rule files of `kind` in `dir`, sorted (none when the directory does not exist). */
export function listRuleFiles(dir: string, kind: RuleKind): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(`${RULE_FILE_PREFIX}${kind}-`) && n.endsWith(".rules")).sort();
}

/** The texts of vfio-plat's rule files of `kind` in `dir`, in the order udev reads them (unreadable files skipped). */
export function ruleTexts(dir: string, kind: RuleKind): string[] {
  const out: string[] = [];
  for (const f of listRuleFiles(dir, kind)) {
    try {
      const t = readRuleFile(dir, f);
      if (t !== undefined) out.push(t);
    } catch {
      // a file that vanished or cannot be read: udev skips it too
    }
  }
  return out;
}

/** `key=value` pairs of a rule file's `# vfio-plat-<tag>:` line, the facts written next to the rule for reading back. */
export function ruleFacts(text: string, tag: string): Record<string, string> | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`# vfio-plat-${tag}:`));
  if (line === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const word of line.slice(`# vfio-plat-${tag}:`.length).trim().split(/\s+/)) {
    const i = word.indexOf("=");
    if (i > 0) out[word.slice(0, i)] = word.slice(i + 1);
  }
  return out;
}

/** The facts line for ruleFacts (values checked like rule values). @throws UdevValueError */
export function factsLine(tag: string, facts: Record<string, string | number | undefined>): string {
  const words = Object.entries(facts)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${quoteUdev(k, String(v), { path: true }).slice(1, -1)}`);
  return `# vfio-plat-${tag}: ${words.join(" ")}`;
}
