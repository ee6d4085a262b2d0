// The host side of the labgrid run (scripts/lab/labgrid.ts): the LG_* variables that fill the environment file's
// templates (examples/labgrid/qemu-lab.yaml), the pytest command line, and the counts read back from pytest's JUnit
// XML. Pure functions, so the unit suite checks them without labgrid, Python or QEMU.
import { XMLParser } from "fast-xml-parser";
import { join } from "node:path";
import { REPO } from "./paths.ts";

/** Debian's Python, which has labgrid (python3-labgrid); a pyenv `python3` on PATH does not. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/** The labgrid files in the repository. */
export const LABGRID_FILES = {
  env: join(REPO, "examples/labgrid/qemu-lab.yaml"),
  module: join(REPO, "examples/labgrid/test_vfio_plat_plan.py"),
  ini: join(REPO, "examples/labgrid/pytest.ini"),
} as const;

/** The plan CI runs on the lab target (relative to the vfio-plat tree, as the pytest module takes it). */
export const DEFAULT_LABGRID_PLAN = "examples/plans/virt-noiommu.yaml";

/** What the environment file's `!template` values name: labgrid maps only LG_* variables into templates. */
export interface LabgridImages {
  kernel: string;
  initrd: string;
  disk: string;
}

/** The LG_* variables for the environment file. */
export function labgridEnv(images: LabgridImages): Record<string, string> {
  return { LG_VFIO_PLAT_KERNEL: images.kernel, LG_VFIO_PLAT_INITRD: images.initrd, LG_VFIO_PLAT_DISK: images.disk };
}

/** The pytest command line: Debian's Python, labgrid's plugin on the env file, a JUnit file, the console log dir. */
export function pytestArgv(o: { junitxml: string; logDir: string; plan?: string; extra?: string[] }): string[] {
  return [
    DEBIAN_PYTHON, "-m", "pytest", LABGRID_FILES.module,
    // The module's pytest.ini, named: pytest looks for one only in the common ancestor of every existing path on the
    // command line, which the JUnit and log paths push up to /. Its directory becomes the root (short classnames).
    "-c", LABGRID_FILES.ini,
    "--lg-env", LABGRID_FILES.env,
    "--lg-log", o.logDir,
    "--vfio-plat-plan", o.plan ?? DEFAULT_LABGRID_PLAN,
    "--junitxml", o.junitxml,
    // No .pytest_cache in the work tree; -rA lists every result at the end.
    "-p", "no:cacheprovider", "-v", "-rA",
    ...(o.extra ?? []),
  ];
}

/** pytest's totals, from its JUnit XML (<testsuites><testsuite tests failures errors skipped>). */
export interface PytestCounts {
  tests: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
}

/**
 * Count pytest's results. @throws Error when the text is not a pytest JUnit report (no <testsuite>), so a missing or
 * cut report is a failure, not zero tests.
 */
export function pytestCounts(xml: string): PytestCounts {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml) as Record<string, unknown>;
  const root = (doc.testsuites as Record<string, unknown> | undefined) ?? doc;
  const raw = root.testsuite;
  const suites = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, string>[];
  if (suites.length === 0) throw new Error("no <testsuite> in pytest's JUnit report");
  const sum = (k: string) => suites.reduce((n, s) => n + Number(s[k] ?? 0), 0);
  const tests = sum("tests");
  const failed = sum("failures");
  const errors = sum("errors");
  const skipped = sum("skipped");
  return { tests, passed: tests - failed - errors - skipped, failed, errors, skipped };
}

/**
 * The CI verdict: failures and errors fail, and so do skips (a CI run of the lab target must run every case, and
 * labgrid's plugin skips everything when it has no environment) and a run with nothing passed.
 */
export function ciVerdict(c: PytestCounts | undefined, pytestExit: number | null): { passed: number; failed: number; why?: string } {
  if (!c) return { passed: 0, failed: 1, why: `no JUnit report from pytest (exit ${pytestExit ?? "killed"})` };
  let failed = c.failed + c.errors + c.skipped;
  let why = c.skipped > 0 ? `${c.skipped} skipped (counted as failed: CI must run every case)` : undefined;
  if (failed === 0 && pytestExit !== 0) {
    failed = 1;
    why = `pytest exited ${pytestExit ?? "killed"} with no failed test`;
  }
  if (c.passed === 0 && failed === 0) {
    failed = 1;
    why = "pytest ran no test";
  }
  return { passed: c.passed, failed, ...(why ? { why } : {}) };
}
