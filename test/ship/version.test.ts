// `vfio-plat --version` from source: the C library is read from what this process really mapped (checked against
// the ELF interpreter of the Bun executable itself), the revision comes from git, and nothing claims to be a
// standalone build. libcFromMaps is checked on glibc, old-glibc, musl and musl-with-shim maps.
import { describe, expect, test } from "bun:test";
import { buildInfo, gitRevision, versionReport } from "../../src/cli/version-report.ts";
import { detectLibc, libcFromMaps } from "../../src/cli/version-libc.ts";
import { elfInfo } from "../../scripts/elf-info.ts";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const line = (path: string) => `7f0000000000-7f0000001000 r-xp 00000000 fe:00 1234                       ${path}`;

describe("libcFromMaps", () => {
  test("glibc: libc.so.6, and the version from an old libc-2.NN.so name", () => {
    expect(libcFromMaps([line("/usr/bin/bun"), line("/usr/lib/x86_64-linux-gnu/libc.so.6")].join("\n"))).toEqual({
      flavor: "glibc",
      path: "/usr/lib/x86_64-linux-gnu/libc.so.6",
    });
    expect(libcFromMaps(line("/lib/aarch64-linux-gnu/libc-2.31.so"))).toEqual({ flavor: "glibc", path: "/lib/aarch64-linux-gnu/libc-2.31.so", version: "2.31" });
  });
  test("musl: its loader is its libc; with a glibc shim mapped too, musl is the answer", () => {
    expect(libcFromMaps(line("/lib/ld-musl-aarch64.so.1"))).toEqual({ flavor: "musl", path: "/lib/ld-musl-aarch64.so.1" });
    expect(libcFromMaps([line("/lib/libc.so.6"), line("/lib/ld-musl-x86_64.so.1")].join("\n")).flavor).toBe("musl");
    expect(libcFromMaps(line("/usr/lib/libc.musl-x86_64.so.1")).flavor).toBe("musl");
  });
  test("nothing recognisable: unknown, not a guess", () => {
    expect(libcFromMaps([line("/usr/bin/bun"), "7f00-7f01 rw-p 00000000 00:00 0 [heap]", ""].join("\n"))).toEqual({ flavor: "unknown" });
    expect(libcFromMaps(line("/home/me/not-libc.so.6.bak")).flavor).toBe("unknown");
  });
});

describe("this process", () => {
  test("the C library found is the one the Bun executable's ELF interpreter belongs to", () => {
    const found = detectLibc();
    expect(found.flavor as string).toBe(elfInfo(process.execPath).libc);
    if (found.flavor === "glibc") expect(found.version).toMatch(/^\d+\.\d+/);
  });

  test("a source run reports git's revision and no standalone target", () => {
    expect(buildInfo()).toBeUndefined();
    const r = versionReport();
    const git = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: REPO, stdout: "pipe", stderr: "ignore" });
    if (git.exitCode === 0) expect(r.git).toBe(git.stdout.toString().trim());
    expect(r.standalone).toBeNull();
    expect(r.bun).toBe(Bun.version);
    expect(r.line).toBe(`vfio-plat ${r.version} (git ${r.git}, bun ${Bun.version}, ${r.libc})`);
  });

  test("gitRevision outside a repository is 'unknown', never an error", () => {
    expect(gitRevision("/")).toBe("unknown");
  });

  test("--version --json carries libc version and path", () => {
    const state = tempSimState();
    try {
      const j = JSON.parse(runCli(["--version", "--json"], { env: simEnv(state.dir) }).stdout);
      expect(j).toMatchObject({ schema: 1, libc: detectLibc().flavor, standalone: null });
      expect(j.libc_path).toBe(detectLibc().path ?? null);
    } finally {
      state.dispose();
    }
  });
});
