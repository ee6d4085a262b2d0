// LAVA: examples/lava/tap-to-lava.sh turns a real TAP report from the TAP reporter into lava-test-case/lava-test-set
// calls (recorded by fakes on PATH), run-plan.sh wraps `vfio-plat test --tap` around it, and the test definition and
// the sample job validate with LAVA's own schema code (lava_common, Debian's lava-common, through /usr/bin/python3).
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { tapReporter } from "../../src/cli/test-plan/report/tap.ts";
import type { PlanResult } from "../../src/cli/test-plan/result.ts";
import { REPO } from "../helpers/cli.ts";
import { allPass, drive, interrupted, mixed } from "../helpers/plan-results.ts";

const LAVA = join(REPO, "examples/lava");
const work = mkdtempSync(join(tmpdir(), "vfio-plat-lava-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Fakes of LAVA's test-shell helpers: each records its arguments, one call a line.
const bin = join(work, "bin");
const log = join(work, "calls.log");
spawnSync("mkdir", ["-p", bin]);
for (const name of ["lava-test-case", "lava-test-set"]) {
  writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" | sed 's/ *$//' >> "$LAVA_CALLS"\n`);
  chmodSync(join(bin, name), 0o755);
}

// A DUT's shell: busybox's sh and awk (and the few tools the scripts call) first on PATH, when busybox is here.
const BUSYBOX = Bun.which("busybox");
const busyboxBin = join(work, "busybox-bin");
if (BUSYBOX) {
  spawnSync("mkdir", ["-p", busyboxBin]);
  for (const applet of ["sh", "awk", "sed", "cat", "tee", "mkdir", "mktemp", "dirname"]) spawnSync("ln", ["-sf", BUSYBOX, join(busyboxBin, applet)]);
}

type Shell = "dash" | "busybox";

function run(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; shell?: Shell } = {},
): { code: number; stdout: string; stderr: string; calls: string[] } {
  writeFileSync(log, "");
  const busybox = opts.shell === "busybox";
  const path = busybox ? `${bin}:${busyboxBin}:${process.env.PATH}` : `${bin}:${process.env.PATH}`;
  const r = spawnSync(busybox ? join(busyboxBin, "sh") : "/bin/sh", args, {
    input: opts.stdin,
    encoding: "utf8",
    env: { PATH: path, LAVA_CALLS: log, ...opts.env },
  });
  const calls = readFileSync(log, "utf8").split("\n").filter((l) => l !== "");
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, calls };
}

