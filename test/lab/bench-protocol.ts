// The lab benchmark's wire format and parameters: the host asks for a bench boot with `vfio_plat_lab.bench=` on the
// kernel command line, the guest (test/lab/guest/bench.ts) prints one `VFIO-PLAT-BENCH {json}` line per measured
// sample on the console, and the host picks them out. Pure functions, imported by both sides.

/** Prefix of one measured sample's line. */
export const BENCH_PREFIX = "VFIO-PLAT-BENCH ";

/**
 * Where the host puts the CLI's bytecode bundle (main.js + main.js.jsc, bench/lib/cli-bytecode.ts), relative to the
 * project's directory in the guest; the same main.js without its .jsc goes to CLI_BUNDLE_DIR.
 */
export const CLI_BYTECODE_DIR = "bench/cli-bytecode";
export const CLI_BUNDLE_DIR = "bench/cli-bundle";

/** One sample: which measurement, which side (the library or the C reference), and nanoseconds per access. */
export interface BenchSample {
  /** The bench row id, e.g. "lab-register-pread". */
  row: string;
  side: "vfio" | "reference";
  /** Sample number, from 0; the two sides alternate (vfio 0, reference 0, vfio 1, ...). */
  sample: number;
  ns: number;
}

/** What the host asks the guest to measure. */
export interface BenchParams {
  /** Interleaved sample pairs per row. */
  samples: number;
  /** Accesses per sample. */
  n: number;
  /** The C reference program's path inside the guest. */
  program: string;
}

/** The kernel command-line word carrying the bench parameters (no spaces: one word). */
export function benchCmdline(p: BenchParams): string {
  return `vfio_plat_lab.bench=${p.samples},${p.n},${p.program}`;
}

/** The bench parameters on a kernel command line, or undefined when it has none. @throws Error when malformed. */
export function parseBenchCmdline(cmdline: string): BenchParams | undefined {
  const word = cmdline.split(/\s+/).find((w) => w.startsWith("vfio_plat_lab.bench="));
  if (word === undefined) return undefined;
  const [samples, n, program, ...rest] = word.slice("vfio_plat_lab.bench=".length).split(",");
  const s = Number(samples);
  const k = Number(n);
  if (!Number.isInteger(s) || s < 1 || !Number.isInteger(k) || k < 1 || !program || rest.length > 0) {
    throw new Error(`bad ${word}: want vfio_plat_lab.bench=SAMPLES,N,PROGRAM`);
  }
  return { samples: s, n: k, program };
}

/** One sample as a console line. */
export function formatBenchSample(s: BenchSample): string {
  return `${BENCH_PREFIX}${JSON.stringify(s)}`;
}

/**
 * The samples in a console text, per row and side in sample order. A line whose JSON does not parse or lacks a
 * field goes to `garbled` (a kernel message may share the serial line).
 */
export function parseBenchSamples(text: string): { rows: Record<string, { vfio: number[]; reference: number[] }>; garbled: string[] } {
  const rows: Record<string, { vfio: BenchSample[]; reference: BenchSample[] }> = {};
  const garbled: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r+$/, "");
    const at = line.indexOf(BENCH_PREFIX);
    if (at < 0) continue;
    let v: Partial<BenchSample>;
    try {
      v = JSON.parse(line.slice(at + BENCH_PREFIX.length)) as Partial<BenchSample>;
    } catch {
      garbled.push(line);
      continue;
    }
    if (typeof v.row !== "string" || (v.side !== "vfio" && v.side !== "reference") || typeof v.sample !== "number" || typeof v.ns !== "number" || !Number.isFinite(v.ns)) {
      garbled.push(line);
      continue;
    }
    const r = (rows[v.row] ??= { vfio: [], reference: [] });
    r[v.side].push(v as BenchSample);
  }
  const out: Record<string, { vfio: number[]; reference: number[] }> = {};
  for (const [row, r] of Object.entries(rows)) {
    const ordered = (xs: BenchSample[]) => [...xs].sort((a, b) => a.sample - b.sample).map((x) => x.ns);
    out[row] = { vfio: ordered(r.vfio), reference: ordered(r.reference) };
  }
  return { rows: out, garbled };
}
