// Rows 6-8: the CLI as a one-shot process. Start-up: `vfio-plat --sim info DEV` (wall time and peak RSS) against
// `bun -e 0`, the floor any Bun program pays, run both as `bun src/cli/main.ts` and as the standalone binary that
// `bun run build` ships (built here for this machine with the same script, bytecode included). One-shot listing:
// `vfio-plat list` on this machine against `driverctl list-devices` (Debian's driverctl), when it is installed.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext, RowGroup } from "../lib/context.ts";
import type { RowOutcome } from "../lib/row.ts";
import { runChild, type ChildRun } from "../lib/spawn.ts";

const INFO_DEVICE = "9010000.pl031";
const MIB = 1024 * 1024;

/** Run `a` and `b` alternately `n` times (after one unrecorded run of each, to warm the page cache). */
async function alternate(n: number, a: () => Promise<ChildRun>, b: () => Promise<ChildRun>): Promise<{ a: ChildRun[]; b: ChildRun[] }> {
  await a();
  await b();
  const out = { a: [] as ChildRun[], b: [] as ChildRun[] };
  for (let i = 0; i < n; i++) {
    out.a.push(await a());
    out.b.push(await b());
  }
  return out;
}

function which(cmd: string): string | undefined {
  return Bun.which(cmd) ?? undefined;
}

/**
 * Run argv under bench/c/peak-rss.c, so its peak RSS is its own (a child forked from the bench process would count
 * the bench's memory from before exec). Without a C compiler, maxRssBytes is NaN.
 */
export async function measured(ctx: BenchContext, argv: string[]): Promise<ChildRun> {
  const tool = ctx.c?.programs["peak-rss"];
  if (!tool) return { ...(await runChild(argv)), maxRssBytes: Number.NaN };
  const file = join(ctx.tmp, "peak-rss.txt");
  const r = await runChild([tool, file, ...argv]);
  return { ...r, maxRssBytes: Number.parseInt(readFileSync(file, "utf8"), 10) * 1024 };
}

/** What Bun's own `node:fs` costs over `bun -e 0`: every command that reads a file pays it, so no start row can beat it. */
interface Floor {
  time: string;
  rss: string;
}

const med = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;

/** `bun -e "require('node:fs')"` against `bun -e 0`, interleaved: the floor the start rows' notes give. */
async function fsFloor(ctx: BenchContext, n: number): Promise<Floor> {
  ctx.log("CLI start: the node:fs floor");
  const runs = await alternate(
    n,
    () => measured(ctx, [ctx.bun, "-e", "require('node:fs')"]),
    () => measured(ctx, [ctx.bun, "-e", "0"]),
  );
  const dt = med(runs.a.map((r) => r.wallMs)) - med(runs.b.map((r) => r.wallMs));
  const ratio = med(runs.a.map((r) => r.maxRssBytes)) / med(runs.b.map((r) => r.maxRssBytes));
  return {
    time: `floor: loading Bun's node:fs alone costs +${dt.toFixed(1)} ms over bun -e 0 (${n} interleaved runs); every command that reads a file pays it`,
    rss: Number.isFinite(ratio) ? `floor: node:fs alone is ${ratio.toFixed(2)}× of bun -e 0's peak RSS; every command that reads a file pays it` : "",
  };
}

/** The host's standalone binary, built by the shipping script into the bench's scratch directory. */
function buildBinary(ctx: BenchContext): string | { reason: string } {
  const outdir = join(ctx.tmp, "dist");
  const r = Bun.spawnSync([ctx.bun, join(ctx.root, "scripts/build.ts"), "--host", "--outdir", outdir], { cwd: ctx.root, stdout: "pipe", stderr: "pipe" });
  const binary = readdirFiles(outdir).find((f) => /^vfio-plat-linux-/.test(f));
  if (r.exitCode !== 0 || !binary) return { reason: `bun run build --host failed (exit ${r.exitCode}): ${r.stderr.toString().trim().split("\n").pop()}` };
  return join(outdir, binary);
}

function readdirFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The binary rows: the same `info` as the source rows, on the same board state, against `bun -e 0`. */
async function binaryStart(ctx: BenchContext, n: number, state: string, floor: Floor): Promise<Record<string, RowOutcome>> {
  ctx.log("CLI start, standalone binary (building it)");
  const binary = buildBinary(ctx);
  if (typeof binary !== "string") {
    const skipped: RowOutcome = { kind: "skipped", reason: binary.reason };
    return { "cli-start-binary-time": skipped, "cli-start-binary-rss": skipped };
  }
  const runs = await alternate(
    n,
    () => measured(ctx, [binary, "--sim", "--sim-state", state, "info", INFO_DEVICE]),
    () => measured(ctx, [ctx.bun, "-e", "0"]),
  );
  return {
    "cli-start-binary-time": { kind: "measured", vfio: runs.a.map((r) => r.wallMs), reference: runs.b.map((r) => r.wallMs), note: floor.time },
    "cli-start-binary-rss": ctx.c
      ? { kind: "measured", vfio: runs.a.map((r) => r.maxRssBytes / MIB), reference: runs.b.map((r) => r.maxRssBytes / MIB), note: floor.rss }
      : { kind: "skipped", reason: "no C compiler (peak RSS is read by bench/c/peak-rss.c)" },
  };
}

export const cliRows: RowGroup = {
  name: "cli",
  rows: [
    {
      id: "cli-start-time",
      what: "CLI start: wall time",
      vfioSide: `vfio-plat --sim info ${INFO_DEVICE} (device bound to vfio-amba)`,
      referenceSide: "bun -e 0",
      unit: "ms",
      goal: { kind: "delta-max", value: 20, unit: "ms" },
    },
    {
      id: "cli-start-rss",
      what: "CLI start: peak RSS",
      vfioSide: `vfio-plat --sim info ${INFO_DEVICE}`,
      referenceSide: "bun -e 0",
      unit: "MiB",
      goal: { kind: "ratio-max", value: 1.3 },
    },
    {
      id: "cli-start-binary-time",
      what: "CLI start, standalone binary: wall time",
      vfioSide: `dist binary (bun run build --host, bytecode) --sim info ${INFO_DEVICE}`,
      referenceSide: "bun -e 0",
      unit: "ms",
      goal: { kind: "delta-max", value: 20, unit: "ms" },
    },
    {
      id: "cli-start-binary-rss",
      what: "CLI start, standalone binary: peak RSS",
      vfioSide: `dist binary --sim info ${INFO_DEVICE}`,
      referenceSide: "bun -e 0",
      unit: "MiB",
      goal: { kind: "ratio-max", value: 1.3 },
    },
    {
      id: "list",
      what: "one-shot list",
      vfioSide: "vfio-plat list (this machine, real backend)",
      referenceSide: "driverctl list-devices",
      unit: "ms",
      goal: { kind: "ratio-max", value: 1 },
    },
  ],
  async run(ctx: BenchContext) {
    const n = Math.max(ctx.samples, ctx.quick ? 3 : 15);
    const state = join(ctx.tmp, "cli-board");
    mkdirSync(state, { recursive: true });
    const sim = [...ctx.cli, "--sim", "--sim-state", state];
    await runChild([...sim, "bind", INFO_DEVICE]);
    ctx.log("CLI start");
    const start = await alternate(
      n,
      () => measured(ctx, [...sim, "info", INFO_DEVICE]),
      () => measured(ctx, [ctx.bun, "-e", "0"]),
    );
    const floor = await fsFloor(ctx, n);
    const out: Awaited<ReturnType<RowGroup["run"]>> = {
      "cli-start-time": { kind: "measured", vfio: start.a.map((r) => r.wallMs), reference: start.b.map((r) => r.wallMs), note: floor.time },
      "cli-start-rss": ctx.c
        ? { kind: "measured", vfio: start.a.map((r) => r.maxRssBytes / MIB), reference: start.b.map((r) => r.maxRssBytes / MIB), note: floor.rss }
        : { kind: "skipped", reason: "no C compiler (peak RSS is read by bench/c/peak-rss.c)" },
    };
    Object.assign(out, await binaryStart(ctx, n, state, floor));
    const driverctl = which("driverctl");
    if (!driverctl) {
      out["list"] = { kind: "skipped", reason: "driverctl not installed (Debian: apt-get install driverctl)" };
      return out;
    }
    ctx.log("one-shot list");
    // driverctl exits non-zero when it finds no device to list; its time is what counts.
    const list = await alternate(
      n,
      () => runChild([...ctx.cli, "list"]),
      () => runChild([driverctl, "list-devices"], { allowFailure: true }),
    );
    out["list"] = { kind: "measured", vfio: list.a.map((r) => r.wallMs), reference: list.b.map((r) => r.wallMs) };
    return out;
  },
};
