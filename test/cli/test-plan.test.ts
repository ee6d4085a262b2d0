// `vfio-plat test PLAN` end to end on the simulated board: examples/plans/virt.yaml passes with TAP and JUnit read by
// real parsers (JUnit valid against the XSD); a wrong expectation exits 8 naming the step, expected and actual; a
// failed step skips its device's later steps (unless continue: true) and a hung one is killed at its timeout, and
// unbind gives every device back; a device already on VFIO stays there; --list and --only choose cases.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";
import { parseJunit, parseTap, validateJunit } from "../helpers/plan-reports.ts";
import { drivers, planDir } from "../helpers/plans.ts";

const VIRT_PLAN = join(REPO, "examples/plans/virt.yaml");
let state: { dir: string; dispose: () => void };
let plans: ReturnType<typeof planDir>;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, { env });

beforeAll(() => {
  state = tempSimState("vfio-plat-test-plan-");
  plans = planDir();
  env = simEnv(state.dir);
});
afterAll(() => {
  state.dispose();
  plans.dispose();
});

/** JSON Lines records of a --json run. */
function records(stdout: string): any[] {
  return stdout.trim().split("\n").map((l) => JSON.parse(l));
}

describe("examples/plans/virt.yaml on the simulated virt", () => {
  test("passes: TAP 13 with every case ok, JUnit valid against the XSD, every device back on its driver", async () => {
    const before = drivers(env);
    const junit = join(plans.dir, "virt.xml");
    const r = cli("test", VIRT_PLAN, "--tap", "--junit", junit);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const tap = await parseTap(r.stdout);
    expect(tap.version).toBe(13);
    expect(tap.final.ok).toBe(true);
    const ids = cli("test", VIRT_PLAN, "--list").stdout.trim().split("\n");
    expect(tap.points.map((p) => p.name)).toEqual(ids);
    expect(ids).toContain("rtc/alarm");
    expect(ids).toContain("dma/my-program");
    expect(tap.final.pass).toBe(ids.length);
    const xml = readFileSync(junit, "utf8");
    expect(await validateJunit(xml)).toEqual({ valid: true, errors: [] });
    const doc = parseJunit(xml);
    expect(doc.testsuites.name).toBe("virt-smoke");
    expect(doc.testsuites.tests).toBe(String(ids.length));
    expect(doc.testsuites.failures).toBe("0");
    expect(doc.testsuites.testsuite.map((s: { name: string }) => s.name)).toEqual(["rtc", "virtio0", "dma"]);
    expect(drivers(env)).toEqual(before);
  }, 60_000);

  test("a copy with one wrong expectation exits 8 and names the step, the expected and the actual value", () => {
    const wrong = plans.write("virt-wrong.yaml", readFileSync(VIRT_PLAN, "utf8").replace("RTCPeriphID0: 0x31", "RTCPeriphID0: 0x32").replace("../pl330/copy.s", join(REPO, "examples/pl330/copy.s")));
    const before = drivers(env);
    const r = cli("test", wrong);
    expect(r.code).toBe(8);
    const line = r.stdout.split("\n").find((l) => l.startsWith("FAIL"))!;
    expect(line).toContain("rtc/identify");
    expect(line).toContain("expected 0x00000032, read 0x00000031");
    expect(line).toContain("RTCPeriphID0");
    // The device's later steps are skipped saying why; its unbind still runs; the other devices run.
    expect(r.stdout).toMatch(/^skip rtc\/alarm: not run: rtc\/identify failed$/m);
    expect(r.stdout).toMatch(/^ok {3}rtc\/unbind /m);
    expect(r.stdout).toMatch(/^ok {3}dma\/copy /m);
    expect(drivers(env)).toEqual(before);
    const j = records(cli("test", wrong, "--json", "--only", "rtc/identify").stdout);
    const c = j.find((x) => x.type === "case" && x.id === "rtc/identify");
    expect(c).toMatchObject({ status: "fail", kind: "expect", exitCode: 8, expected: "0x00000032", actual: "0x00000031", device: "9010000.pl031" });
    expect(j.at(-1)).toMatchObject({ type: "end", exitCode: 8 });
  }, 60_000);
});

