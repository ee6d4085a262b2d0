// Which C library this process really runs on, for `vfio-plat --version`. The answer comes from /proc/self/maps
// (the library the runtime was linked against and the loader mapped), not from which files exist on disk: a glibc
// system may have musl installed and an Alpine board may carry a glibc shim (gcompat) that answers to "libc.so.6".
import { readFileSync } from "node:fs";
import { libcInfo } from "../ffi/index.ts";

export type LibcFlavor = "glibc" | "musl" | "unknown";

/** The C library mapped into this process. */
interface MappedLibc {
  flavor: LibcFlavor;
  /** The file the loader mapped, e.g. /usr/lib/x86_64-linux-gnu/libc.so.6 or /lib/ld-musl-aarch64.so.1. */
  path?: string;
  /** glibc: gnu_get_libc_version(); musl: what its loader prints; absent when it cannot be told. */
  version?: string;
}

// musl is one file (libc and loader in one): ld-musl-<arch>.so.1, which Alpine also installs as libc.musl-<arch>.so.1.
const MUSL_FILE = /(?:^|\/)(?:ld-musl-[a-z0-9_]+\.so\.1|libc\.musl-[a-z0-9_]+\.so\.1)$/;
// glibc: libc.so.6 (2.34+ and most distributions), or libc-2.NN.so behind that symlink on older ones.
const GLIBC_FILE = /(?:^|\/)(?:libc\.so\.6|libc-(\d+\.\d+)\.so)$/;

/**
 * The C library named in a /proc/<pid>/maps text. musl wins when both appear: a musl process that dlopen'ed a glibc
 * shim maps both, and the shim forwards to musl. Pure, so it can be tested on sample maps.
 */
export function libcFromMaps(maps: string): MappedLibc {
  let glibc: MappedLibc | undefined;
  for (const line of maps.split("\n")) {
    // Fields: address perms offset dev inode pathname (the pathname may be absent).
    const path = line.trim().split(/\s+/).slice(5).join(" ");
    if (!path.startsWith("/")) continue;
    if (MUSL_FILE.test(path)) return { flavor: "musl", path };
    const g = GLIBC_FILE.exec(path);
    if (g && !glibc) glibc = { flavor: "glibc", path, ...(g[1] ? { version: g[1] } : {}) };
  }
  return glibc ?? { flavor: "unknown" };
}

/** musl's loader, run directly, prints "musl libc (x86_64)\nVersion 1.2.4\n..." on stderr (Alpine's `ldd --version`). */
function muslVersion(loader: string): string | undefined {
  try {
    const r = Bun.spawnSync([loader], { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
    return /Version\s+(\d+(?:\.\d+)+)/.exec(r.stderr.toString())?.[1];
  } catch {
    return undefined;
  }
}

/** glibc's own version through bun:ffi (gnu_get_libc_version), only when the FFI backend agrees it loaded glibc. */
function glibcVersion(): string | undefined {
  try {
    const info = libcInfo();
    return info.flavor === "glibc" ? info.version : undefined;
  } catch {
    return undefined;
  }
}

/** The C library of this process, with its version where it can be told. Never throws. */
export function detectLibc(mapsPath = "/proc/self/maps"): MappedLibc {
  let found: MappedLibc;
  try {
    found = libcFromMaps(readFileSync(mapsPath, "latin1"));
  } catch {
    return { flavor: "unknown" };
  }
  if (found.flavor === "glibc") {
    const v = glibcVersion();
    if (v !== undefined) found.version = v;
  } else if (found.flavor === "musl" && found.path) {
    const v = muslVersion(found.path);
    if (v !== undefined) found.version = v;
  }
  return found;
}
