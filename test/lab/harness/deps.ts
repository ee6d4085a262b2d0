// Everything the lab needs from outside the repository, fetched only from Debian's and npm's registries: host
// packages (QEMU, the arm64 cross compiler, kernel build tools, linux-source-6.12), the arm64 busybox-static and
// glibc packages (downloaded and unpacked, never installed), and Bun for arm64 at the project's own Bun version.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./paths.ts";
import { log, mustRun, run } from "./exec.ts";

/** Debian packages the host needs, each with a file that proves it is there (dpkg-query is slower and not always usable). */
export const HOST_PACKAGES: { pkg: string; proof: string }[] = [
  { pkg: "qemu-system-arm", proof: "/usr/bin/qemu-system-aarch64" },
  { pkg: "gcc-aarch64-linux-gnu", proof: "/usr/bin/aarch64-linux-gnu-gcc" },
  { pkg: "make", proof: "/usr/bin/make" },
  { pkg: "flex", proof: "/usr/bin/flex" },
  { pkg: "bison", proof: "/usr/bin/bison" },
  { pkg: "bc", proof: "/usr/bin/bc" },
  { pkg: "libssl-dev", proof: "/usr/include/openssl/ssl.h" },
  { pkg: "libelf-dev", proof: "/usr/include/libelf.h" },
  { pkg: "xz-utils", proof: "/usr/bin/xz" },
  { pkg: "cpio", proof: "/usr/bin/cpio" },
  { pkg: "linux-source-6.12", proof: "/usr/src/linux-source-6.12.tar.xz" },
  // The real DTBs the simulator's device-tree boards are tested on (scripts/boards/dtbs.ts): cpp + dtc.
  { pkg: "cpp", proof: "/usr/bin/cpp" },
  { pkg: "device-tree-compiler", proof: "/usr/bin/dtc" },
];

/** The kernel source tarball the lab builds from. */
export const KERNEL_SOURCE = "/usr/src/linux-source-6.12.tar.xz";

/** Prefix for commands that need root: nothing as root, `sudo -n` otherwise. */
function asRoot(cmd: string[]): string[] {
  return process.getuid?.() === 0 ? cmd : ["sudo", "-n", ...cmd];
}

let aptUpdated = false;
function aptUpdate(): void {
  if (aptUpdated) return;
  log("apt-get update");
  mustRun(asRoot(["apt-get", "update"]));
  aptUpdated = true;
}

/** Install whichever host packages are missing (apt-get update once, only if the first try fails). @throws Error from apt-get. */
export function ensureHostPackages(): void {
  const missing = HOST_PACKAGES.filter((p) => !existsSync(p.proof)).map((p) => p.pkg);
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(" ")}`);
  const install = asRoot(["apt-get", "install", "-y", "--no-install-recommends", ...missing]);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  if (run(install, { env }).exit !== 0) {
    aptUpdate();
    mustRun(install, { env });
  }
}

/** The installed version of a Debian package (part of cache keys). @throws Error when it is not installed. */
export function debVersion(pkg: string): string {
  return mustRun(["dpkg-query", "-W", "-f=${Version}", pkg]).trim();
}

/**
 * Download busybox-static:arm64 and libc6:arm64 into `dir` (once) and unpack each into `dir/root`. Adds the arm64
 * architecture to dpkg first if needed; nothing is installed. @returns the unpacked root and the .deb file names.
 */
export function ensureGuestDebs(dir: string): { root: string; debs: string[] } {
  mkdirSync(dir, { recursive: true });
  const want = ["busybox-static", "libc6"];
  const debsHere = () => readdirSync(dir).filter((f) => f.endsWith("_arm64.deb"));
  const missing = want.filter((p) => !debsHere().some((f) => f.startsWith(`${p}_`)));
  if (missing.length > 0) {
    if (!mustRun(["dpkg", "--print-foreign-architectures"]).split("\n").includes("arm64")) {
      log("dpkg --add-architecture arm64");
      mustRun(asRoot(["dpkg", "--add-architecture", "arm64"]));
      aptUpdated = false;
      aptUpdate();
    }
    const download = ["apt-get", "download", ...missing.map((p) => `${p}:arm64`)];
    log(`${download.join(" ")} (into ${dir})`);
    if (run(download, { cwd: dir }).exit !== 0) {
      aptUpdate();
      mustRun(download, { cwd: dir });
    }
  }
  const debs = debsHere().sort();
  const root = join(dir, "root");
  const stamp = join(root, ".unpacked");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== debs.join("\n")) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    for (const d of debs) mustRun(["dpkg-deb", "-x", join(dir, d), root]);
    writeFileSync(stamp, debs.join("\n"));
  }
  return { root, debs };
}

/** The Bun version the project runs with: its installed `bun` devDependency, else this Bun. */
export function projectBunVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(REPO, "node_modules/bun/package.json"), "utf8")) as { version: string }).version;
  } catch {
    return Bun.version;
  }
}

/**
 * Bun for arm64 at `version`, from the npm package @oven/bun-linux-aarch64 (`npm pack` checks its integrity), unpacked
 * once under `dir`. @returns the path of the arm64 `bun` executable. @throws Error when npm or tar fails.
 */
export function ensureArm64Bun(dir: string, version: string): string {
  const bin = join(dir, `bun-linux-aarch64-${version}`, "bun");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const spec = `@oven/bun-linux-aarch64@${version}`;
  log(`npm pack ${spec}`);
  const tgz = mustRun(["npm", "pack", spec, "--pack-destination", dir, "--silent"], { cwd: dir }).trim().split("\n").pop() ?? "";
  const tmp = join(dir, `unpack.${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  mustRun(["tar", "-xzf", join(dir, tgz), "-C", tmp]);
  mkdirSync(join(dir, `bun-linux-aarch64-${version}`), { recursive: true });
  renameSync(join(tmp, "package/bin/bun"), bin);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(join(dir, tgz), { force: true });
  return bin;
}