describe("failures, timeouts and continue", () => {
  test("continue: true runs on after a failure; a missing interrupt fails at the step timeout; a hung step is killed at its timeout and the rest skipped; unbind runs", () => {
    const p = plans.write(
      "hang.yaml",
      [
        "plan: hang",
        "devices:",
        "  - device: 9010000.pl031",
        "    id: rtc",
        "    steps:",
        "      - { id: wrong, expect: { RTCCR.RTC_START: 0 }, continue: true }",
        "      - { id: late, poll: { register: RTCCR.RTC_START, value: 0, interval: 5ms }, timeout: 50ms, continue: true }",
        "      - { id: noirq, irq: { index: 0 }, timeout: 700ms, continue: true }",
        "      - { id: hang, run: { lines: [\"irq arm 0\", \"irq wait 0\"] }, timeout: 700ms }",
        "      - { id: after, expect: { RTCCR.RTC_START: 1 } }",
      ].join("\n"),
    );
    const before = drivers(env);
    const r = cli("test", p, "--json");
    expect(r.code).toBe(8);
    const cases = records(r.stdout).filter((x) => x.type === "case");
    const by = (id: string) => cases.find((c) => c.id === id);
    expect(cases.map((c) => c.id)).toEqual(["rtc/bind", "rtc/wrong", "rtc/late", "rtc/noirq", "rtc/hang", "rtc/after", "rtc/unbind"]);
    expect(by("rtc/wrong")).toMatchObject({ status: "fail", expected: "0x0", actual: "0x1" });
    // poll's own timeout is a failed check (exit 7), with its last value.
    expect(by("rtc/late")).toMatchObject({ status: "fail", exitCode: 7, expected: "0x0", actual: "0x1" });
    // irq times itself out at the step's timeout: a missing interrupt is irq's failed check (exit 7), not a kill.
    expect(by("rtc/noirq")).toMatchObject({ status: "fail", exitCode: 7 });
    expect(by("rtc/noirq").message).toContain("no interrupt 0 on 9010000.pl031 within 700 ms");
    expect(by("rtc/hang")).toMatchObject({ status: "error", message: "timed out after 700 ms; the device has no reset function" });
    expect(by("rtc/after")).toMatchObject({ status: "skip", message: "not run: rtc/hang errored" });
    expect(by("rtc/unbind")).toMatchObject({ status: "pass" });
    expect(drivers(env)).toEqual(before);
  }, 60_000);

  test("a step of several registers is one command: the register that fails is named (no script line), with expected and actual", () => {
    const p = plans.write(
      "multi.yaml",
      [
        "plan: multi",
        "devices:",
        "  - device: 9010000.pl031",
        "    id: rtc",
        "    steps:",
        "      - { id: set, write: { RTCLR: 0x1000, RTCIMSC.RTCIMSC: 0 } }",
        "      - { id: ids, expect: { RTCPeriphID0: 0x31, RTCIMSC: 0, \"0:0xfe4\": 0x11 }, continue: true }",
        "      - { id: named, expect: { RTCPeriphID0: 0x31, NOSUCH: 1 } }",
      ].join("\n"),
    );
    const before = drivers(env);
    const r = cli("test", p, "--json");
    expect(r.code).toBe(8);
    const cases = records(r.stdout).filter((x) => x.type === "case");
    const by = (id: string) => cases.find((c) => c.id === id);
    expect(by("rtc/set")).toMatchObject({ status: "pass", kind: "write" });
    expect(by("rtc/ids")).toMatchObject({ status: "fail", kind: "expect", exitCode: 8, message: "0:0x00000fe4.l", expected: "0x00000011", actual: "0x00000010" });
    // Every register of the step was read in the one session, in the plan's order, up to the one that failed.
    expect(by("rtc/ids").stdout.split("\n").filter((l: string) => l.includes('"type":"expect"')).map((l: string) => JSON.parse(l).register ?? JSON.parse(l).offset)).toEqual(["RTCPeriphID0", "RTCIMSC"]);
    expect(by("rtc/named")).toMatchObject({ status: "error", exitCode: 2 });
    expect(by("rtc/named").message).toStartWith("map pl031 has no register 'NOSUCH'");
    expect(drivers(env)).toEqual(before);
  }, 60_000);

  test("a device already on VFIO stays bound after the plan; bind: false binds nothing", () => {
    expect(cli("bind", "9010000.pl031").code).toBe(0);
    const p = plans.write(
      "already.yaml",
      [
        "plan: already",
        "devices:",
        "  - { device: 9010000.pl031, id: rtc, steps: [{ id: runs, expect: { RTCCR.RTC_START: 1 } }] }",
        "  - { device: 9010000.pl031, id: again, bind: false, steps: [{ id: runs, expect: { RTCCR.RTC_START: 1 } }] }",
      ].join("\n"),
    );
    const r = cli("test", p, "--json");
    expect(r.code).toBe(0);
    const cases = records(r.stdout).filter((x) => x.type === "case");
    expect(cases.map((c) => c.id)).toEqual(["rtc/bind", "rtc/runs", "rtc/unbind", "again/runs"]);
    expect(cases[0].message).toContain("already bound to vfio-amba");
    expect(drivers(env)["9010000.pl031"]!.driver).toBe("vfio-amba");
    expect(cli("unbind", "9010000.pl031").code).toBe(0);
  }, 60_000);

  test("a device given by sysfs path: its id is its name, so the JUnit suite and classname are valid and named", async () => {
    const p = plans.write("by-path.yaml", ["plan: by-path", "devices:", "  - device: /sys/bus/amba/devices/9010000.pl031", "    steps: [{ id: identify, expect: { RTCPeriphID0: 0x31 } }]"].join("\n"));
    const junit = join(plans.dir, "by-path.xml");
    const r = cli("test", p, "--json", "--junit", junit);
    expect(r.code).toBe(0);
    expect(records(r.stdout).filter((x) => x.type === "case").map((c) => c.id)).toEqual(["9010000.pl031/bind", "9010000.pl031/identify", "9010000.pl031/unbind"]);
    const xml = readFileSync(junit, "utf8");
    expect(await validateJunit(xml)).toEqual({ valid: true, errors: [] });
    const suite = parseJunit(xml).testsuites.testsuite[0];
    expect(suite.name).toBe("9010000.pl031");
    expect(suite.testcase.map((tc: any) => `${tc.classname} ${tc.name}`)).toEqual(["by-path.9010000.pl031 bind", "by-path.9010000.pl031 identify", "by-path.9010000.pl031 unbind"]);
  }, 60_000);

  test("an unknown device is exit 3 before anything runs (no device is bound)", () => {
    const p = plans.write(
      "unknown.yaml",
      ["plan: unknown", "devices:", "  - { device: 9010000.pl031, steps: [] }", "  - { device: 9999.nosuch, steps: [] }"].join("\n"),
    );
    const before = drivers(env);
    const r = cli("test", p);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("9999.nosuch");
    expect(drivers(env)).toEqual(before);
  }, 60_000);
});

