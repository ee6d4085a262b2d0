// `vfio-plat udev-rule DEVICE... --user U | --group G [--mode M] [--install | --remove | --apply]`: the udev rule that
// gives a user or group lasting access to the devices' VFIO nodes (host/udev-access.ts), printed, installed or
// removed; --apply does now what udev does when the device and its nodes appear, reading the installed rules' text:
// their RUN (bind --persist) and OWNER/GROUP/MODE (access) (for machines without udevd: an initramfs, a container).
import { join } from "node:path";
import { resolveGroup, resolveUser } from "../../host/account-ids.ts";
import { describeDevice, type HostDevice } from "../../host/discovery.ts";
import { accessRuleText, applyAccess, defaultAccessMode, installAccessRule, modeText, removeAccessRule, type AccessGrant, type NodeAccess } from "../../host/udev-access.ts";
import { evaluateRules } from "../../host/udev-match.ts";
import { defaultUdevRulesDir, ruleFileName, ruleTexts } from "../../host/udev-rules.ts";
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice } from "../device-session.ts";
import { checkpoint } from "../interrupt.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { UsageError } from "../usage-error.ts";
import { notationProblem } from "../parse/numbers.ts";
import { accessComments } from "../rule-words.ts";

type Options = OptionsOf<"udev-rule">;

/** --mode as permission bits: three octal digits, with or without a leading 0. @throws UsageError */
function parseMode(text: string): number {
  if (!/^0?[0-7]{3}$/.test(text)) {
    const why = notationProblem(text);
    throw new UsageError(`invalid --mode '${text}'${why ? `: ${why}` : ""}`, "give octal permission bits, e.g. --mode 0660");
  }
  return parseInt(text, 8);
}

/** The grant from --user/--group/--mode, names checked as bind --user/--group checks them. @throws UsageError, InvalidArgumentError */
function grantOf(o: Options): AccessGrant {
  if (o.user === undefined && o.group === undefined) {
    throw new UsageError("udev-rule needs --user or --group: whom the nodes are for", "e.g. vfio-plat udev-rule 9010000.pl031 --group vfio");
  }
  const who = {
    ...(o.user !== undefined ? { user: { spelled: o.user, id: resolveUser(o.user) } } : {}),
    ...(o.group !== undefined ? { group: { spelled: o.group, id: resolveGroup(o.group) } } : {}),
  };
  return { ...who, mode: o.mode !== undefined ? parseMode(o.mode) : defaultAccessMode(who) };
}

function nodeLine(n: NodeAccess): string {
  return `${n.path}: owner uid ${n.uid}, gid ${n.gid}, mode ${modeText(n.mode)}\n`;
}

