// Tests of the labgrid path that need neither labgrid nor QEMU, so they run in every `npm test`: the environment file
// has what labgrid 0.4.1's QEMUDriver/ShellDriver/ShellStrategy need and matches the lab's noiommu boot, /init's
// vfio_plat_lab.entry switch is parsed by the real init script, the initramfs carries what `vfio-plat test` needs, and
// the CI counts come from pytest's JUnit XML; with Debian's Python, the module's own plan reading and JUnit parsing
// agree with `vfio-plat test --list` and `--json` on the simulator. The run itself is `bun scripts/lab/labgrid.ts` (.ci/run, docs/farm.md).
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { GUEST_CLI, GUEST_PROJECT, projectArchive, runtimePackages } from "./harness/initramfs.ts";
import { ciVerdict, labgridEnv, LABGRID_FILES, pytestArgv, pytestCounts } from "./harness/labgrid.ts";
import { LAB_FILES, REPO } from "./harness/paths.ts";
import { PROFILES, qemuArgv } from "./harness/qemu.ts";

/** labgrid's `!template` tag, kept as its source text so the test can substitute it as labgrid does. */
class Template {
  constructor(readonly source: string) {}
  substitute(vars: Record<string, string>): string {
    return this.source.replace(/\$(\w+)|\$\{(\w+)\}/g, (_, a: string | undefined, b: string | undefined) => {
      const name = (a ?? b) as string;
      if (!(name in vars)) throw new Error(`unknown template variable ${name}`);
      return vars[name] as string;
    });
  }
}

type Env = {
  targets: { main: { drivers: Record<string, Record<string, unknown>> } };
  tools: Record<string, string>;
  images: Record<string, Template | string>;
};

function loadEnv(): Env {
  return parse(readFileSync(LABGRID_FILES.env, "utf8"), {
    customTags: [{ tag: "!template", resolve: (s: string) => new Template(s) }],
  }) as Env;
}

describe("labgrid environment file (examples/labgrid/qemu-lab.yaml)", () => {
  const env = loadEnv();
  const drivers = env.targets.main.drivers;
  const qemu = drivers.QEMUDriver as Record<string, unknown>;
  const vars = labgridEnv({ kernel: "/k/Image", initrd: "/r/initrd.cpio", disk: "/r/disk.img" });

  test("the main target has the QEMU driver, a shell on its console and the strategy that boots to it", () => {
    expect(Object.keys(drivers)).toEqual(["QEMUDriver", "ShellDriver", "ShellStrategy"]);
    // QEMUDriver's mandatory attributes in 0.4.1.
    for (const k of ["qemu_bin", "machine", "cpu", "memory", "extra_args"]) expect(qemu[k]).toBeDefined();
    for (const k of ["prompt", "login_prompt", "username"]) expect(typeof drivers.ShellDriver?.[k]).toBe("string");
  });

  test("QEMU and the kernel come from the tools: and images: keys the driver names", () => {
    expect(env.tools[qemu.qemu_bin as string]).toBe("/usr/bin/qemu-system-aarch64");
    const kernel = env.images[qemu.kernel as string];
    expect(kernel).toBeInstanceOf(Template);
    expect((kernel as Template).substitute(vars)).toBe("/k/Image");
  });

  test("every template resolves from the runner's LG_* variables, and nothing else is needed", () => {
    const templates = [qemu.extra_args, ...Object.values(env.images)].filter((v): v is Template => v instanceof Template);
    expect(templates.length).toBeGreaterThan(1);
    for (const t of templates) expect(t.substitute(vars)).not.toContain("$");
    expect(() => (qemu.extra_args as Template).substitute({})).toThrow("unknown template variable");
  });

  test("it boots what the lab's noiommu profile boots, plus the shell entry", () => {
    const lab = qemuArgv({ kernel: "/k/Image", initrd: "/r/initrd.cpio", profile: PROFILES.noiommu, runDir: "/r" });
    expect(qemu.machine).toBe(lab[lab.indexOf("-M") + 1]);
    expect(qemu.cpu).toBe("max");
    expect(qemu.memory).toBe(`${lab[lab.indexOf("-m") + 1]}M`);
    const bootArgs = (qemu.boot_args as string).split(" ");
    const labAppend = (lab[lab.indexOf("-append") + 1] as string).split(" ").filter((w) => !w.startsWith("vfio_plat_lab."));
    expect(bootArgs).toEqual(expect.arrayContaining(labAppend));
    expect(bootArgs).toContain("vfio_plat_lab.entry=shell");
    // The disk on the same transport as the lab's, the initramfs, two CPUs, no NIC; labgrid refuses -append here.
    const extra = (qemu.extra_args as Template).substitute(vars);
    const labLine = lab.join(" ");
    for (const part of ["-smp 2", "-nic none", "-initrd /r/initrd.cpio", "-drive file=/r/disk.img,if=none,format=raw,id=d0", "-device virtio-blk-device,drive=d0"]) {
      expect(extra).toContain(part);
      expect(labLine).toContain(part);
    }
    expect(extra.split(" ")).not.toContain("-append");
  });

  test("the ShellDriver's prompt is the one /init sets for the shell entry", () => {
    const ps1 = /PS1='([^']*)'/.exec(readFileSync(LAB_FILES.init, "utf8"))?.[1];
    expect(ps1).toBeDefined();
    expect(drivers.ShellDriver?.prompt).toBe(ps1);
  });
});

