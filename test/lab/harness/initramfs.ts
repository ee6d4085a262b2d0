// The guest's root filesystem as an uncompressed initramfs, in two concatenated cpio archives: a cached base (busybox,
// glibc for arm64, Bun for arm64: ~110 MB that changes only with their versions) and a small per-run part (/init, the
// project's src/ and runtime node_modules, the lab's guest runner and scenarios, the example plans and `vfio-plat` on
// PATH), so editing code never re-packs Bun.
import { copyFileSync, appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { bootRuleFiles } from "./boot-rules.ts";
import { addDirs, CpioWriter } from "./cpio.ts";
import { ensureArm64Bun, ensureGuestDebs, projectBunVersion } from "./deps.ts";
import { log } from "./exec.ts";
import { cacheRoot, contentKey, LAB_FILES, REPO } from "./paths.ts";

/** Where the project lives inside the guest. */
export const GUEST_PROJECT = "opt/vfio-plat";

/** The `vfio-plat` command inside the guest (a two-line script running the project's CLI with Bun). */
export const GUEST_CLI = "usr/local/bin/vfio-plat";

/** Directories every guest has (busybox --install -s fills bin/sbin/usr/bin/usr/sbin). */
const BASE_DIRS = ["bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "lib", "etc", "proc", "sys", "dev", "tmp", "run", "root", "opt"];

/** Add a host directory tree under `guestDir`, regular files and symlinks as they are (no special files). */
function addTree(w: CpioWriter, dirs: Set<string>, hostDir: string, guestDir: string, skip: (rel: string) => boolean = () => false): void {
  addDirs(w, dirs, guestDir);
  for (const name of readdirSync(hostDir).sort()) {
    const host = join(hostDir, name);
    const guest = `${guestDir}/${name}`;
    if (skip(relative(hostDir, host))) continue;
    const st = lstatSync(host);
    if (st.isSymbolicLink()) w.add({ type: "symlink", path: guest, target: readlinkSync(host) });
    else if (st.isDirectory()) addTree(w, dirs, host, guest, (rel) => skip(join(name, rel)));
    else if (st.isFile()) w.add({ type: "file", path: guest, data: readFileSync(host), mode: st.mode & 0o777 });
  }
}

/**
 * The cached base archive: busybox at /bin/busybox, glibc under /lib/aarch64-linux-gnu (+ the /lib loader link),
 * Bun at /usr/local/bin/bun, /dev/console, a root passwd entry. @returns its path.
 */
export function ensureBaseArchive(): { path: string; bunVersion: string; debs: string[] } {
  const cache = cacheRoot();
  const { root, debs } = ensureGuestDebs(join(cache, "debs"));
  const bunVersion = projectBunVersion();
  const bun = ensureArm64Bun(join(cache, "bun"), bunVersion);
  const key = contentKey(debs.join(","), bunVersion, readFileSync(import.meta.path), readFileSync(join(import.meta.dir, "cpio.ts")));
  const path = join(cache, `base-${key}.cpio`);
  if (existsSync(path)) return { path, bunVersion, debs };
  log(`packing the base initramfs (busybox, glibc, Bun ${bunVersion} for arm64)`);
  const w = new CpioWriter();
  const dirs = new Set<string>();
  for (const d of BASE_DIRS) addDirs(w, dirs, d);
  w.add({ type: "chardev", path: "dev/console", major: 5, minor: 1, mode: 0o600 });
  w.add({ type: "chardev", path: "dev/null", major: 1, minor: 3, mode: 0o666 });
  w.add({ type: "file", path: "bin/busybox", data: readFileSync(join(root, "bin/busybox")), mode: 0o755 });
  addTree(w, dirs, join(root, "lib/aarch64-linux-gnu"), "lib/aarch64-linux-gnu");
  w.add({ type: "symlink", path: "lib/ld-linux-aarch64.so.1", target: "aarch64-linux-gnu/ld-linux-aarch64.so.1" });
  w.add({ type: "file", path: "usr/local/bin/bun", data: readFileSync(bun), mode: 0o755 });
  w.add({ type: "file", path: "etc/passwd", data: new TextEncoder().encode("root:x:0:0:root:/root:/bin/sh\n") });
  w.add({ type: "file", path: "etc/group", data: new TextEncoder().encode("root:x:0:\n") });
  mkdirSync(cache, { recursive: true });
  writeFileSync(`${path}.tmp`, w.finish());
  renameSync(`${path}.tmp`, path);
  return { path, bunVersion, debs };
}

/** The project's runtime dependencies (package.json "dependencies", followed transitively through node_modules). */
export function runtimePackages(): string[] {
  const seen = new Set<string>();
  const visit = (pkgJson: string) => {
    const deps = (JSON.parse(readFileSync(pkgJson, "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const name of Object.keys(deps)) {
      if (seen.has(name)) continue;
      seen.add(name);
      visit(join(REPO, "node_modules", name, "package.json"));
    }
  };
  visit(join(REPO, "package.json"));
  return [...seen].sort();
}

/** A file added to the per-run archive: its path in the guest (no leading slash), contents and mode. */
export interface ExtraFile {
  path: string;
  data: Uint8Array;
  mode?: number;
}

/** The per-run archive: /init and the project under /opt/vfio-plat, plus `extra` files (e.g. the bench's C program). */
export function projectArchive(extra: ExtraFile[] = []): Uint8Array {
  const w = new CpioWriter();
  const dirs = new Set<string>();
  w.add({ type: "file", path: "init", data: readFileSync(LAB_FILES.init), mode: 0o755 });
  const P = GUEST_PROJECT;
  addDirs(w, dirs, P);
  w.add({ type: "file", path: `${P}/package.json`, data: readFileSync(join(REPO, "package.json")) });
  addTree(w, dirs, join(REPO, "src"), `${P}/src`);
  // The lab's own guest code, plus the shared scenario suite for the runner's `shared` mode.
  addTree(w, dirs, join(REPO, "test/lab"), `${P}/test/lab`, (rel) => rel.startsWith("harness") || rel.endsWith(".test.ts"));
  if (existsSync(join(REPO, "test/scenarios"))) addTree(w, dirs, join(REPO, "test/scenarios"), `${P}/test/scenarios`, (rel) => rel.endsWith(".test.ts"));
  for (const name of runtimePackages()) addTree(w, dirs, join(REPO, "node_modules", name), `${P}/node_modules/${name}`);
  // What `vfio-plat test` reads at run time: the published plan schema (imported from docs/) and the example plans
  // with the register maps and programs they name by relative path (examples/labgrid is host-side Python: left out).
  for (const f of readdirSync(join(REPO, "docs")).filter((n) => n.endsWith(".json")).sort()) {
    addDirs(w, dirs, `${P}/docs`);
    w.add({ type: "file", path: `${P}/docs/${f}`, data: readFileSync(join(REPO, "docs", f)) });
  }
  addTree(w, dirs, join(REPO, "examples"), `${P}/examples`, (rel) => rel === "labgrid" || rel.startsWith("labgrid/"));
  // `vfio-plat` on PATH, as an installed package gives it (package.json "bin"): what a farm's test runs.
  addDirs(w, dirs, "usr/local/bin");
  w.add({ type: "file", path: GUEST_CLI, data: new TextEncoder().encode(`#!/bin/sh\nexec bun /${P}/src/cli/main.ts "$@"\n`), mode: 0o755 });
  // The udev rules /init applies at boot (guest/udev-coldplug.ts): a persistent bind and an access rule. The program
  // is what `bind --persist` writes in the guest: the absolute bun and script (udev's PATH has no /usr/local/bin).
  for (const r of bootRuleFiles(["/usr/local/bin/bun", `/${P}/src/cli/main.ts`])) {
    addDirs(w, dirs, r.path.slice(0, r.path.lastIndexOf("/")));
    w.add({ type: "file", path: r.path, data: new TextEncoder().encode(r.text) });
  }
  for (const f of extra) {
    const slash = f.path.lastIndexOf("/");
    if (slash > 0) addDirs(w, dirs, f.path.slice(0, slash));
    w.add({ type: "file", path: f.path, data: f.data, mode: f.mode ?? 0o644 });
  }
  return w.finish();
}

/** Write base + project (+ `extra`) into `runDir/initrd.cpio` for QEMU's -initrd. @returns its path and size in bytes. */
export function buildInitrd(runDir: string, extra: ExtraFile[] = []): { path: string; bytes: number; bunVersion: string } {
  const base = ensureBaseArchive();
  mkdirSync(runDir, { recursive: true });
  const path = join(runDir, "initrd.cpio");
  copyFileSync(base.path, path);
  appendFileSync(path, projectArchive(extra));
  return { path, bytes: lstatSync(path).size, bunVersion: base.bunVersion };
}