describe("the plan's board under --sim", () => {
  test("a state holding another board is refused before anything runs, naming both boards and the fix; the board run is reported", () => {
    const own = tempSimState("vfio-plat-test-plan-board-");
    try {
      const e = simEnv(own.dir);
      const noiommu = runCli(["test", join(REPO, "examples/plans/virt-noiommu.yaml"), "--only", "rtc/identify", "--json"], { env: e });
      expect(noiommu.code).toBe(0);
      expect(records(noiommu.stdout)[0]).toMatchObject({ type: "begin", board: "virt-noiommu" });
      const before = drivers(e);
      const r = runCli(["test", VIRT_PLAN, "--only", "rtc/identify"], { env: e });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("written for board virt, but the simulated state");
      expect(r.stderr).toContain("holds board virt-noiommu");
      expect(r.stderr).toContain("--sim-board virt sim-reset");
      expect(drivers(e)).toEqual(before);
      // A plan that names no board reports the board it ran on.
      const p = plans.write("no-board.yaml", ["plan: no-board", "devices:", "  - device: 9010000.pl031", "    bind: false", "    steps: []"].join("\n"));
      expect(records(runCli(["test", p, "--json"], { env: e }).stdout)[0]).toMatchObject({ type: "begin", board: "virt-noiommu" });
    } finally {
      own.dispose();
    }
  }, 60_000);
});

describe("global options reach the steps", () => {
  test("--trace: each step's trace lands in its case's stderr", () => {
    const r = runCli(["--trace", "test", VIRT_PLAN, "--only", "rtc/identify", "--json"], { env });
    expect(r.code).toBe(0);
    const identify = records(r.stdout).find((x) => x.id === "rtc/identify");
    expect(identify.status).toBe("pass");
    expect(identify.stderr).toMatch(/^trace: /m);
  }, 60_000);
});

