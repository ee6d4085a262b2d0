// `bun run bench`: builds the C reference programs, measures every row of issue 5 with vfio-plat and its reference
// interleaved (A B A B ...), prints one table (median and min–max spread, ratio, goal, PASS/MISS) and writes
// bench/results.json. Options: --samples N, --quick (smoke run), --only ID[,ID], --lab / --no-lab (the QEMU lab rows:
// by default they run when the lab can, i.e. QEMU, the cross compiler and the lab's kernel are there, except in --quick),
// --out FILE, --sim-board FILE|NAME (the board of the in-process PL330 row, e.g. a real juno-r2.dtb).
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { cpus, release, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRealBoundary } from "../src/ffi/index.ts";
import { buildReferences } from "./lib/c-build.ts";
import type { BenchContext, RowGroup } from "./lib/context.ts";
import { RESULTS_SCHEMA, rowResult, type ResultsDocument } from "./lib/results.ts";
import type { RowOutcome, RowResult } from "./lib/row.ts";
import { renderTable } from "./lib/table.ts";
import { GROUPS } from "./rows/index.ts";
import { labMissing } from "./rows/lab.ts";

interface Options {
  samples: number;
  quick: boolean;
  only?: string[];
  lab: boolean;
  noLab: boolean;
  out: string;
  simBoard?: string;
}

const ROOT = resolve(import.meta.dir, "..");

function parseArgs(argv: string[]): Options {
  const o: Options = { samples: 9, quick: false, lab: false, noLab: false, out: join(import.meta.dir, "results.json") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--samples") o.samples = Number.parseInt(value(), 10);
    else if (a === "--quick") o.quick = true;
    else if (a === "--lab") o.lab = true;
    else if (a === "--no-lab") o.noLab = true;
    else if (a === "--only") o.only = value().split(",");
    else if (a === "--out") o.out = resolve(value());
    else if (a === "--sim-board") {
      const v = value();
      o.simBoard = /\.(json|dt[bs])$/i.test(v) ? resolve(v) : v; // a file, or a built-in board's name
    }
    else if (a === "--help" || a === "-h") {
      process.stdout.write("usage: bun run bench [--samples N] [--quick] [--only ROW[,ROW]] [--lab | --no-lab] [--out FILE] [--sim-board FILE]\n");
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.lab && o.noLab) throw new Error("--lab and --no-lab contradict each other");
  if (!(o.samples >= 1)) throw new Error("--samples must be at least 1");
  if (o.quick && !argv.includes("--samples")) o.samples = 3;
  return o;
}

/** Run the selected groups in order; a group that throws marks its rows skipped with the error. */
export async function runGroups(groups: readonly RowGroup[], ctx: BenchContext, only?: string[]): Promise<RowResult[]> {
  const out: RowResult[] = [];
  for (const g of groups) {
    const wanted = g.rows.filter((r) => !only || only.includes(r.id) || only.includes(g.name));
    if (wanted.length === 0) continue;
    let outcomes: Record<string, RowOutcome>;
    try {
      outcomes = await g.run(ctx);
    } catch (e) {
      const reason = `failed: ${e instanceof Error ? e.message : String(e)}`;
      ctx.log(`${g.name}: ${reason}`);
      outcomes = Object.fromEntries(g.rows.map((r) => [r.id, { kind: "skipped", reason } as RowOutcome]));
    }
    for (const spec of wanted) out.push(rowResult(spec, outcomes[spec.id] ?? { kind: "skipped", reason: "not run" }));
  }
  return out;
}

/** Whether the lab rows run: --lab forces them, --no-lab and --quick leave them out, otherwise when the lab can run. */
function labChoice(o: Options): { lab: boolean; why?: string } {
  if (o.lab) return { lab: true };
  if (o.noLab) return { lab: false, why: "lab not run (--no-lab)" };
  if (o.quick) return { lab: false, why: "lab not run (--quick; add --lab)" };
  const missing = labMissing();
  return missing ? { lab: false, why: missing } : { lab: true };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
  const c = buildReferences();
  if (!c) log("no C compiler (cc, gcc, clang or $CC): rows with a C reference are skipped");
  const tmp = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vfio-plat-bench-"));
  const b = createRealBoundary();
  const ctx: BenchContext = {
    c,
    samples: opts.samples,
    quick: opts.quick,
    tmp,
    b,
    cli: [process.execPath, join(ROOT, "src/cli/main.ts")],
    bun: process.execPath,
    root: ROOT,
    ...(opts.simBoard ? { simBoard: opts.simBoard } : {}),
    log,
  };
  let rows: RowResult[];
  try {
    rows = await runGroups(GROUPS(labChoice(opts)), ctx, opts.only);
  } finally {
    b.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
  const command = ["bun run bench", ...process.argv.slice(2)].join(" ");
  process.stdout.write(`${renderTable(rows)}\n`);
  const doc: ResultsDocument = {
    schema: RESULTS_SCHEMA,
    command,
    date: new Date().toISOString(),
    host: {
      bun: Bun.version,
      ...(c ? { cc: c.version } : {}),
      kernel: release(),
      cpu: cpus()[0]?.model ?? "unknown",
      cpus: cpus().length,
      arch: process.arch,
    },
    rows,
  };
  writeFileSync(opts.out, `${JSON.stringify(doc, null, 2)}\n`);
  log(`wrote ${opts.out}`);
  return 0;
}

if (import.meta.main) process.exit(await main());
