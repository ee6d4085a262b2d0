// A tiny udev for the lab guest's /init, which has no udevd: what `udevadm trigger --action=add` makes udev do at
// boot, for the keys vfio-plat's rules use. Every platform/AMBA device's "add" is matched against the rules in the
// directory (their RUN{builtin} "kmod load" and RUN programs run in order); then each VFIO node's "add" (the group
// nodes of /sys/class/vfio and the cdevs of /sys/class/vfio-dev, which the binds just created) gets the OWNER, GROUP
// and MODE the rules assign. One line per action on stdout (the console). Usage: udev-coldplug.ts RULES_DIR
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { basename } from "node:path";
import { evaluateRules, type UdevEvent } from "../../../src/host/udev-match.ts";

const dir = process.argv[2] ?? "/etc/udev/rules.d";
const texts = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".rules")).sort().map((f) => readFileSync(`${dir}/${f}`, "utf8")) : [];
const exists = (p: string) => existsSync(p);
const say = (s: string) => console.log(`udev-coldplug: ${s}`);
const list = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);

for (const bus of ["platform", "amba"]) {
  for (const name of list(`/sys/bus/${bus}/devices`)) {
    const ev: UdevEvent = { action: "add", subsystem: bus, kernel: name, parents: [] };
    for (const r of evaluateRules(texts, ev, exists).run) {
      const words = r.command.split(/\s+/).filter((w) => w !== "");
      if (r.builtin) {
        if (words[0] !== "kmod" || words[1] !== "load") continue;
        for (const m of words.slice(2)) {
          const present = existsSync(`/sys/bus/${bus}/drivers/${m}`);
          const rc = present ? 0 : (Bun.spawnSync(["modprobe", "-q", m]).exitCode ?? -1);
          say(`${name}: kmod load ${m}: ${present ? "present" : `modprobe exit ${rc}`}`);
        }
        continue;
      }
      const p = Bun.spawnSync(words, { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }, stdout: "pipe", stderr: "pipe" });
      say(`${name}: RUN ${r.command}: exit ${p.exitCode}${p.exitCode === 0 ? "" : `: ${p.stderr.toString().trim()}`}`);
    }
  }
}

function applyNode(subsystem: string, kernel: string, parents: string[]): void {
  const o = evaluateRules(texts, { action: "add", subsystem, kernel, parents }, exists);
  const node = subsystem === "vfio" ? `/dev/vfio/${kernel}` : `/dev/vfio/devices/${kernel}`;
  if (!existsSync(node) || (o.owner === undefined && o.group === undefined && o.mode === undefined)) return;
  const st = statSync(node);
  // Our rules name owners by number (the guest has no /etc/passwd): a name here is an error, as udev would log.
  const id = (v: string | undefined, was: number) => (v === undefined ? was : /^\d+$/.test(v) ? Number(v) : NaN);
  const uid = id(o.owner, st.uid);
  const gid = id(o.group, st.gid);
  if (Number.isNaN(uid) || Number.isNaN(gid)) return say(`${node}: unknown user or group ${o.owner ?? ""} ${o.group ?? ""}`);
  chownSync(node, uid, gid);
  if (o.mode !== undefined) chmodSync(node, parseInt(o.mode, 8) & 0o777);
  say(`${node}: OWNER ${uid} GROUP ${gid} MODE ${o.mode ?? "unchanged"}`);
}

for (const k of list("/sys/class/vfio")) applyNode("vfio", k, []);
for (const k of list("/sys/class/vfio-dev")) {
  let parent: string[] = [];
  try {
    parent = [basename(readlinkSync(`/sys/class/vfio-dev/${k}/device`))];
  } catch {
    // no parent link: KERNELS sees only the node itself
  }
  applyNode("vfio-dev", k, parent);
}
