// Builds the C reference programs (bench/c/*.c) with the system compiler into bench/.build, at bench time only: the
// tool itself never compiles anything. No compiler means no reference side; the rows that need one say so.
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const BENCH_DIR = resolve(import.meta.dir, "..");
export const BUILD_DIR = join(BENCH_DIR, ".build");
const SOURCE_DIR = join(BENCH_DIR, "c");

/** The built programs by name ("pread-loop" -> path), and the compiler that built them. */
export interface CBuild {
  compiler: string;
  version: string;
  programs: Record<string, string>;
}

/** $CC, else cc, gcc or clang: the first that answers --version; undefined when none does. */
export function findCompiler(env: NodeJS.ProcessEnv = process.env): { compiler: string; version: string } | undefined {
  for (const compiler of [env.CC, "cc", "gcc", "clang"]) {
    if (!compiler) continue;
    try {
      const r = Bun.spawnSync([compiler, "--version"], { stdout: "pipe", stderr: "ignore" });
      if (r.exitCode === 0) return { compiler, version: r.stdout.toString().split("\n")[0]!.trim() };
    } catch {
      // not installed: try the next
    }
  }
  return undefined;
}

/**
 * Compile every bench/c/*.c with -O2 (skipped when the binary is newer than its source).
 * @returns undefined when there is no C compiler. @throws Error with the compiler's output when a program fails to build.
 */
export function buildReferences(opts: { compiler?: string; outDir?: string } = {}): CBuild | undefined {
  const found = opts.compiler ? { compiler: opts.compiler, version: opts.compiler } : findCompiler();
  if (!found) return undefined;
  const outDir = opts.outDir ?? BUILD_DIR;
  mkdirSync(outDir, { recursive: true });
  const programs: Record<string, string> = {};
  for (const file of readdirSync(SOURCE_DIR).filter((f) => f.endsWith(".c")).sort()) {
    const name = file.slice(0, -2);
    const src = join(SOURCE_DIR, file);
    const out = join(outDir, name);
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
      const r = Bun.spawnSync([found.compiler, "-O2", "-Wall", "-o", out, src], { stdout: "pipe", stderr: "pipe" });
      if (r.exitCode !== 0) throw new Error(`${found.compiler} failed on ${file}:\n${r.stderr.toString()}`);
    }
    programs[name] = out;
  }
  return { ...found, programs };
}
