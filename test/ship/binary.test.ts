// The standalone binary for this machine, built by scripts/build.ts --host into a temp directory and run the way it
// runs on a board: from a directory outside the repository, with no Bun on PATH, a fresh HOME and its own simulated
// board. The four cross targets are built by `bun run build` and checked in cross-build.test.ts (opt-in, slow).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { completionScript } from "../../src/cli/completion/index.ts";
import { gitRevision } from "../../src/cli/version-report.ts";
import { hostTarget, pinnedBunVersion } from "../../scripts/build.ts";
import { elfInfo } from "../../scripts/elf-info.ts";
import { REPO } from "../helpers/cli.ts";

const host = hostTarget();
const work = mkdtempSync(join(tmpdir(), "vfio-plat-binary-"));
const outdir = join(work, "dist");
const runDir = join(work, "elsewhere");
const simState = join(work, "sim-state");
const home = join(work, "home");
const binary = host ? join(outdir, `vfio-plat-${host.name}`) : "";
// A PATH with the usual system directories and no Bun in any of them.
const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const noBunPath = SYSTEM_PATH.filter((d) => existsSync(d) && !existsSync(join(d, "bun"))).join(":");
let build: { code: number; out: string } = { code: -1, out: "" };

beforeAll(() => {
  if (!host) return;
  mkdirSync(runDir);
  mkdirSync(home);
  const r = Bun.spawnSync([process.execPath, join(REPO, "scripts/build.ts"), "--host", "--outdir", outdir], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  build = { code: r.exitCode ?? -1, out: r.stdout.toString() + r.stderr.toString() };
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runBinary(args: string[], extraEnv: Record<string, string> = {}) {
  const r = Bun.spawnSync([binary, ...args], {
    cwd: runDir,
    env: { PATH: noBunPath, HOME: home, TMPDIR: work, NO_COLOR: "1", VFIO_PLAT_SIM_STATE: simState, ...extraEnv },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

describe.skipIf(!host)("the standalone binary for this machine (skipped on a machine that is not a ship target)", () => {
  test("build --host writes one binary of this machine's architecture and C library, plus man page and completions", () => {
    expect(build.out).toContain(`vfio-plat-${host!.name}`);
    expect(build.code).toBe(0);
    const elf = elfInfo(binary);
    expect(elf.machine).toBe(host!.machine);
    expect(elf.libc).toBe(host!.libc);
    expect(readdirSync(outdir).sort()).toEqual(["SHA256SUMS", "completions", `vfio-plat-${host!.name}`, "vfio-plat.1"]);
  });

  test("the environment it runs in has no Bun (the test would prove nothing otherwise)", () => {
    expect(Bun.which("bun", { PATH: noBunPath })).toBeNull();
    expect(runDir.startsWith(REPO)).toBe(false);
  });

  test("--sim list works outside the repository with no Bun: the board is inside the binary", () => {
    const r = runBinary(["--sim", "list"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("9010000.pl031");
    expect(r.stdout).toContain("rtc-pl031");
    expect(existsSync(join(simState, "board.json"))).toBe(true);
  });

  test("bind, read through the real OS primitives (bun:ffi), unbind", () => {
    expect(runBinary(["--sim", "bind", "9010000.pl031"]).code).toBe(0);
    expect(runBinary(["--sim", "read", "9010000.pl031", "0:0xff0.l"]).stdout).toBe("0x0000000d\n");
    const irq = runBinary(["--sim", "irq", "9010000.pl031", "0", "--trigger", "--timeout", "5s"]);
    expect(irq.code).toBe(0);
    expect(irq.stdout).toContain("count 1");
    expect(runBinary(["--sim", "unbind", "9010000.pl031"]).stdout).toContain("back on rtc-pl031");
  });

  test("test PLAN: the binary runs each step as a child of itself (examples/plans/virt.yaml copied outside the repository)", async () => {
    const plans = join(runDir, "plans");
    mkdirSync(join(runDir, "pl330"), { recursive: true });
    mkdirSync(plans, { recursive: true });
    writeFileSync(join(plans, "virt.yaml"), readFileSync(join(REPO, "examples/plans/virt.yaml")));
    writeFileSync(join(runDir, "pl330/copy.s"), readFileSync(join(REPO, "examples/pl330/copy.s")));
    const r = runBinary(["--sim", "test", "plans/virt.yaml", "--tap"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ok 1 - rtc/bind");
    expect(r.stdout).toMatch(/# passed (\d+), failed 0, errors 0, skipped 0 of \1/);
  }, 60_000);

  test("--version: baked-in revision and target, the Bun inside, and this process's C library", () => {
    const j = JSON.parse(runBinary(["--version", "--json"]).stdout);
    expect(j.version).toBe(JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version);
    expect(j.standalone).toBe(host!.name);
    expect(j.bun).toBe(pinnedBunVersion());
    expect(j.libc).toBe(host!.libc);
    const rev = gitRevision(REPO, { dirty: true });
    if (rev !== "unknown") expect(j.git).toBe(rev);
    expect(j.git).not.toBe("unknown");
    expect(runBinary(["--version"]).stdout).toBe(`${j.line}\n`);
  });

  test("errors keep their exit codes in the binary (usage 2, not found 3)", () => {
    expect(runBinary(["--sim", "frobnicate"]).code).toBe(2);
    expect(runBinary(["--sim", "list", "--bogus"]).code).toBe(2);
    const nf = runBinary(["--sim", "info", "nosuch.device"]);
    expect(nf.code).toBe(3);
    expect(nf.stderr).toMatch(/^vfio-plat: /);
  });

  test("a .env in the working directory is not loaded (the tool runs in any directory)", () => {
    writeFileSync(join(runDir, ".env"), "VFIO_PLAT_SIM=1\n");
    try {
      // Without the .env this is the real machine; with it, the simulated board.
      const j = JSON.parse(runBinary(["list", "--json"]).stdout || "{}");
      expect(j.backend).toBe("real");
    } finally {
      rmSync(join(runDir, ".env"));
    }
  });

  test("completion from the binary is the same script, generated from the same table", () => {
    expect(runBinary(["completion", "bash"]).stdout).toBe(completionScript("bash"));
  });
});

describe("cross-build inputs (fast: no compiling)", () => {
  test("the Bun version is pinned exactly, agrees with the lock file, and is the Bun running this", () => {
    expect(pinnedBunVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pinnedBunVersion()).toBe(Bun.version);
  });

  test("--offline with a cold runtime cache refuses before compiling, naming the missing runtime and the fixes", () => {
    const cache = mkdtempSync(join(tmpdir(), "vfio-plat-empty-cache-"));
    try {
      const r = Bun.spawnSync(
        [process.execPath, join(REPO, "scripts/build.ts"), "--offline", "--target", "linux-arm64,linux-arm64-musl", "--outdir", join(work, "never")],
        { cwd: REPO, env: { ...process.env, BUN_INSTALL_CACHE_DIR: cache }, stdout: "pipe", stderr: "pipe" },
      );
      const err = r.stderr.toString();
      expect(r.exitCode).toBe(1);
      expect(err).toContain(join(cache, `bun-linux-aarch64-v${Bun.version}`));
      expect(err).toContain(join(cache, `bun-linux-aarch64-musl-v${Bun.version}`));
      expect(err).toContain("--warm");
      expect(err).toContain("--runtime-dir");
      expect(existsSync(join(work, "never", "vfio-plat-linux-arm64"))).toBe(false);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  test("an unknown target is a usage error", () => {
    const r = Bun.spawnSync([process.execPath, join(REPO, "scripts/build.ts"), "--target", "linux-riscv64"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.toString()).toContain("unknown target linux-riscv64");
  });
});
