// Rows 6-8: the CLI as a one-shot process. Start-up: `vfio-plat --sim info DEV` (wall time and peak RSS) against
// `bun -e 0`, the floor any Bun program pays. One-shot listing: `vfio-plat list` on this machine against
// `driverctl list-devices` (Debian's driverctl), when it is installed.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext, RowGroup } from "../lib/context.ts";
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

export const cliRows: RowGroup = {
  name: "cli",
  rows: [
    {
      id: "cli-start-time",
      what: "CLI start: wall time",
      vfioSide: `vfio-plat --sim info ${INFO_DEVICE} (device bound to vfio-amba)`,
      referenceSide: "bun -e 0",
      unit: "ms",
      goal: { kind: "delta-max", value: 40, unit: "ms" },
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
      () => runChild([...sim, "info", INFO_DEVICE]),
      () => runChild([ctx.bun, "-e", "0"]),
    );
    const out: Awaited<ReturnType<RowGroup["run"]>> = {
      "cli-start-time": { kind: "measured", vfio: start.a.map((r) => r.wallMs), reference: start.b.map((r) => r.wallMs) },
      "cli-start-rss": {
        kind: "measured",
        vfio: start.a.map((r) => r.maxRssBytes / MIB),
        reference: start.b.map((r) => r.maxRssBytes / MIB),
      },
    };
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
