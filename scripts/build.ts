// `bun run build`: standalone vfio-plat executables for the boards (linux-arm64, linux-x64, each for glibc and musl)
// in dist/, with the simulated board, git revision and target baked in, next to the man page and shell completions.
// Cross targets need the target's Bun runtime, which Bun downloads from the npm registry into its install cache; this
// script pins the Bun version, says where each runtime comes from, and with --offline builds only from the cache.
//
//   bun scripts/build.ts [--host] [--target linux-arm64,linux-x64-musl] [--outdir dist] [--offline]
//                        [--runtime-dir DIR] [--warm]
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { completionScript, SHELLS, completionFileName } from "../src/cli/completion/index.ts";
import { gitRevision } from "../src/cli/version-report.ts";
import { detectLibc } from "../src/cli/version-libc.ts";
import { elfInfo } from "./elf-info.ts";

/** The repository this script builds. */
export const REPO = resolve(import.meta.dir, "..");

/** One standalone binary this project ships. */
export interface ShipTarget {
  /** dist/vfio-plat-<name> */
  name: string;
  /** bun build --target */
  bunTarget: string;
  /** The runtime's name in Bun's install cache, before "-v<version>" (npm arch names: aarch64, not arm64). */
  runtime: string;
  arch: "x64" | "arm64";
  libc: "glibc" | "musl";
  machine: "x86-64" | "aarch64";
}

/** What `bun run build` ships: arm64 and x64, each for glibc and for musl. */
export const TARGETS: readonly ShipTarget[] = [
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", runtime: "bun-linux-aarch64", arch: "arm64", libc: "glibc", machine: "aarch64" },
  { name: "linux-arm64-musl", bunTarget: "bun-linux-arm64-musl", runtime: "bun-linux-aarch64-musl", arch: "arm64", libc: "musl", machine: "aarch64" },
  { name: "linux-x64", bunTarget: "bun-linux-x64", runtime: "bun-linux-x64", arch: "x64", libc: "glibc", machine: "x86-64" },
  { name: "linux-x64-musl", bunTarget: "bun-linux-x64-musl", runtime: "bun-linux-x64-musl", arch: "x64", libc: "musl", machine: "x86-64" },
];

/** The target this machine runs natively (Bun compiles it with its own executable: nothing to download). */
export function hostTarget(): ShipTarget | undefined {
  const libc = detectLibc().flavor;
  return TARGETS.find((t) => t.arch === process.arch && t.libc === libc);
}

/**
 * The Bun version this project builds with: package.json pins it exactly (devDependencies.bun) and package-lock.json
 * records what `npm ci` installs. The runtime embedded in a cross-compiled binary must be this exact version.
 * @throws Error when the two disagree or the pin is a range.
 */
export function pinnedBunVersion(repo = REPO): string {
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { devDependencies?: Record<string, string> };
  const spec = pkg.devDependencies?.bun;
  if (!spec || !/^\d+\.\d+\.\d+$/.test(spec)) throw new Error(`package.json devDependencies.bun must be an exact version, not ${spec ?? "missing"}`);
  const lockPath = join(repo, "package-lock.json");
  if (existsSync(lockPath)) {
    const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { packages?: Record<string, { version?: string }> };
    const locked = lock.packages?.["node_modules/bun"]?.version;
    if (locked !== undefined && locked !== spec) throw new Error(`package-lock.json has bun ${locked} but package.json pins ${spec}: run npm install`);
  }
  return spec;
}

/**
 * Where Bun keeps downloaded runtimes: $BUN_INSTALL_CACHE_DIR, else $XDG_CACHE_HOME/.bun/install/cache, else
 * $BUN_INSTALL/install/cache, else ~/.bun/install/cache. The build passes the answer to Bun explicitly, so the two agree.
 */
export function bunCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BUN_INSTALL_CACHE_DIR) return env.BUN_INSTALL_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, ".bun", "install", "cache");
  if (env.BUN_INSTALL) return join(env.BUN_INSTALL, "install", "cache");
  return join(env.HOME || homedir(), ".bun", "install", "cache");
}

/** How a target gets its runtime: Bun itself (host), a file (runtime dir or warmed cache), or a download. */
type RuntimeSource = { kind: "self" } | { kind: "file"; path: string; from: "runtime-dir" | "cache" } | { kind: "download"; into: string };

function runtimeSource(t: ShipTarget, version: string, opts: { host?: ShipTarget; cacheDir: string; runtimeDir?: string }): RuntimeSource {
  if (opts.host?.name === t.name) return { kind: "self" };
  const file = `${t.runtime}-v${version}`;
  if (opts.runtimeDir && existsSync(join(opts.runtimeDir, file))) return { kind: "file", path: join(opts.runtimeDir, file), from: "runtime-dir" };
  if (existsSync(join(opts.cacheDir, file))) return { kind: "file", path: join(opts.cacheDir, file), from: "cache" };
  return { kind: "download", into: join(opts.cacheDir, file) };
}