/** Run a bind --persist rule's command as udev runs RUN (on the same board: the simulated one is passed on). */
function runRuleCommand(ctx: CliContext, run: string[]): { exit: number; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, ...(ctx.sim ? { VFIO_PLAT_SIM: "1", VFIO_PLAT_SIM_STATE: ctx.simStateDir } : {}) };
  const r = Bun.spawnSync(run, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { exit: r.exitCode ?? 128 + 9, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** udev's `kmod load M` builtin: nothing when the bus already has that driver (built in, loaded, or the simulated
 * board), else modprobe. */
function kmodLoad(ctx: CliContext, b: KernelBoundary, dev: HostDevice, module: string): { module: string; result: string } {
  if (b.fs.exists(`/sys/bus/${dev.bus}/drivers/${module}`)) return { module, result: "present" };
  if (ctx.sim) return { module, result: "absent (the simulated board loads no modules)" };
  const r = Bun.spawnSync(["modprobe", "-q", module], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { module, result: r.exitCode === 0 ? "loaded" : `modprobe exit ${r.exitCode ?? "killed"}` };
}

/** What udev does at the device's "add" and then its nodes' "add", from the rule files' text (host/udev-match.ts). */
async function apply(ctx: CliContext, b: KernelBoundary, dir: string, devs: HostDevice[]): Promise<number> {
  const out: Record<string, unknown>[] = [];
  const bindTexts = ruleTexts(dir, "bind");
  const accessTexts = ruleTexts(dir, "access");
  let failed = false;
  for (const dev of devs) {
    const runs = evaluateRules(bindTexts, { action: "add", subsystem: dev.bus, kernel: dev.name, parents: [] }, (p) => b.fs.exists(p)).run;
    const loaded: { module: string; result: string }[] = [];
    let ran: { command: string[]; exit: number; stdout: string; stderr: string } | undefined;
    for (const r of runs) {
      const words = r.command.split(/\s+/).filter((w) => w !== "");
      if (r.builtin) {
        if (words[0] === "kmod" && words[1] === "load") for (const m of words.slice(2)) loaded.push(kmodLoad(ctx, b, dev, m));
        continue;
      }
      ran = { command: words, ...runRuleCommand(ctx, words) };
      if (!ctx.json) {
        writeStdout(`${dev.name}: ran ${words.join(" ")}: exit ${ran.exit}\n${ran.stdout}`);
        writeStderr(ran.stderr);
      }
      failed ||= ran.exit !== 0;
    }
    const nodes = applyAccess(b, describeDevice(b, dev.bus, dev.name), accessTexts).filter((n) => n.matched);
    if (!ctx.json) {
      for (const n of nodes) writeStdout(nodeLine(n));
      if (runs.length === 0 && nodes.length === 0) writeStderr(`vfio-plat: notice: no vfio-plat udev rule in ${dir} matches ${dev.name} or its nodes: nothing to apply\n`);
    }
    out.push({ device: dev.name, loaded, ran: ran ?? null, nodes: nodes.map((n) => ({ path: n.path, uid: n.uid, gid: n.gid, mode: modeText(n.mode) })) });
    await checkpoint(ctx.abort.signal);
  }
  if (ctx.json) writeStdout(jsonDocument({ rules_dir: dir, applied: out }));
  if (failed) throw new Error("a bind --persist rule's command failed (its output is above)");
  return 0;
}

/** @throws UsageError (no --user/--group, a bad --mode, two actions), InvalidArgumentError (unknown user or group; a
 * name a rule cannot hold), the file system's error (EACCES installing into /etc/udev/rules.d) */
export async function run(ctx: CliContext, args: string[], options: Options): Promise<number> {
  const actions = (["install", "remove", "apply"] as const).filter((k) => options[k] === true);
  if (actions.length > 1) throw new UsageError(`--${actions[0]} and --${actions[1]} exclude each other`, "give one of --install, --remove, --apply");
  const action = actions[0] ?? "print";
  if (action === "remove" || action === "apply") {
    const extra = (["user", "group", "mode"] as const).find((k) => options[k] !== undefined);
    if (extra !== undefined) throw new UsageError(`--${action} takes no --${extra}: it works on the installed rule`, `drop --${extra}: vfio-plat udev-rule DEVICE --${action}`);
  }
  // Names first: a typo must not leave half of the rules written.
  const grant = action === "print" || action === "install" ? grantOf(options) : undefined;
  const devs: HostDevice[] = [];
  let b: KernelBoundary | undefined;
  for (const a of args) {
    const found = await findDevice(ctx, a);
    b = found.b;
    if (!devs.some((d) => d.bus === found.dev.bus && d.name === found.dev.name)) devs.push(found.dev);
  }
  const dir = defaultUdevRulesDir(b!);
  if (action === "apply") return apply(ctx, b!, dir, devs);
  if (action === "print") {
    const texts = devs.map((d) => accessRuleText(d, grant!, accessComments(d.name, grant!)));
    if (ctx.json) writeStdout(jsonDocument({ rules: devs.map((d, i) => ({ device: d.name, bus: d.bus, file: ruleFileName("access", d.bus, d.name), text: texts[i] })) }));
    else writeStdout(texts.join("\n"));
    return 0;
  }
  // Every text is built (and every name checked) before the first file is written.
  if (action === "install") devs.forEach((d) => accessRuleText(d, grant!, accessComments(d.name, grant!)));
  const done: Record<string, unknown>[] = [];
  for (const d of devs) {
    const path = join(dir, ruleFileName("access", d.bus, d.name));
    if (action === "install") {
      installAccessRule(dir, d, grant!, accessComments(d.name, grant!));
      if (!ctx.json) writeStdout(`${d.name}: installed ${path}\n`);
      done.push({ device: d.name, path });
    } else {
      const had = removeAccessRule(dir, d);
      if (!ctx.json) {
        if (had) writeStdout(`${d.name}: removed ${path}\n`);
        else writeStderr(`vfio-plat: notice: ${d.name} has no access rule in ${dir}: nothing to remove\n`);
      }
      done.push({ device: d.name, path: had ? path : null });
    }
    await checkpoint(ctx.abort.signal);
  }
  if (ctx.json) writeStdout(jsonDocument(action === "install" ? { installed: done } : { removed: done }));
  else if (action === "install") {
    writeStderr(`vfio-plat: notice: udev applies it when the nodes next appear (bind); for nodes that exist now: udevadm trigger, or vfio-plat udev-rule ${devs.map((d) => d.name).join(" ")} --apply\n`);
  }
  return 0;
}