/** The documented name mapping: "/" -> ".", any other byte (of the UTF-8) outside [A-Za-z0-9_.-] -> "_". */
function lavaName(id: string): string {
  return Buffer.from(id, "utf8").toString("latin1").replace(/\//g, ".").replace(/[^A-Za-z0-9_.-]/g, "_");
}

/** The calls tap-to-lava.sh must make for `r` (a set per device id, a case per case, then the plan's own cases). */
function expectedCalls(r: PlanResult, extra: string[]): string[] {
  const calls: string[] = [];
  let set = "";
  for (const c of r.cases) {
    const device = lavaName(c.id.slice(0, c.id.indexOf("/")));
    if (device !== set) {
      if (set !== "") calls.push("lava-test-set stop");
      calls.push(`lava-test-set start ${device}`);
      set = device;
    }
    const result = c.status === "pass" ? "pass" : c.status === "skip" ? "skip" : "fail";
    calls.push(`lava-test-case ${lavaName(c.id)} --result ${result}`);
  }
  if (set !== "plan") {
    calls.push("lava-test-set stop", "lava-test-set start plan");
  }
  return [...calls, ...extra.map((e) => `lava-test-case ${e}`), "lava-test-set stop"];
}

test.skipIf(BUSYBOX !== null || process.env.CI !== "true")("CI has busybox (scripts/ci/farm-deps.sh installs it: the DUT's shell and awk)", () => {
  throw new Error("busybox is not on PATH: run scripts/ci/farm-deps.sh");
});

for (const shell of ["dash", ...(BUSYBOX ? ["busybox"] : [])] as Shell[]) describe(`tap-to-lava.sh on real TAP reports (${shell === "dash" ? "/bin/sh and the system awk" : "busybox sh and awk"}${!BUSYBOX ? "; busybox is not installed here" : ""})`, () => {
  test("pass, fail, error and skip become pass, fail, fail and skip, in a test set per device", () => {
    const r = mixed();
    const tap = drive(tapReporter, r);
    const out = run([join(LAVA, "tap-to-lava.sh")], { stdin: tap, shell });
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.calls).toEqual(expectedCalls(r, ["tap-plan-complete --result pass"]));
  });

  test("ids with slashes and characters LAVA refuses are mapped; '#' in an id is not a directive; names stay unique", () => {
    const r = allPass();
    r.cases = [
      { ...r.cases[0]!, id: "9010000.pl031/bind" },
      { ...r.cases[1]!, id: "9010000.pl031/odd # SKIP no", status: "fail" },
      { ...r.cases[1]!, id: "9010000.pl031/sub/step é" },
      { ...r.cases[1]!, id: "9010000.pl031/sub.step_\u00e9" },
      { ...r.cases[2]!, id: "9010000.pl031/unbind" },
    ];
    r.caseCount = r.cases.length;
    const out = run([join(LAVA, "tap-to-lava.sh")], { stdin: drive(tapReporter, r), shell });
    const cases = out.calls.filter((c) => c.startsWith("lava-test-case "));
    expect(cases).toEqual([
      "lava-test-case 9010000.pl031.bind --result pass",
      "lava-test-case 9010000.pl031.odd___SKIP_no --result fail",
      "lava-test-case 9010000.pl031.sub.step___ --result pass",
      "lava-test-case 9010000.pl031.sub.step___-2 --result pass",
      "lava-test-case 9010000.pl031.unbind --result pass",
      "lava-test-case tap-plan-complete --result pass",
    ]);
    for (const c of out.calls) expect(c.split(" ")[2] ?? c.split(" ")[1]).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  test("an interrupted plan: the unrun cases are skips, then tap-bail-out fails", () => {
    const { result, reported } = interrupted();
    const out = run([join(LAVA, "tap-to-lava.sh")], { stdin: drive(tapReporter, result, reported), shell });
    expect(out.calls).toEqual(expectedCalls(result, ["tap-bail-out --result fail", "tap-plan-complete --result pass"]));
  });

  test("a report cut short (the run died) fails tap-plan-complete; a missing file is refused with exit 2", () => {
    const r = mixed();
    const tap = drive(tapReporter, r);
    const cut = tap.slice(0, tap.indexOf("ok 4 -"));
    const out = run([join(LAVA, "tap-to-lava.sh")], { stdin: cut, shell });
    expect(out.calls.filter((c) => c.startsWith("lava-test-case ")).length).toBe(3 + 1);
    expect(out.calls).toContain("lava-test-case tap-plan-complete --result fail");
    const missing = run([join(LAVA, "tap-to-lava.sh"), join(work, "nope.tap")], { shell });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
    expect(missing.calls).toEqual([]);
  });
});

for (const shell of ["dash", ...(BUSYBOX ? ["busybox"] : [])] as Shell[]) describe(`run-plan.sh around a vfio-plat that writes TAP (${shell})`, () => {
  // A stand-in for `vfio-plat`: checks it was asked for `test PLAN --tap --junit FILE`, prints the report, exits.
  function fakeVfioPlat(tap: string, status: number): string {
    const report = join(work, `fake-${shell}-${status}.tap`);
    writeFileSync(report, tap);
    const script = join(work, `fake-vfio-plat-${shell}-${status}`);
    writeFileSync(
      script,
      `#!/bin/sh\n[ "$1" = test ] && [ "$3" = --tap ] && [ "$4" = --junit ] || { echo "unexpected: $*" >&2; exit 99; }\n` +
        `echo "$*" > "${report}.args"\ncat "${report}"\nexit ${status}\n`,
    );
    chmodSync(script, 0o755);
    return script;
  }

  for (const [name, make, status] of [["all pass", allPass, 0], ["a failing plan", mixed, 8]] as const) {
    test(`${name}: the report is in the log, every case a result, vfio-plat-test ${status === 0 ? "passes" : "fails"} with the exit status`, () => {
      const r = make();
      const tap = drive(tapReporter, r);
      const dir = join(work, `reports-${shell}-${status}`);
      const out = run([join(LAVA, "run-plan.sh"), "examples/plans/virt.yaml", "--only", "rtc/*"], {
        env: { VFIO_PLAT: fakeVfioPlat(tap, status), VFIO_PLAT_REPORT_DIR: dir },
        shell,
      });
      expect(out.code).toBe(0);
      expect(out.stdout.startsWith(tap)).toBe(true);
      expect(readFileSync(join(dir, "report.tap"), "utf8")).toBe(tap);
      expect(readFileSync(join(work, `fake-${shell}-${status}.tap.args`), "utf8").trim()).toBe(
        `test examples/plans/virt.yaml --tap --junit ${dir}/junit.xml --only rtc/*`,
      );
      const verdict = `vfio-plat-test --result ${status === 0 ? "pass" : "fail"} --measurement ${status} --units exit-status`;
      expect(out.calls).toEqual([...expectedCalls(r, ["tap-plan-complete --result pass"]), `lava-test-case ${verdict}`]);
    });
  }

  test("without a plan it prints its usage and exits 2", () => {
    const out = run([join(LAVA, "run-plan.sh")], { shell });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("usage: run-plan.sh PLAN");
    expect(out.calls).toEqual([]);
  });
});

describe("docs/farm.md's LAVA output", () => {
  /** The ```text blocks after "Real output:" in the LAVA section. */
  function docBlocks(): string[] {
    const doc = readFileSync(join(REPO, "docs/farm.md"), "utf8");
    const from = doc.slice(doc.indexOf("Real output: `examples/plans/virt.yaml`"));
    return [...from.matchAll(/```text\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]!);
  }
  const masked = (tap: string) => tap.replace(/duration_ms: [\d.]+/g, "duration_ms: N");

  test("is what run-plan.sh gives today on the wrong-expectation plan: the TAP block, then the signals (durations aside)", () => {
    const plan = join(work, "virt-wrong.yaml");
    const virt = readFileSync(join(REPO, "examples/plans/virt.yaml"), "utf8");
    writeFileSync(plan, virt.replace("RTCPeriphID0: 0x31", "RTCPeriphID0: 0x32").replace("../pl330/copy.s", join(REPO, "examples/pl330/copy.s")));
    const out = run([join(LAVA, "run-plan.sh"), plan], {
      env: { VFIO_PLAT: `${process.execPath} ${join(REPO, "src/cli/main.ts")}`, VFIO_PLAT_SIM: "1", VFIO_PLAT_SIM_STATE: join(work, "farm-state"), VFIO_PLAT_REPORT_DIR: join(work, "farm-reports") },
    });
    expect(out.code).toBe(0);
    const [tapBlock, signalBlock] = docBlocks();
    const fresh = out.stdout.slice(0, out.stdout.indexOf("\n", out.stdout.indexOf("# passed")) + 1);
    expect(masked(tapBlock!)).toBe(masked(fresh));
    // LAVA's helpers print each call as the signal its dispatcher reads.
    const signals = out.calls.map((c) => {
      const [, kind, rest] = /^lava-test-(set|case) (.*)$/.exec(c)!;
      if (kind === "set") return rest === "stop" ? "<LAVA_SIGNAL_TESTSET STOP>" : `<LAVA_SIGNAL_TESTSET START ${rest!.replace(/^start /, "")}>`;
      const m = /^(\S+) --result (\S+)(?: --measurement (\S+) --units (\S+))?$/.exec(rest!)!;
      return `<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=${m[1]} RESULT=${m[2]}${m[3] !== undefined ? ` UNITS=${m[4]} MEASUREMENT=${m[3]}` : ""}>`;
    });
    expect(signalBlock!.split("\n").filter((l) => l.startsWith("<LAVA_SIGNAL"))).toEqual(signals);
  }, 120_000);
});

// LAVA's schema code: /usr/bin/python3 (Debian's, where apt puts lava_common), not a pyenv python3 on PATH.
const PYTHON = "/usr/bin/python3";
const haveLava = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import lava_common.schemas, yaml"]).status === 0;
const inCi = process.env.CI === "true";

test.skipIf(haveLava || !inCi)("CI has lava_common (scripts/ci/farm-deps.sh installs Debian's lava-common)", () => {
  throw new Error("/usr/bin/python3 cannot import lava_common: run scripts/ci/farm-deps.sh (apt-get install lava-common)");
});

function lavaValidate(request: { jobs?: string[]; testdefs?: string[] }): { jobs: string[]; testdefs: string[] } {
  const r = spawnSync(PYTHON, [join(REPO, "test/helpers/lava-validate.py")], { input: JSON.stringify(request), encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(!haveLava)("LAVA's own schemas (lava_common; a skip means /usr/bin/python3 cannot import it: apt-get install lava-common)", () => {
  const jobText = readFileSync(join(LAVA, "job-qemu.yaml"), "utf8");
  const defText = readFileSync(join(LAVA, "vfio-plat-plan.yaml"), "utf8");

  test("the test definition and the job (which references it from git) are valid", () => {
    expect(lavaValidate({ jobs: [jobText], testdefs: [defText] })).toEqual({ jobs: ["ok"], testdefs: ["ok"] });
  });

  test("the job with the test definition inlined is valid too", () => {
    const job = parseYaml(jobText);
    const t = job.actions.find((a: any) => a.test).test;
    t.definitions = [{ from: "inline", repository: parseYaml(defText), path: "inline/vfio-plat-plan.yaml", name: "vfio-plat-virt-smoke" }];
    expect(lavaValidate({ jobs: [toYaml(job)] }).jobs).toEqual(["ok"]);
  });

  test("the validators have teeth: a spoiled job or test definition is refused", () => {
    const job = parseYaml(jobText);
    const noTimeouts = { ...job, timeouts: undefined };
    const badName = structuredClone(job);
    badName.actions.find((a: any) => a.test).test.definitions[0].name = "vfio plat/virt";
    const longTest = structuredClone(job);
    longTest.actions.find((a: any) => a.test).test.timeout = { hours: 2 };
    const def = parseYaml(defText);
    const wrongFormat = { ...def, metadata: { ...def.metadata, format: "Lava-Test Test Definition 2.0" } };
    const stepsNotList = { ...def, run: { steps: "sh run-plan.sh" } };
    const r = lavaValidate({
      jobs: [toYaml(noTimeouts), toYaml(badName), toYaml(longTest)],
      testdefs: [toYaml(wrongFormat), toYaml(stepsNotList)],
    });
    for (const verdict of [...r.jobs, ...r.testdefs]) expect(verdict).not.toBe("ok");
    expect(r.jobs[2]).toContain("timeout is larger than job timeout");
  });
});