/** One binary written, with what the build measured. */
export interface BuiltTarget {
  target: ShipTarget;
  outfile: string;
  runtime: string;
  seconds: number;
  bytes: number;
  interpreter?: string;
}

function compile(entry: string, outfile: string, t: ShipTarget, src: RuntimeSource, cacheDir: string, defines: Record<string, string>): void {
  const args = [
    process.execPath,
    "build",
    "--compile",
    `--target=${t.bunTarget}`,
    // Ship JavaScriptCore bytecode next to the source: a one-shot call then skips parsing and compiling every function
    // it runs (docs/performance.md, "CLI start": about half of a `--sim info` call's own time).
    "--bytecode",
    "--sourcemap",
    // A tool run in any directory must not pick up that directory's .env or bunfig.toml.
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    ...Object.entries(defines).flatMap(([k, v]) => ["--define", `${k}=${JSON.stringify(v)}`]),
    ...(src.kind === "file" ? [`--compile-executable-path=${src.path}`] : []),
    entry,
    "--outfile",
    outfile,
  ];
  const r = Bun.spawnSync(args, { cwd: REPO, env: { ...process.env, BUN_INSTALL_CACHE_DIR: cacheDir }, stdout: "pipe", stderr: "pipe" });
  const out = `${r.stdout.toString()}${r.stderr.toString()}`;
  // bun build reports a failed runtime download on its output but may still exit 0: the output file is the truth.
  if (r.exitCode !== 0 || !existsSync(outfile)) {
    throw new Error(`bun build --compile --target=${t.bunTarget} failed (exit ${r.exitCode}):\n${out.trim()}`);
  }
}

function offlineHelp(missing: { t: ShipTarget; file: string }[], cacheDir: string, version: string): string {
  return [
    `no Bun ${version} runtime for ${missing.map((m) => m.t.name).join(", ")} in ${cacheDir} (--offline forbids downloading):`,
    ...missing.map((m) => `  missing ${join(cacheDir, m.file)}`),
    "warm the cache once while online (bun scripts/build.ts --warm), copy those files from a machine that has them,",
    "or pass --runtime-dir DIR holding them (the same names)",
  ].join("\n");
}

/** What to build, where, and where the target runtimes may come from. */
export interface BuildOptions {
  targets: readonly ShipTarget[];
  outdir: string;
  offline?: boolean;
  runtimeDir?: string;
  cacheDir?: string;
  log?: (line: string) => void;
}

/** Build the given targets into `outdir`; returns what was built. @throws Error on a pin mismatch or a failed build. */
export function build(opts: BuildOptions): BuiltTarget[] {
  const log = opts.log ?? (() => {});
  const version = pinnedBunVersion();
  if (Bun.version !== version) {
    throw new Error(`this build is pinned to Bun ${version} (package.json); this is Bun ${Bun.version}: run it with node_modules/.bin/bun (npm ci)`);
  }
  const cacheDir = opts.cacheDir ?? bunCacheDir();
  const host = hostTarget();
  const sources = opts.targets.map((t) => ({ t, src: runtimeSource(t, version, { ...(host ? { host } : {}), cacheDir, ...(opts.runtimeDir ? { runtimeDir: opts.runtimeDir } : {}) }) }));
  if (opts.offline) {
    const missing = sources.filter((s) => s.src.kind === "download").map((s) => ({ t: s.t, file: `${s.t.runtime}-v${version}` }));
    if (missing.length) throw new Error(offlineHelp(missing, cacheDir, version));
  }
  mkdirSync(opts.outdir, { recursive: true });
  const git = gitRevision(REPO, { dirty: true });
  const entry = join(REPO, "src/cli/main.ts");
  log(`vfio-plat: Bun ${version}, git ${git}, runtime cache ${cacheDir}`);
  const built: BuiltTarget[] = [];
  for (const { t, src } of sources) {
    const outfile = join(opts.outdir, `vfio-plat-${t.name}`);
    rmSync(outfile, { force: true });
    const runtime = src.kind === "self" ? "this bun" : src.kind === "file" ? `${src.from} ${src.path}` : `downloaded into ${src.into}`;
    const t0 = performance.now();
    compile(entry, outfile, t, src, cacheDir, { VFIO_PLAT_BUILD_GIT: git, VFIO_PLAT_BUILD_TARGET: t.name });
    const seconds = (performance.now() - t0) / 1000;
    // The source map is embedded in the binary (stack traces under --debug name src/ files); the side file is redundant.
    rmSync(`${outfile}.map`, { force: true });
    const elf = elfInfo(outfile);
    if (elf.machine !== t.machine || elf.libc !== t.libc) {
      throw new Error(`${outfile}: expected ${t.machine}/${t.libc}, got ${elf.machine}/${elf.libc} (${elf.interpreter ?? "static"})`);
    }
    const b: BuiltTarget = { target: t, outfile, runtime, seconds, bytes: statSync(outfile).size, ...(elf.interpreter ? { interpreter: elf.interpreter } : {}) };
    built.push(b);
    log(`  ${`vfio-plat-${t.name}`.padEnd(27)} ${b.seconds.toFixed(2).padStart(6)} s ${(b.bytes / 2 ** 20).toFixed(1).padStart(6)} MiB  ${elf.machine} ${elf.interpreter ?? "static"}  (runtime: ${runtime})`);
  }
  return built;
}

