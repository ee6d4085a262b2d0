// bind --persist and unbind --persist on the simulated board: the rule file (beside the board's state), list's mark,
// a "reboot" (the binding undone, the rule applied as udev would), removal, and a --persist that cannot write its
// rule leaving the device as it was. udev-rule: the printed text, install/remove, and --apply's node ownership.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeDevice } from "../../src/host/discovery.ts";
import { loadBinding } from "../../src/host/bind-state.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { MAIN, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const RULE = "90-vfio-plat-bind-amba-9010000.pl031.rules";
const state = tempSimState("vfio-plat-persist-");
const env = simEnv(state.dir);
const rulesDir = join(state.dir, "udev", "rules.d");
afterAll(() => state.dispose());

async function pl031(dir = state.dir) {
  const b = await openBoundary({ sim: true, simStateDir: dir });
  try {
    const d = describeDevice(b, "amba", PL031);
    return { driver: d.driver ?? null, override: d.override ?? null };
  } finally {
    b.dispose();
  }
}

describe("bind --persist on the simulated board", () => {
  test("binds, and writes the rule that runs this bind (absolute bun and script) when the device appears", async () => {
    const r = runCli(["bind", PL031, "--persist", "--group", "0"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${PL031}: bound again at boot by ${join(rulesDir, RULE)}\n`);
    const text = readFileSync(join(rulesDir, RULE), "utf8");
    expect(text.split("\n").slice(3)).toEqual([
      "# vfio-plat-persist: bus=amba device=9010000.pl031 vfio-driver=vfio-amba original-driver=rtc-pl031 gid=0",
      `ACTION=="add", SUBSYSTEM=="amba", KERNEL=="9010000.pl031", RUN{builtin}+="kmod load vfio-amba", RUN+="${process.execPath} ${MAIN} bind 9010000.pl031 --group 0"`,
      "",
    ]);
    expect((await pl031()).driver).toBe("vfio-amba");
  });
  test("list marks it: [p] in the driver cell and a legend, persistent in --json", () => {
    const t = runCli(["list", PL031], { env });
    expect(t.stdout).toMatch(/^9010000\.pl031\s+amba\s+vfio-amba( \[\*\])? \[p\]/m);
    expect(t.stdout).toContain("[p] bound again at boot (bind --persist)\n");
    const j = JSON.parse(runCli(["list", "--json"], { env }).stdout) as { devices: { name: string; persistent: boolean }[] };
    expect(j.devices.filter((d) => d.persistent).map((d) => d.name)).toEqual([PL031]);
  });
  test("a reboot: the binding gone (unbind without --persist keeps the rule), then the rule applied as udev would", async () => {
    expect(runCli(["unbind", PL031], { env }).code).toBe(0);
    expect(existsSync(join(rulesDir, RULE))).toBe(true);
    expect((await pl031()).driver).toBe("rtc-pl031");
    const a = runCli(["udev-rule", PL031, "--apply", "--json"], { env });
    expect(a.code).toBe(0);
    const applied = JSON.parse(a.stdout) as { applied: { device: string; ran: { exit: number; command: string[] } }[] };
    expect(applied.applied[0]!.ran.exit).toBe(0);
    expect(applied.applied[0]!.ran.command).toEqual([process.execPath, MAIN, "bind", PL031, "--group", "0"]);
    expect((await pl031()).driver).toBe("vfio-amba");
  });
  test("unbind --persist after the bind record was lost restores the rule's original driver and removes the rule", async () => {
    rmSync(join(state.dir, "host", "bindings"), { recursive: true, force: true }); // /run is empty after a reboot
    const r = runCli(["unbind", PL031, "--persist", "--json"], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: "unbound", driver: "rtc-pl031", persistent_rule_removed: join(rulesDir, RULE) });
    expect(existsSync(join(rulesDir, RULE))).toBe(false);
    expect(loadBinding(join(state.dir, "host"), "amba", PL031)).toBeUndefined();
    expect(await pl031()).toEqual({ driver: "rtc-pl031", override: null });
  });
  test("unbind --persist without a rule: a notice, exit 0", () => {
    const r = runCli(["unbind", PL031, "--persist"], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${PL031} has no persistent bind`);
  });
});

describe("a --persist that cannot write its rule leaves the device as it was", () => {
  test("rules directory under a file: refused before the device is touched", async () => {
    const r = runCli(["--trace", "bind", PL031, "--persist"], { env: { ...env, VFIO_PLAT_UDEV_RULES_DIR: "/dev/null/rules.d" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("udev rules directory /dev/null/rules.d is not writable, so --persist cannot record the bind: access /dev/null: Not a directory (ENOTDIR)");
    expect(r.stderr).not.toContain("writeFile("); // no sysfs write at all: not bound and undone, never bound
    expect(r.stdout).toBe("");
    expect(await pl031()).toEqual({ driver: "rtc-pl031", override: null });
  });
  test("the write fails after the bind (a directory where the file goes): the bind is undone", async () => {
    const other = tempSimState("vfio-plat-persist-fail-");
    try {
      const rules = join(other.dir, "rules");
      mkdirSync(join(rules, RULE, "in-the-way"), { recursive: true });
      const r = runCli(["bind", PL031, "--persist"], { env: simEnv(other.dir, { VFIO_PLAT_UDEV_RULES_DIR: rules }) });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("is not writable, so --persist cannot record the bind");
      expect(await pl031(other.dir)).toEqual({ driver: "rtc-pl031", override: null });
      expect(readdirSync(rules)).toEqual([RULE]);
    } finally {
      other.dispose();
    }
  });
  test.skipIf(process.getuid?.() === 0)("a read-only rules directory (not root): EACCES, exit 4, nothing touched (skipped as root: root writes anyway)", async () => {
    const ro = join(state.dir, "ro-rules");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const r = runCli(["bind", PL031, "--persist"], { env: { ...env, VFIO_PLAT_UDEV_RULES_DIR: ro } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("EACCES");
    expect((await pl031()).driver).toBe("rtc-pl031");
  });
});

describe("udev-rule", () => {
  test("prints the access rule text (exactly) for each device", () => {
    const r = runCli(["udev-rule", PL031, "--group", "0", "--mode", "640"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "# vfio-plat udev-rule: the VFIO nodes of 9010000.pl031 for group 0, mode 0640.",
        "# vfio-plat-access: bus=amba device=9010000.pl031 gid=0 mode=0640",
        "# /dev/vfio/N or /dev/vfio/noiommu-N: the node of the IOMMU group that holds the device, whatever its number.",
        'SUBSYSTEM=="vfio", KERNEL=="[0-9]*", TEST=="/sys/kernel/iommu_groups/%k/devices/9010000.pl031", GROUP="0", MODE="0640"',
        'SUBSYSTEM=="vfio", KERNEL=="noiommu-[0-9]*", TEST=="/sys/kernel/iommu_groups/%n/devices/9010000.pl031", GROUP="0", MODE="0640"',
        "# /dev/vfio/devices/vfioX, the iommufd cdev: a child of the device.",
        'SUBSYSTEM=="vfio-dev", KERNELS=="9010000.pl031", GROUP="0", MODE="0640"',
        "",
      ].join("\n"),
    );
    expect(existsSync(join(rulesDir, "90-vfio-plat-access-amba-9010000.pl031.rules"))).toBe(false);
  });
  test("--install writes it, --apply sets owner and mode on the bound device's nodes, --remove removes only it", async () => {
    expect(runCli(["bind", PL031], { env }).code).toBe(0);
    const i = runCli(["udev-rule", PL031, "--user", "0", "--mode", "0604", "--install"], { env });
    expect(i.code).toBe(0);
    const file = join(rulesDir, "90-vfio-plat-access-amba-9010000.pl031.rules");
    expect(i.stdout).toBe(`${PL031}: installed ${file}\n`);
    const a = runCli(["udev-rule", PL031, "--apply", "--json"], { env });
    expect(a.code).toBe(0);
    const nodes = (JSON.parse(a.stdout) as { applied: { ran: unknown; nodes: { path: string; uid: number; mode: string }[] }[] }).applied[0]!;
    expect(nodes.ran).toBeNull();
    expect(nodes.nodes.map((n) => n.path)).toEqual(["/dev/vfio/1", "/dev/vfio/devices/vfio0"]);
    expect(nodes.nodes.every((n) => n.mode === "0604" && n.uid === 0)).toBe(true);
    const b = await openBoundary({ sim: true, simStateDir: state.dir });
    try {
      expect(b.fs.stat("/dev/vfio/1").mode & 0o777).toBe(0o604);
    } finally {
      b.dispose();
    }
    const rm = runCli(["udev-rule", PL031, "--remove"], { env });
    expect(rm.stdout).toBe(`${PL031}: removed ${file}\n`);
    expect(existsSync(file)).toBe(false);
    expect(runCli(["unbind", PL031], { env }).code).toBe(0);
  });
  test("--apply acts on the rule's text: a rule edited to match through %n (empty for /dev/vfio/1) leaves the group node alone", async () => {
    expect(runCli(["bind", PL031], { env }).code).toBe(0);
    const file = join(rulesDir, "90-vfio-plat-access-amba-9010000.pl031.rules");
    try {
      expect(runCli(["udev-rule", PL031, "--user", "0", "--mode", "0602", "--install"], { env }).code).toBe(0);
      const text = readFileSync(file, "utf8");
      writeFileSync(file, text.replace('KERNEL=="[0-9]*", TEST=="/sys/kernel/iommu_groups/%k/', 'KERNEL=="[0-9]*", TEST=="/sys/kernel/iommu_groups/%n/'));
      const a = runCli(["udev-rule", PL031, "--apply", "--json"], { env });
      expect(a.code).toBe(0);
      const applied = (JSON.parse(a.stdout) as { applied: { nodes: { path: string; mode: string }[] }[] }).applied[0]!;
      expect(applied.nodes).toEqual([expect.objectContaining({ path: "/dev/vfio/devices/vfio0", mode: "0602" })]);
      const b = await openBoundary({ sim: true, simStateDir: state.dir });
      try {
        expect(b.fs.stat("/dev/vfio/1").mode & 0o777).not.toBe(0o602);
      } finally {
        b.dispose();
      }
      writeFileSync(file, text); // as written: both nodes
      const again = JSON.parse(runCli(["udev-rule", PL031, "--apply", "--json"], { env }).stdout) as { applied: { nodes: { path: string; mode: string }[] }[] };
      expect(again.applied[0]!.nodes.map((n) => `${n.path} ${n.mode}`)).toEqual(["/dev/vfio/1 0602", "/dev/vfio/devices/vfio0 0602"]);
    } finally {
      rmSync(file, { force: true });
      runCli(["unbind", PL031], { env });
    }
  });
});
