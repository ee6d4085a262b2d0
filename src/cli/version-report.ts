// `vfio-plat --version`: the tool's version, git revision, the Bun that runs it and the C library this process runs on.
// Not cac's default line, which reports Node's compatibility version instead of Bun's. A standalone binary has no
// .git: scripts/build.ts bakes the revision and target in with `--define`; a source run asks git.
import { detectLibc, type LibcFlavor } from "./version-libc.ts";
import { VERSION } from "./version.ts";

// Replaced by scripts/build.ts (`bun build --define`); undeclared in a source run, where `typeof` keeps them safe.
declare const VFIO_PLAT_BUILD_GIT: string | undefined;
declare const VFIO_PLAT_BUILD_TARGET: string | undefined;

/** What scripts/build.ts baked into this binary, or undefined for a run from source. */
export function buildInfo(): { git: string; target: string } | undefined {
  const git = typeof VFIO_PLAT_BUILD_GIT === "string" ? VFIO_PLAT_BUILD_GIT : undefined;
  const target = typeof VFIO_PLAT_BUILD_TARGET === "string" ? VFIO_PLAT_BUILD_TARGET : undefined;
  return git !== undefined && target !== undefined ? { git, target } : undefined;
}

/**
 * The short git revision of the tree in `dir`, with "-dirty" when tracked files differ from HEAD (a binary built from
 * uncommitted changes must not claim a clean commit). "unknown" when git or the repository is missing. Never throws.
 */
export function gitRevision(dir: string, opts: { dirty?: boolean } = {}): string {
  try {
    const r = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: dir, stdout: "pipe", stderr: "ignore" });
    const rev = r.stdout.toString().trim();
    if (r.exitCode !== 0 || !rev) return "unknown";
    if (!opts.dirty) return rev;
    const st = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: dir, stdout: "pipe", stderr: "ignore" });
    return st.exitCode === 0 && st.stdout.toString().trim() !== "" ? `${rev}-dirty` : rev;
  } catch {
    return "unknown";
  }
}

interface VersionReport {
  version: string;
  git: string;
  bun: string;
  libc: LibcFlavor;
  libc_version: string | null;
  libc_path: string | null;
  /** The build target of a standalone binary ("linux-arm64-musl"), null when run from source. */
  standalone: string | null;
  /** The one line `--version` prints. */
  line: string;
}

/** Everything `--version` reports. */
export function versionReport(): VersionReport {
  const baked = buildInfo();
  const git = process.env.VFIO_PLAT_GIT_REV ?? baked?.git ?? gitRevision(import.meta.dir);
  const libc = detectLibc();
  return {
    version: VERSION,
    git,
    bun: Bun.version,
    libc: libc.flavor,
    libc_version: libc.version ?? null,
    libc_path: libc.path ?? null,
    standalone: baked?.target ?? null,
    line: `vfio-plat ${VERSION} (git ${git}, bun ${Bun.version}, ${libc.flavor})`,
  };
}