/** The files that travel with the binaries: man page, completions, checksums. */
function writeCompanions(outdir: string, built: BuiltTarget[]): void {
  const man = join(REPO, "docs/vfio-plat.1");
  if (existsSync(man)) copyFileSync(man, join(outdir, "vfio-plat.1"));
  for (const shell of SHELLS) {
    const file = join(outdir, "completions", completionFileName(shell));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, completionScript(shell));
  }
  const sums = built.map((b) => `${createHash("sha256").update(readFileSync(b.outfile)).digest("hex")}  vfio-plat-${b.target.name}`);
  if (sums.length) writeFileSync(join(outdir, "SHA256SUMS"), `${sums.join("\n")}\n`);
}

/** Fetch the runtimes of the given targets into the cache without building vfio-plat (prepare an offline machine). */
function warm(targets: readonly ShipTarget[], log: (l: string) => void): void {
  const version = pinnedBunVersion();
  const cacheDir = bunCacheDir();
  const host = hostTarget();
  const dir = mkdtempSync(join(tmpdir(), "vfio-plat-warm-"));
  try {
    writeFileSync(join(dir, "stub.ts"), "export {};\n");
    for (const t of targets) {
      const src = runtimeSource(t, version, { ...(host ? { host } : {}), cacheDir });
      if (src.kind !== "download") {
        log(`  ${t.name}: ${src.kind === "self" ? "host target, nothing to fetch" : `cached (${src.path})`}`);
        continue;
      }
      compile(join(dir, "stub.ts"), join(dir, t.name), t, src, cacheDir, {});
      log(`  ${t.name}: fetched into ${src.into}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function usage(): never {
  console.error("usage: bun scripts/build.ts [--host] [--target NAME,...] [--outdir DIR] [--offline] [--runtime-dir DIR] [--warm]");
  console.error(`targets: ${TARGETS.map((t) => t.name).join(", ")}`);
  process.exit(2);
}

if (import.meta.main) {
  let values: { host?: boolean; target?: string; outdir?: string; offline?: boolean; "runtime-dir"?: string; warm?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        host: { type: "boolean" },
        target: { type: "string" },
        outdir: { type: "string" },
        offline: { type: "boolean" },
        "runtime-dir": { type: "string" },
        warm: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    console.error(`build: ${(e as Error).message}`);
    usage();
  }
  if (values.help) usage();
  let targets: readonly ShipTarget[] = TARGETS;
  if (values.host) {
    const h = hostTarget();
    if (!h) {
      console.error(`build: this machine (${process.arch}, ${detectLibc().flavor}) is not one of the ship targets`);
      process.exit(2);
    }
    targets = [h];
  } else if (values.target) {
    const names = values.target.split(",").map((s) => s.trim());
    const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
    if (unknown.length) {
      console.error(`build: unknown target ${unknown.join(", ")}`);
      usage();
    }
    targets = TARGETS.filter((t) => names.includes(t.name));
  }
  const log = (l: string) => console.log(l);
  try {
    if (values.warm) {
      warm(targets, log);
    } else {
      const outdir = resolve(values.outdir ?? join(REPO, "dist"));
      const t0 = performance.now();
      const built = build({ targets, outdir, log, ...(values.offline ? { offline: true } : {}), ...(values["runtime-dir"] ? { runtimeDir: resolve(values["runtime-dir"]) } : {}) });
      writeCompanions(outdir, built);
      log(`${built.length} binaries in ${outdir} (${((performance.now() - t0) / 1000).toFixed(1)} s), with vfio-plat.1, completions/ and SHA256SUMS`);
    }
  } catch (e) {
    console.error(`build: ${(e as Error).message}`);
    process.exit(1);
  }
}
