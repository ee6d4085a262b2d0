// `bun run build` for all four ship targets (linux-arm64, linux-x64, each glibc and musl): every binary is an ELF for
// its CPU with its C library's loader, checksummed, next to the man page and completions; a second build from the
// warmed cache works with the network forbidden, and so does one from a runtime directory. Slow and downloads the
// target runtimes once, so it runs only with VFIO_PLAT_BUILD_TEST=1.
import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bunCacheDir, TARGETS } from "../../scripts/build.ts";
import { elfInfo } from "../../scripts/elf-info.ts";
import { REPO } from "../helpers/cli.ts";

const enabled = process.env.VFIO_PLAT_BUILD_TEST === "1";
const work = mkdtempSync(join(tmpdir(), "vfio-plat-cross-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Any download attempt goes to a closed port and fails: what builds here was built from local files only.
const NO_NETWORK = { BUN_COMPILE_TARGET_TARBALL_URL: "http://127.0.0.1:9/vfio-plat-test-no-download" };

function buildScript(args: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync([process.execPath, join(REPO, "scripts/build.ts"), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode ?? -1, out: r.stdout.toString() + r.stderr.toString() };
}

const INTERPRETER: Record<string, RegExp> = {
  "linux-arm64": /^\/lib\/ld-linux-aarch64\.so\.1$/,
  "linux-arm64-musl": /^\/lib\/ld-musl-aarch64\.so\.1$/,
  "linux-x64": /^\/lib64\/ld-linux-x86-64\.so\.2$/,
  "linux-x64-musl": /^\/lib\/ld-musl-x86_64\.so\.1$/,
};

describe.skipIf(!enabled)("cross build of all targets (set VFIO_PLAT_BUILD_TEST=1 to run; compiles four binaries, downloads runtimes once)", () => {
  const out = join(work, "dist");

  test("all four binaries, each for its CPU and C library, with checksums, man page and completions", () => {
    const r = buildScript(["--outdir", out]);
    expect(r.out).toContain("4 binaries");
    expect(r.code).toBe(0);
    const sums = readFileSync(join(out, "SHA256SUMS"), "utf8");
    for (const t of TARGETS) {
      const file = join(out, `vfio-plat-${t.name}`);
      const elf = elfInfo(file);
      expect(`${t.name}: ${elf.machine}`).toBe(`${t.name}: ${t.machine}`);
      expect(elf.interpreter).toMatch(INTERPRETER[t.name]!);
      const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
      expect(sums).toContain(`${digest}  vfio-plat-${t.name}\n`);
    }
    expect(existsSync(join(out, "vfio-plat.1"))).toBe(true);
    for (const f of ["bash/vfio-plat", "zsh/_vfio-plat", "fish/vfio-plat.fish"]) expect(existsSync(join(out, "completions", f))).toBe(true);
  }, 600_000);

  test("--offline from the warmed cache, with any download made to fail", () => {
    const r = buildScript(["--offline", "--target", "linux-arm64,linux-arm64-musl,linux-x64-musl", "--outdir", join(work, "offline")], NO_NETWORK);
    expect(r.out).toContain("runtime: cache");
    expect(r.code).toBe(0);
    expect(elfInfo(join(work, "offline", "vfio-plat-linux-arm64")).machine).toBe("aarch64");
  }, 300_000);

  test("--runtime-dir with an empty cache and no network", () => {
    const runtimes = join(work, "runtimes");
    const emptyCache = join(work, "empty-cache");
    mkdirSync(runtimes);
    mkdirSync(emptyCache);
    const name = `bun-linux-aarch64-v${Bun.version}`;
    copyFileSync(join(bunCacheDir(), name), join(runtimes, name));
    const r = buildScript(["--offline", "--runtime-dir", runtimes, "--target", "linux-arm64", "--outdir", join(work, "vendored")], {
      ...NO_NETWORK,
      BUN_INSTALL_CACHE_DIR: emptyCache,
    });
    expect(r.out).toContain("runtime: runtime-dir");
    expect(r.code).toBe(0);
    expect(elfInfo(join(work, "vendored", "vfio-plat-linux-arm64")).interpreter).toMatch(INTERPRETER["linux-arm64"]!);
  }, 300_000);
});
