// bind --persist as one transaction on the simulated board: every rule is built (names, program path) and the rules
// directory checked before any device is touched; a rule write that fails after `bind A B --persist` bound both puts
// both back and takes back every rule this command wrote; the refusals run as root too (VFIO_PLAT_TEST_RULES_FAULT).
// unbind --json always carries persistent_rule_removed.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeDevice } from "../../src/host/discovery.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const VIRTIO = "a000000.virtio_mmio";
const states: { dispose: () => void }[] = [];
afterAll(() => states.forEach((s) => s.dispose()));

function board() {
  const s = tempSimState("vfio-plat-persist-tx-");
  states.push(s);
  return { dir: s.dir, env: simEnv(s.dir), rules: join(s.dir, "udev", "rules.d") };
}

async function drivers(dir: string): Promise<Record<string, string | null>> {
  const b = await openBoundary({ sim: true, simStateDir: dir });
  try {
    return { [PL031]: describeDevice(b, "amba", PL031).driver ?? null, [VIRTIO]: describeDevice(b, "platform", VIRTIO).driver ?? null };
  } finally {
    b.dispose();
  }
}
const NATIVE = { [PL031]: "rtc-pl031", [VIRTIO]: null }; // the simulated board's virtio-mmio has no native driver
const rulesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".rules")).sort() : []);

describe("bind --persist checks every rule before any device is touched", () => {
  test("a program path udev would split (this vfio-plat run from a directory with a space): refused, nothing bound", async () => {
    const { dir, env, rules } = board();
    const parent = mkdtempSync(join(tmpdir(), "vfio-plat persist "));
    try {
      // A script in that directory that runs vfio-plat's main: Bun.main (the rule's program path) holds the space.
      const script = join(parent, "vfio-plat.ts");
      writeFileSync(script, `import { main } from ${JSON.stringify(join(REPO, "src/cli/main.ts"))};\nprocess.exit(await main(process.argv.slice(2)));\n`);
      const r = Bun.spawnSync([process.execPath, script, "--trace", "bind", PL031, VIRTIO, "--persist"], {
        cwd: REPO,
        env,
        stdout: "pipe",
        stderr: "pipe",
      });
      const stderr = r.stderr.toString();
      expect(r.exitCode).toBe(2);
      expect(stderr).toContain(`argument ${JSON.stringify(script)} cannot go into a udev rule: it holds " "`);
      expect(stderr).not.toContain("writeFile("); // no sysfs write: never bound, rather than bound and undone
      expect(await drivers(dir)).toEqual(NATIVE);
      expect(rulesIn(rules)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
  test("a rules directory the user cannot write (EACCES injected: CI runs as root): exit 4, nothing touched", async () => {
    const { dir, env, rules } = board();
    const r = runCli(["--trace", "bind", PL031, "--persist"], { env: { ...env, VFIO_PLAT_TEST_RULES_FAULT: "access:EACCES" } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("is not writable, so --persist cannot record the bind");
    expect(r.stderr).toContain("EACCES");
    expect(r.stderr).not.toContain("writeFile(");
    expect(await drivers(dir)).toEqual(NATIVE);
    expect(rulesIn(rules)).toEqual([]);
  });
});

describe("a rule write that fails after the batch is bound leaves every device where it was", () => {
  test("bind A B --persist, the second rule's write fails: both back on their drivers, the first rule taken back", async () => {
    const { dir, env, rules } = board();
    const r = runCli(["bind", PL031, VIRTIO, "--persist"], { env: { ...env, VFIO_PLAT_TEST_RULES_FAULT: "write:EACCES:2" } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("EACCES");
    expect(await drivers(dir)).toEqual(NATIVE);
    expect(rulesIn(rules)).toEqual([]);
  });
  test("a rule that was there before the failed command keeps its old text", async () => {
    const { dir, env, rules } = board();
    expect(runCli(["bind", PL031, "--persist", "--group", "0"], { env }).code).toBe(0);
    expect(runCli(["unbind", PL031], { env }).code).toBe(0); // a "reboot": the rule stays
    const file = join(rules, `90-vfio-plat-bind-amba-${PL031}.rules`);
    const before = readFileSync(file, "utf8");
    const r = runCli(["bind", PL031, VIRTIO, "--persist"], { env: { ...env, VFIO_PLAT_TEST_RULES_FAULT: "write:EACCES:2" } });
    expect(r.code).toBe(4);
    expect(await drivers(dir)).toEqual(NATIVE);
    expect(rulesIn(rules)).toEqual([`90-vfio-plat-bind-amba-${PL031}.rules`]);
    expect(readFileSync(file, "utf8")).toBe(before);
  });
});

describe("unbind --json: persistent_rule_removed is always there", () => {
  test("null without --persist, for one device and for several", () => {
    const { env } = board();
    expect(runCli(["bind", PL031, VIRTIO], { env }).code).toBe(0);
    const several = JSON.parse(runCli(["unbind", PL031, VIRTIO, "--json"], { env }).stdout) as { devices: Record<string, unknown>[] };
    expect(several.devices.map((d) => d.persistent_rule_removed)).toEqual([null, null]);
    const one = JSON.parse(runCli(["unbind", PL031, "--json"], { env }).stdout) as Record<string, unknown>;
    expect(one).toHaveProperty("persistent_rule_removed", null);
  });
});
