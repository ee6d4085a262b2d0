// Builds and runs test/fixtures/abi/probe.c (the C reference for the ABI tests) with the system `cc` in a temp dir and
// parses its JSON: what the compiler sees in <linux/vfio.h> (plus the clearly labelled hand-declared newer structs).
// Shared by the test/abi suites; the result is cached so the probe is compiled once per `bun test` process.
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Path of the system C compiler, or null when there is none (the ABI suites then skip). */
export const cc: string | null = Bun.which("cc");

/** The installed uapi header the probe compiles against. */
export const VFIO_HEADER = "/usr/include/linux/vfio.h";

/** The iommufd uapi header (linux-libc-dev >= 6.2); probe.c includes it when present, else uses hand-declared copies. */
export const IOMMUFD_HEADER = "/usr/include/linux/iommufd.h";
export const hasIommufdHeader: boolean = existsSync(IOMMUFD_HEADER);

/** True when the probe can be built here: a C compiler and the kernel uapi headers (linux-libc-dev, pulled in by gcc). */
export const canProbe: boolean = cc !== null && existsSync(VFIO_HEADER);

/** Where a number came from: the installed header's own macro/struct, or a copy declared in probe.c. */
export type Source = "header" | "hand-declared";

export interface ProbeField {
  offset: number;
  /** sizeof the member; absent for a flexible array member. */
  size?: number;
  signed?: boolean;
  /** A flexible array member (the variable payload starts here). */
  flex?: true;
}

export interface ProbeStruct {
  source: Source;
  size: number;
  fields: Record<string, ProbeField>;
}

export interface ProbeNumber {
  /** Exact value (printed as a decimal string by the probe so u64 constants keep every bit). */
  value: bigint;
  source: Source;
}

export interface ProbeResult {
  pointer_size: number;
  structs: Record<string, ProbeStruct>;
  ioctls: Record<string, ProbeNumber>;
  constants: Record<string, ProbeNumber>;
}

const PROBE_C = join(import.meta.dir, "..", "fixtures", "abi", "probe.c");
let cached: ProbeResult | undefined;

/** Compile and run the probe (once). Throws Error with the compiler's stderr if the build or the run fails. */
export function runProbe(): ProbeResult {
  if (cached) return cached;
  if (!cc) throw new Error("no C compiler");
  const dir = mkdtempSync(join(tmpdir(), "vfio-plat-abi-"));
  try {
    const exe = join(dir, "probe");
    const build = Bun.spawnSync([cc, "-std=gnu11", "-Wall", "-o", exe, PROBE_C], { stderr: "pipe" });
    if (build.exitCode !== 0) throw new Error(`cc failed on ${PROBE_C}:\n${build.stderr.toString()}`);
    const run = Bun.spawnSync([exe], { stdout: "pipe", stderr: "pipe" });
    if (run.exitCode !== 0) throw new Error(`probe exited ${run.exitCode}: ${run.stderr.toString()}`);
    const raw = JSON.parse(run.stdout.toString()) as Omit<ProbeResult, "ioctls" | "constants"> & {
      ioctls: Record<string, { value: string; source: Source }>;
      constants: Record<string, { value: string; source: Source }>;
    };
    const numbers = (o: Record<string, { value: string; source: Source }>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { value: BigInt(v.value), source: v.source }]));
    cached = { ...raw, ioctls: numbers(raw.ioctls), constants: numbers(raw.constants) };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