describe("/init's vfio_plat_lab.* switches (the real script, parse only)", () => {
  const sh = Bun.which("sh");
  const parseWith = (cmdline: string): Record<string, string> => {
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-init-"));
    try {
      writeFileSync(join(dir, "cmdline"), `${cmdline}\n`);
      const r = Bun.spawnSync([sh as string, LAB_FILES.init], { env: { ...process.env, VFIO_PLAT_LAB_PARSE_ONLY: join(dir, "cmdline") }, stdout: "pipe", stderr: "pipe" });
      expect(r.exitCode).toBe(0);
      return Object.fromEntries(r.stdout.toString().trim().split(" ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  describe.skipIf(!sh)(sh ? "entry, profile and only" : "entry, profile and only (skipped: no sh on PATH)", () => {
    test("entry=shell gives the console shell; the profile and only words still parse beside it", () => {
      expect(parseWith("console=ttyAMA0 panic=-1 vfio_plat_lab.entry=shell vfio_plat_lab.profile=smmuv3 vfio_plat_lab.only=a,b")).toEqual({
        profile: "smmuv3",
        only: "a,b",
        entry: "shell",
        bad_entry: "",
      });
    });

    test("no entry runs the scenario runner on the noiommu profile; bench is the benchmark", () => {
      expect(parseWith("console=ttyAMA0")).toEqual({ profile: "noiommu", only: "", entry: "runner", bad_entry: "" });
      expect(parseWith("vfio_plat_lab.entry=bench").entry).toBe("bench");
    });

    test("an unknown entry is reported and falls back to the runner (never a missing script under bun)", () => {
      expect(parseWith("vfio_plat_lab.entry=shel")).toEqual({ profile: "noiommu", only: "", entry: "runner", bad_entry: "shel" });
    });
  });
});

describe("the initramfs has what `vfio-plat test` needs on a farm target", () => {
  const archive = new TextDecoder("latin1").decode(projectArchive());
  const has = (path: string) => archive.includes(`${path}\0`);

  test("every runtime dependency, transitively (yaml, ajv and ajv's own)", () => {
    const pkgs = runtimePackages();
    expect(pkgs).toEqual(expect.arrayContaining(["ajv", "yaml", "cac", "chalk"]));
    const ajvDeps = Object.keys((JSON.parse(readFileSync(join(REPO, "node_modules/ajv/package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies);
    expect(ajvDeps.length).toBeGreaterThan(0);
    expect(pkgs).toEqual(expect.arrayContaining(ajvDeps));
    for (const name of pkgs) expect(has(`${GUEST_PROJECT}/node_modules/${name}/package.json`)).toBe(true);
  });

  test("the example plans, the JSON under docs/ (the plan schema) and no host-side labgrid files", () => {
    const plansDir = join(REPO, "examples/plans");
    const plans = (() => {
      try {
        return readdirSync(plansDir);
      } catch {
        return [];
      }
    })();
    for (const p of plans) expect(has(`${GUEST_PROJECT}/examples/plans/${p}`)).toBe(true);
    for (const f of readdirSync(join(REPO, "docs")).filter((n) => n.endsWith(".json"))) expect(has(`${GUEST_PROJECT}/docs/${f}`)).toBe(true);
    expect(has(`${GUEST_PROJECT}/examples/register-maps`)).toBe(true);
    expect(archive).not.toContain(`${GUEST_PROJECT}/examples/labgrid`);
  });

  test("`vfio-plat` is on the guest's PATH, executable, running the shipped CLI with Bun", () => {
    const at = archive.indexOf(`${GUEST_CLI}\0`);
    expect(at).toBeGreaterThan(0);
    const header = archive.slice(at - 110, at);
    expect(Number.parseInt(header.slice(14, 22), 16)).toBe(0o100755);
    const size = Number.parseInt(header.slice(54, 62), 16);
    const dataAt = at + GUEST_CLI.length + 1 + ((4 - ((110 + GUEST_CLI.length + 1) % 4)) % 4);
    const script = archive.slice(dataAt, dataAt + size);
    expect(script.startsWith("#!/bin/sh\n")).toBe(true);
    expect(script).toContain(`exec bun /${GUEST_PROJECT}/src/cli/main.ts "$@"`);
  });
});

describe("the labgrid runner's pytest line and CI counts", () => {
  test("Debian's python runs the module with labgrid's plugin on the environment file and writes JUnit", () => {
    const a = pytestArgv({ junitxml: "/o/p.xml", logDir: "/o" });
    expect(a.slice(0, 3)).toEqual(["/usr/bin/python3", "-m", "pytest"]);
    expect(a[a.indexOf("--lg-env") + 1]).toBe(LABGRID_FILES.env);
    expect(a[a.indexOf("--junitxml") + 1]).toBe("/o/p.xml");
    expect(a[a.indexOf("--vfio-plat-plan") + 1]).toBe("examples/plans/virt-noiommu.yaml");
    expect(a).toContain(LABGRID_FILES.module);
    // Its pytest.ini, named (the JUnit path would hide it from pytest's search), keeps per-case properties.
    expect(a[a.indexOf("-c") + 1]).toBe(LABGRID_FILES.ini);
    expect(readFileSync(LABGRID_FILES.ini, "utf8")).toMatch(/^junit_family = xunit1$/m);
  });

  const report = (suite: string) => `<?xml version="1.0" encoding="utf-8"?><testsuites>${suite}</testsuites>`;

  test("pytest's JUnit totals become passed and failed; errors and skips count as failed in CI", () => {
    const c = pytestCounts(report(`<testsuite name="pytest" errors="1" failures="2" skipped="3" tests="11" time="5.2"><testcase name="a"/></testsuite>`));
    expect(c).toEqual({ tests: 11, passed: 5, failed: 2, errors: 1, skipped: 3 });
    expect(ciVerdict(c, 1)).toEqual({ passed: 5, failed: 6, why: "3 skipped (counted as failed: CI must run every case)" });
    expect(ciVerdict({ tests: 4, passed: 4, failed: 0, errors: 0, skipped: 0 }, 0)).toEqual({ passed: 4, failed: 0 });
  });

  test("labgrid's plugin without an environment skips everything: that is a failure, not a pass", () => {
    const c = pytestCounts(report(`<testsuite name="pytest" errors="0" failures="0" skipped="7" tests="7"/>`));
    expect(ciVerdict(c, 0).failed).toBe(7);
    expect(ciVerdict(c, 0).passed).toBe(0);
  });

  test("no report, a report without a suite, or pytest failing with nothing failed are failures", () => {
    expect(ciVerdict(undefined, 2)).toEqual({ passed: 0, failed: 1, why: "no JUnit report from pytest (exit 2)" });
    expect(() => pytestCounts("<testsuites/>")).toThrow("no <testsuite>");
    expect(ciVerdict({ tests: 3, passed: 3, failed: 0, errors: 0, skipped: 0 }, 1).failed).toBe(1);
    expect(ciVerdict({ tests: 0, passed: 0, failed: 0, errors: 0, skipped: 0 }, 0)).toEqual({ passed: 0, failed: 1, why: "pytest ran no test" });
  });
});

// The pytest module's plan and report reading, in Debian's Python (python3-labgrid brings pytest and yaml), held to
// what `vfio-plat test` itself says on the simulator: the case ids of --list, the statuses of --json.
const PYTHON = "/usr/bin/python3";
const havePython = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import pytest, yaml"]).status === 0;
const inCi = process.env.CI === "true";

test.skipIf(havePython || !inCi)("CI has Debian's python3 with pytest and yaml (scripts/ci/farm-deps.sh installs python3-labgrid)", () => {
  throw new Error("/usr/bin/python3 cannot import pytest and yaml: run scripts/ci/farm-deps.sh (apt-get install python3-labgrid)");
});

/** Call one function of examples/labgrid/test_vfio_plat_plan.py with JSON in and out. */
function pyModule(call: string, input: unknown): unknown {
  const code = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(join(REPO, "examples/labgrid"))})`,
    "import test_vfio_plat_plan as m",
    "arg = json.load(sys.stdin)",
    `print(json.dumps(${call}))`,
  ].join("\n");
  const r = spawnSync(PYTHON, ["-c", code], { input: JSON.stringify(input), encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

function cli(args: string[], cwd = REPO): { code: number; stdout: string } {
  const r = Bun.spawnSync([process.execPath, join(REPO, "src/cli/main.ts"), ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString() };
}

describe.skipIf(!havePython)("the pytest module's plan and report reading (skipped without Debian's python3 with pytest and yaml)", () => {
  const plans = readdirSync(join(REPO, "examples/plans")).filter((n) => /\.(ya?ml|json)$/.test(n));

  test("the case ids it parametrizes over are the ones `vfio-plat test --list` gives, in order, for every example plan", () => {
    expect(plans.length).toBeGreaterThan(0);
    for (const p of plans) {
      const file = join(REPO, "examples/plans", p);
      const listed = cli(["--sim", "test", file, "--list"]);
      expect(listed.code).toBe(0);
      const fromPython = pyModule("m.plan_case_ids(m.REPO, arg)", `examples/plans/${p}`);
      expect(fromPython).toEqual(listed.stdout.trim().split("\n"));
    }
  }, 60_000);

  test("ids YAML 1.1 reads as booleans (on, no) stay the ids vfio-plat gives: the module takes them from the tool", () => {
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-labgrid-ids-"));
    try {
      writeFileSync(join(dir, "on.yaml"), ["plan: yaml-bools", "devices:", "  - device: 9010000.pl031", "    id: no", "    steps:", "      - { id: on, expect: { RTCPeriphID0: 0x31 } }", ""].join("\n"));
      const listed = cli(["test", join(dir, "on.yaml"), "--list"]);
      expect(listed.code).toBe(0);
      expect(listed.stdout.trim().split("\n")).toEqual(["no/bind", "no/on", "no/unbind"]);
      expect(pyModule("m.plan_case_ids(m.REPO, arg)", join(dir, "on.yaml"))).toEqual(["no/bind", "no/on", "no/unbind"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("it reads each case's status and failure message from a real --junit report, as --json gives them", () => {
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-labgrid-"));
    try {
      // A wrong expectation among right ones: one fail, the rest pass (the device's later steps are skipped).
      writeFileSync(
        join(dir, "plan.yaml"),
        [
          "plan: labgrid-check",
          "devices:",
          "  - device: 9010000.pl031",
          "    id: rtc",
          "    steps:",
          "      - { id: id-right, expect: { RTCPeriphID0: 0x31 } }",
          "      - { id: id-wrong, expect: { RTCPeriphID0: 0x32 } }",
          "      - { id: after, expect: { RTCPeriphID1: 0x10 } }",
          "",
        ].join("\n"),
      );
      const run = cli(["--sim", "--sim-state", join(dir, "state"), "--sim-board", "virt", "test", join(dir, "plan.yaml"), "--junit", join(dir, "out.xml"), "--json"]);
      expect(run.code).toBe(8);
      const fromJson = Object.fromEntries(
        run.stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { type: string; id: string; status: string; message?: string })
          .filter((e) => e.type === "case")
          .map((e) => [e.id, e.status]),
      );
      expect(fromJson["rtc/id-wrong"]).toBe("fail");
      const fromPython = pyModule("m.junit_cases(open(arg).read())", join(dir, "out.xml")) as Record<string, { status: string; message: string | null }>;
      expect(Object.fromEntries(Object.entries(fromPython).map(([id, r]) => [id, r.status]))).toEqual(fromJson);
      expect(Object.keys(fromPython)).toEqual(["rtc/bind", "rtc/id-right", "rtc/id-wrong", "rtc/after", "rtc/unbind"]);
      expect(fromPython["rtc/id-wrong"]?.message).toContain("RTCPeriphID0");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
