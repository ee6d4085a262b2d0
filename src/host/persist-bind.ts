// Persistent binds, the way driverctl keeps an override across reboots: a udev rule that, when the device appears
// ("add", which udev's coldplug replays for every device at boot), runs vfio-plat's own bind for it, with the driver
// it had before written beside the rule, so an unbind on a later boot still restores it. The command the rule runs
// and its comment lines are the caller's (the CLI's words); this module checks, writes and reads the file.
//
// Why RUN and not ATTR{driver_override}: the kernel sends "add" before it probes, but udev handles the event later, in
// user space; by then a built-in (or coldplug-loaded) native driver has already probed the device, and driver_override
// only counts at the next probe. The bind unbinds the native driver, probes VFIO, checks, waits for /dev/vfio/N,
// records the original driver and hands the node to the recorded owner again, as it does by hand. The VFIO driver is
// loaded first (udev's kmod builtin, before the RUN program): vfio-platform and vfio-amba have no ID table, so nothing
// autoloads them when they are modules, and a bind to a driver that is not there fails at every boot.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import type { HostDevice } from "./discovery.ts";
import type { Bus } from "./sysfs.ts";
import {
  checkRuleDeviceName,
  defaultUdevRulesDir,
  factsLine,
  listRuleFiles,
  quoteUdev,
  readRuleFile,
  removeRuleFile,
  ruleFacts,
  ruleFileName,
  UdevValueError,
  writeRuleFile,
} from "./udev-rules.ts";
import { BUSES } from "./sysfs.ts";

/** What a persistent bind records: the device, its VFIO driver, what it had before, and the owner to hand it to. */
export interface PersistentBind {
  bus: Bus;
  name: string;
  vfioDriver: string;
  /** The driver before the first bind (undefined: none). */
  originalDriver?: string;
  uid?: number;
  gid?: number;
  /** The bind was forced (a device the system uses): the boot-time bind must be too. */
  force?: boolean;
  /** The VFIO driver was named by the user (else the bus's VFIO driver is the bind's default). */
  driverGiven?: boolean;
}

const TAG = "persist";

/** What the caller puts in a rule: the command it runs (absolute program first) and its comment lines. */
export interface RuleWords {
  run: readonly string[];
  comments: readonly string[];
}

/** Comment lines, each prefixed "# ", refused when one would end the comment. @throws UdevValueError */
export function commentLines(comments: readonly string[]): string[] {
  return comments.map((c) => {
    if (/[\r\n]/.test(c)) throw new UdevValueError("comment", c, "it holds a line break");
    return `# ${c}`;
  });
}

/** The whole rule file for `p`, running `words.run`. @throws UdevValueError for a word udev would not pass as one argument */
export function persistRuleText(p: PersistentBind, words: RuleWords): string {
  const name = checkRuleDeviceName(p.name);
  if (words.run.length === 0 || !words.run[0]!.startsWith("/")) throw new UdevValueError("program path", words.run[0] ?? "", "it is not absolute");
  const run = words.run.map((w, i) => quoteUdev(i === 0 ? "program path" : "argument", w, { path: true }).slice(1, -1)).join(" ");
  const facts = factsLine(TAG, {
    bus: p.bus,
    device: name,
    "vfio-driver": p.vfioDriver,
    "original-driver": p.originalDriver ?? "none",
    uid: p.uid,
    gid: p.gid,
    force: p.force ? "yes" : undefined,
    "driver-given": p.driverGiven ? "yes" : undefined,
  });
  return [
    ...commentLines(words.comments),
    facts,
    `ACTION=="add", SUBSYSTEM==${quoteUdev("bus", p.bus)}, KERNEL==${quoteUdev("device name", name)}, RUN{builtin}+="kmod load ${quoteUdev("VFIO driver", p.vfioDriver).slice(1, -1)}", RUN+="${run}"`,
    "",
  ].join("\n");
}

/** Write (atomically) the rule of `p` into `dir`. @returns its path. @throws UdevValueError, the file system's error */
export function savePersistentBind(dir: string, p: PersistentBind, words: RuleWords): string {
  return writeRuleFile(dir, ruleFileName("bind", p.bus, p.name), persistRuleText(p, words));
}

/** A persistent bind read back from its rule file, with the file's path and the command its RUN holds. */
export interface SavedPersistentBind extends PersistentBind {
  path: string;
  run: string[];
}

/** The RUN+="..." program and arguments of a rule line (udev splits them on whitespace), or undefined. */
export function runOfRule(text: string): string[] | undefined {
  const m = /(?:^|[\s,])RUN\+?="([^"]*)"/m.exec(text);
  return m ? m[1]!.split(/\s+/).filter((w) => w !== "") : undefined;
}

function parse(dir: string, file: string, text: string): SavedPersistentBind | undefined {
  const f = ruleFacts(text, TAG);
  const run = runOfRule(text);
  if (!f || !run || !(BUSES as readonly string[]).includes(f.bus ?? "") || !f.device || !f["vfio-driver"]) return undefined;
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const uid = num(f.uid);
  const gid = num(f.gid);
  return {
    bus: f.bus as Bus,
    name: f.device,
    vfioDriver: f["vfio-driver"],
    ...(f["original-driver"] && f["original-driver"] !== "none" ? { originalDriver: f["original-driver"] } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ...(f.force === "yes" ? { force: true } : {}),
    ...(f["driver-given"] === "yes" ? { driverGiven: true } : {}),
    path: `${dir}/${file}`,
    run,
  };
}

/** The persistent bind of a device, or undefined when it has none (or its file is not one of ours). */
export function loadPersistentBind(dir: string, bus: Bus, name: string): SavedPersistentBind | undefined {
  let file: string;
  try {
    file = ruleFileName("bind", bus, name);
  } catch {
    return undefined; // a name no rule can hold has no rule
  }
  const text = readRuleFile(dir, file);
  return text === undefined ? undefined : parse(dir, file, text);
}

/** Remove the persistent bind of a device; false when it had none. @throws the file system's error (EACCES, EROFS) */
export function removePersistentBind(dir: string, bus: Bus, name: string): boolean {
  let file: string;
  try {
    file = ruleFileName("bind", bus, name);
  } catch {
    return false;
  }
  return removeRuleFile(dir, file);
}

/** Every persistent bind in `dir` (files that are not ours, or damaged, are skipped). */
export function listPersistentBinds(dir: string): SavedPersistentBind[] {
  const out: SavedPersistentBind[] = [];
  for (const file of listRuleFiles(dir, "bind")) {
    let text: string | undefined;
    try {
      text = readRuleFile(dir, file);
    } catch {
      continue;
    }
    const p = text === undefined ? undefined : parse(dir, file, text);
    if (p) out.push(p);
  }
  return out;
}

/** `bus-name` keys of the devices of `b` that have a persistent bind, for list's mark. */
export function persistentDeviceKeys(b: KernelBoundary, dir = defaultUdevRulesDir(b)): Set<string> {
  return new Set(listPersistentBinds(dir).map((p) => `${p.bus}-${p.name}`));
}

/** The persistent-bind record of a device just bound (the original driver it had, the owner asked for). */
export function persistentBindOf(dev: HostDevice, vfioDriver: string, previousDriver: string | undefined, extra: Omit<PersistentBind, "bus" | "name" | "vfioDriver" | "originalDriver">): PersistentBind {
  return {
    bus: dev.bus,
    name: dev.name,
    vfioDriver,
    ...(previousDriver !== undefined ? { originalDriver: previousDriver } : {}),
    ...extra,
  };
}
