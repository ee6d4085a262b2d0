// `vfio-plat --version`: the tool's version, git revision, the Bun that runs it and the C library bun:ffi will use.
// Not cac's default line, which reports Node's compatibility version instead of Bun's.
import { existsSync } from "node:fs";
import { VERSION } from "./version.ts";

function gitRevision(): string {
  if (typeof process.env.VFIO_PLAT_GIT_REV === "string") return process.env.VFIO_PLAT_GIT_REV;
  try {
    const r = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: import.meta.dir, stderr: "ignore" });
    const s = r.stdout.toString().trim();
    return r.exitCode === 0 && s ? s : "unknown";
  } catch {
    return "unknown";
  }
}

function libcName(): string {
  if (existsSync(`/lib/ld-musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`)) return "musl";
  return "glibc";
}

export function versionReport(): { version: string; git: string; bun: string; libc: string; line: string } {
  const git = gitRevision();
  const libc = libcName();
  return { version: VERSION, git, bun: Bun.version, libc, line: `vfio-plat ${VERSION} (git ${git}, bun ${Bun.version}, ${libc})` };
}
