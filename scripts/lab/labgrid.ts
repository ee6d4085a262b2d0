#!/usr/bin/env bun
// Runs a vfio-plat test plan under labgrid on the lab's QEMU target (docs/farm.md): makes sure the lab's kernel and a
// fresh initramfs and disk exist, fills the environment file's LG_* templates, and runs labgrid's pytest plugin on
// examples/labgrid (labgrid's QEMUDriver starts QEMU; nothing here drives it). Ends with the line
// "labgrid: N passed, N failed in S s" that .ci/run adds to its total; exit 0 only when every case passed.
// Usage: bun scripts/lab/labgrid.ts [--plan FILE] [--junitxml FILE] [--timeout SECONDS] [-- PYTEST-ARGS...]
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureHostPackages } from "../../test/lab/harness/deps.ts";
import { log, run } from "../../test/lab/harness/exec.ts";
import { buildInitrd } from "../../test/lab/harness/initramfs.ts";
import { ensureKernel } from "../../test/lab/harness/kernel.ts";
import { ciVerdict, DEBIAN_PYTHON, labgridEnv, pytestArgv, pytestCounts, type PytestCounts } from "../../test/lab/harness/labgrid.ts";
import { cacheRoot, REPO } from "../../test/lab/harness/paths.ts";
import { LAB_DISK_BYTES, makeDisk } from "../../test/lab/harness/qemu.ts";

const USAGE = "usage: bun scripts/lab/labgrid.ts [--plan FILE] [--junitxml FILE] [--timeout SECONDS] [-- PYTEST-ARGS...]";
const all = process.argv.slice(2);
const dashdash = all.indexOf("--");
const argv = dashdash >= 0 ? all.slice(0, dashdash) : all;
const extra = dashdash >= 0 ? all.slice(dashdash + 1) : [];
const opt = (n: string) => {
  const i = argv.indexOf(n);
  return i >= 0 ? argv[i + 1] : undefined;
};

async function main(): Promise<number> {
  const t0 = performance.now();
  const known = new Set(["--plan", "--junitxml", "--timeout"]);
  for (let i = 0; i < argv.length; i += 2) {
    if (!known.has(argv[i] ?? "") || argv[i + 1] === undefined) {
      console.error(USAGE);
      return 2;
    }
  }
  const finish = (passed: number, failed: number, why?: string) => {
    if (why) log(`labgrid: ${why}`);
    console.log(`labgrid: ${passed} passed, ${failed} failed in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return failed === 0 && passed > 0 ? 0 : 1;
  };

  // labgrid itself: Debian's python3-labgrid (scripts/ci/farm-deps.sh installs it). Without it, fail: never skip.
  const probe = run([DEBIAN_PYTHON, "-c", "import labgrid.pytestplugin, pytest, yaml"]);
  if (probe.exit !== 0) {
    return finish(0, 1, `labgrid cannot run: ${DEBIAN_PYTHON} cannot import labgrid's pytest plugin (${probe.stderr.trim().split("\n").at(-1) ?? "not found"}); install it with scripts/ci/farm-deps.sh (apt-get install python3-labgrid labgrid)`);
  }
  ensureHostPackages();
  const kernel = await ensureKernel();
  const runDir = join(cacheRoot(), "runs", "labgrid");
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const initrd = buildInitrd(runDir);
  const disk = join(runDir, "disk.img");
  makeDisk(disk, LAB_DISK_BYTES);
  log(`labgrid: kernel ${kernel.image}, initramfs ${(initrd.bytes / 1e6).toFixed(0)} MB, disk ${disk}`);

  const junitxml = resolve(opt("--junitxml") ?? join(runDir, "pytest.xml"));
  const cmd = pytestArgv({ junitxml, logDir: runDir, ...(opt("--plan") ? { plan: opt("--plan") } : {}), extra });
  log(`labgrid: ${cmd.join(" ")}`);
  // setsid: pytest and the QEMU labgrid starts form one process group, so a timeout kills both (QEMU must not outlive it).
  const p = Bun.spawn(["setsid", ...cmd], { cwd: REPO, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...labgridEnv({ kernel: kernel.image, initrd: initrd.path, disk }) }, stdin: "ignore", stdout: "inherit", stderr: "inherit" });
  const timeoutS = Number(opt("--timeout") ?? 1200);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-p.pid, "SIGTERM");
      setTimeout(() => process.kill(-p.pid, "SIGKILL"), 5000).unref();
    } catch {
      // already gone
    }
  }, timeoutS * 1000);
  const exit = await p.exited;
  clearTimeout(timer);
  rmSync(initrd.path, { force: true }); // ~115 MB, rebuilt from the cached base on every run
  log(`labgrid: pytest exited ${exit}${timedOut ? ` (killed after ${timeoutS} s)` : ""}; console log and report in ${runDir}`);

  let counts: PytestCounts | undefined;
  try {
    if (existsSync(junitxml)) counts = pytestCounts(readFileSync(junitxml, "utf8"));
  } catch (e) {
    log(`labgrid: ${(e as Error).message}`);
  }
  const v = ciVerdict(counts, timedOut ? null : exit);
  return finish(v.passed, v.failed, v.why);
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`labgrid: ${(e as Error).message}`);
  console.log("labgrid: 0 passed, 1 failed");
  process.exitCode = 1;
}