describe("a reader that stops early", () => {
  test("| head -1: the plan stops, every device it bound is given back, the JUnit file still has every case; exit 1, not 0", () => {
    const before = drivers(env);
    const junit = join(plans.dir, "head.xml");
    const r = Bun.spawnSync(["bash", "-c", `"$0" "$1" test "$2" --junit "$3" | head -1; echo "status=\${PIPESTATUS[0]}"`, process.execPath, join(REPO, "src/cli/main.ts"), VIRT_PLAN, junit], {
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = r.stdout.toString();
    // Cases were lost to the reader leaving: the plan did not pass, whatever ran passed (docs/plans.md, exit 1).
    expect(out).toMatch(/^ok {3}rtc\/bind .*\nstatus=1\n$/);
    expect(r.stderr.toString()).toMatch(/^vfio-plat: cannot write standard output.*\(EPIPE\).*the report's reader left before the plan ended: \d+ of \d+ cases were not run/);
    expect(drivers(env)).toEqual(before);
    const doc = parseJunit(readFileSync(junit, "utf8"));
    const ids = cli("test", VIRT_PLAN, "--list").stdout.trim().split("\n");
    expect(doc.testsuites.tests).toBe(String(ids.length));
    expect(Number(doc.testsuites.skipped)).toBeGreaterThan(0);
  }, 60_000);
});

describe("choosing cases", () => {
  test("--list prints the case ids and touches nothing; --only runs the chosen steps with their device's bind and unbind", () => {
    const before = drivers(env);
    const list = cli("test", VIRT_PLAN, "--list", "--only", "*/identify");
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split("\n")).toEqual(["rtc/bind", "rtc/identify", "rtc/unbind", "virtio0/bind", "virtio0/identify", "virtio0/unbind", "dma/bind", "dma/identify", "dma/unbind"]);
    // Choosing only a bind (or unbind) chooses none of the device's steps.
    expect(cli("test", VIRT_PLAN, "--list", "--only", "rtc/bind").stdout.trim().split("\n")).toEqual(["rtc/bind", "rtc/unbind"]);
    expect(cli("test", VIRT_PLAN, "--list", "--only", "*/unbind").stdout.trim().split("\n")).toEqual(["rtc/bind", "rtc/unbind", "virtio0/bind", "virtio0/unbind", "dma/bind", "dma/unbind"]);
    expect(drivers(env)).toEqual(before);
    const r = cli("test", VIRT_PLAN, "--json", "--only", "virtio0/*");
    expect(r.code).toBe(0);
    expect(records(r.stdout).filter((x) => x.type === "case").map((c) => c.id)).toEqual(["virtio0/bind", "virtio0/identify", "virtio0/unbind"]);
    const both = cli("test", VIRT_PLAN, "--tap", "--json");
    expect(both.code).toBe(2);
    expect(JSON.parse(both.stderr).error.message).toContain("--tap and --json both given");
    const none = cli("test", VIRT_PLAN, "--only", "nothing/*");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--only 'nothing/*' matches no case");
  }, 60_000);
});

describe("two plan devices in one IOMMU group", () => {
  test("refused before anything runs, naming both and the fix; bound first and given bind: false, the plan passes", () => {
    const shared = tempSimState("vfio-plat-plan-group-");
    try {
      const genv = simEnv(shared.dir, { VFIO_PLAT_SIM_BOARD: join(REPO, "test/fixtures/plans/shared-group.json") });
      const plan = join(REPO, "test/fixtures/plans/shared-group.yaml");
      const before = drivers(genv);
      const r = runCli(["test", plan], { env: genv });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("9010000.pl031 and 1c0f0000.status share IOMMU group 1");
      expect(r.stderr).toContain("bind: false");
      expect(drivers(genv)).toEqual(before);
      // The fix the message gives: bind the group, then the plan uses the devices as they are.
      for (const d of ["9010000.pl031", "1c0f0000.status"]) expect(runCli(["bind", d], { env: genv }).code).toBe(0);
      const fixed = plans.write("shared-fixed.yaml", readFileSync(plan, "utf8").replace(/^(\s+id: (rtc|status))$/gm, "$1\n    bind: false"));
      const ok = runCli(["test", fixed, "--json"], { env: genv });
      expect(records(ok.stdout).filter((x) => x.type === "case").map((c) => [c.id, c.status])).toEqual([["rtc/identify", "pass"], ["status/identify", "pass"]]);
      expect(ok.code).toBe(0);
    } finally {
      shared.dispose();
    }
  }, 60_000);
});
