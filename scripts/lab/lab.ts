#!/usr/bin/env bun
// Entry point of vfio-plat's real-kernel lab: installs what it needs, builds and caches an arm64 kernel, packs an
// initramfs with Bun and the project, boots each profile under qemu-system-aarch64, prints each scenario step's
// outcome and compares the shared scenarios' exit codes with the simulated board's.
// Usage: bun scripts/lab/lab.ts deps|kernel|initramfs|run|dry-run [--profile P] [--scenario ID[,ID]] [--trace] [--echo]
//        [--rebuild] [--timeout SECONDS] [--no-sim]   (run boots each profile once; see docs/lab.md)
import { join } from "node:path";
import { compareExits, formatDifference, runProfileOnSim, stderrNotes } from "../../test/lab/harness/compare.ts";
import { ensureHostPackages } from "../../test/lab/harness/deps.ts";
import { buildInitrd } from "../../test/lab/harness/initramfs.ts";
import { ensureKernel } from "../../test/lab/harness/kernel.ts";
import { cacheRoot } from "../../test/lab/harness/paths.ts";
import { prepare, runProfileInGuest } from "../../test/lab/harness/session.ts";
import { parseTrace } from "../../test/lab/harness/trace.ts";
import { jobsFor, PROFILE_NAMES, profileOf, SIM_BOARDS, type Job, type ProfileName } from "../../test/lab/plan.ts";
import type { ParsedConsole } from "../../test/lab/protocol.ts";
import type { Backend } from "../../test/lab/scenarios/lab-scenario.ts";

const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(n);
const opt = (n: string) => {
  const i = argv.indexOf(n);
  return i >= 0 ? argv[i + 1] : undefined;
};
const USAGE =
  "usage: bun scripts/lab/lab.ts deps|kernel|initramfs|run|dry-run [--profile noiommu|smmuv3] [--scenario ID[,ID]] [--trace] [--echo] [--rebuild] [--timeout SECONDS] [--no-sim]";

/** The boots a command line asks for: one profile per boot, each with all its jobs or only the named ones. */
function boots(): { profile: ProfileName; only?: string[] }[] {
  const only = (opt("--scenario") ?? "").split(",").filter(Boolean);
  const given = opt("--profile");
  if (given !== undefined && !PROFILE_NAMES.includes(given as ProfileName)) throw new Error(`no boot profile '${given}' (have: ${PROFILE_NAMES.join(", ")})`);
  if (only.length > 0) return [{ profile: (given as ProfileName | undefined) ?? profileOf(only), only }];
  return given ? [{ profile: given as ProfileName }] : PROFILE_NAMES.map((profile) => ({ profile }));
}

const line = (ok: boolean, i: number, name: string, exit: number | null | undefined, tail: string) =>
  `${ok ? "ok  " : "FAIL"} ${String(i).padStart(2)} ${name.padEnd(48).slice(0, 48)} exit ${String(exit ?? "-").padStart(3)}  ${tail}`;

/** Print one line per step of every job (ok / FAIL and why) and return how many failed. */
function report(jobs: Job[], parsed: ParsedConsole, backend: Backend): number {
  let failed = 0;
  for (const job of jobs) {
    console.log(`${job.kind === "lab" ? "lab" : "shared"} scenario ${job.scenario.name}`);
    job.scenario.steps.forEach((step, i) => {
      if (job.kind === "lab") {
        const r = parsed.results.find((x) => x.scenario === job.scenario.name && x.index === i);
        const labStep = job.scenario.steps[i];
        const problem = !r ? "no result line" : labStep?.check?.(r, backend);
        if (problem) failed++;
        console.log(line(!problem, i, step.name, r?.exit, problem ?? (r?.stdout.trim().split("\n")[0] ?? "").slice(0, 100)));
      } else {
        const o = parsed.outcomes.find((x) => x.scenario === job.scenario.name && x.index === i);
        const problem = !o ? "no outcome line" : o.problem;
        if (problem) failed++;
        console.log(line(!problem, i, step.name, o?.exit, (problem ?? (o?.stdout.trim().split("\n")[0] ?? "")).slice(0, 160)));
      }
    });
  }
  for (const e of parsed.events.filter((x) => x.type === "leftover")) {
    failed++;
    console.log(`FAIL ${e.scenario} left devices on a VFIO driver: ${JSON.stringify(e.devices)}`);
  }
  return failed;
}

/** Compare the real run's exit codes with the simulated board's, per shared job; returns how many steps differ. */
function reportDifferences(jobs: Job[], real: ParsedConsole, sim: ParsedConsole, board: string): number {
  let n = 0;
  for (const job of jobs.filter((j) => j.kind === "shared")) {
    const diffs = compareExits(job.scenario.name, real.outcomes, sim.outcomes);
    n += diffs.length;
    console.log(`exit codes, real vs ${board}: ${job.scenario.name}: ${diffs.length === 0 ? "all equal" : `${diffs.length} difference(s)`}`);
    for (const d of diffs) console.log(`  DIFF ${formatDifference(d)}`);
    for (const n of stderrNotes(job.scenario.name, real.outcomes, sim.outcomes)) console.log(`  note ${n}`);
  }
  return n;
}

async function main(): Promise<number> {
  const cmd = argv[0] ?? "run";
  switch (cmd) {
    case "deps":
      ensureHostPackages();
      console.log("host packages present");
      return 0;
    case "kernel": {
      ensureHostPackages();
      const k = await ensureKernel({ force: flag("--rebuild") });
      console.log(`${k.image} (${k.built ? `built in ${k.seconds.toFixed(0)} s` : "cached"})`);
      return 0;
    }
    case "initramfs": {
      const i = buildInitrd(join(cacheRoot(), "runs", "initramfs"));
      console.log(`${i.path} (${(i.bytes / 1e6).toFixed(1)} MB)`);
      return 0;
    }
    case "run": {
      const t0 = performance.now();
      const p = await prepare({ forceKernel: flag("--rebuild") });
      const timeout = opt("--timeout");
      let failed = 0;
      for (const b of boots()) {
        const run = await runProfileInGuest(p, b.profile, { ...b, trace: flag("--trace"), echo: flag("--echo"), timeoutMs: timeout ? Number(timeout) * 1000 : undefined });
        console.log(`== profile ${b.profile} on the real kernel`);
        failed += report(run.jobs, run.boot, "real");
        for (const g of run.boot.garbled) console.log(`garbled: ${g}`);
        if (run.boot.tracePath) {
          const acc = parseTrace(await Bun.file(run.boot.tracePath).text()).filter((a) => a.region.includes("pl031") || a.region.includes("virtio"));
          console.log(`trace: ${acc.length} PL031/virtio-mmio access(es) in ${run.boot.tracePath}`);
        }
        const done = run.boot.events.some((e) => e.type === "done");
        if (!done) {
          failed++;
          const last = run.boot.events.filter((e) => e.type === "command").at(-1);
          console.log(`guest did not finish${last ? `; last command: ${JSON.stringify(last.args)} (${last.scenario})` : ""}; console: ${run.boot.consolePath}`);
        }
        if (!flag("--no-sim")) {
          const sim = await runProfileOnSim(b.profile, b.only);
          failed += reportDifferences(run.jobs, run.boot, sim, SIM_BOARDS[b.profile]);
        }
        console.log(`profile ${b.profile}: boot ${run.boot.seconds.toFixed(1)} s`);
      }
      console.log(`${failed} failed; whole run ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return failed === 0 ? 0 : 1;
    }
    case "dry-run": {
      // The same jobs on the simulated board, on this machine: checks the scenarios and their checks without QEMU.
      let failed = 0;
      for (const b of boots()) {
        const sim = await runProfileOnSim(b.profile, b.only);
        if (sim.exit !== 0) console.error(sim.stderr);
        console.log(`== profile ${b.profile} on the simulated board ${SIM_BOARDS[b.profile]} (${sim.seconds.toFixed(1)} s)`);
        failed += report(jobsFor(b.profile, b.only), sim, "sim") + (sim.exit === 0 ? 0 : 1);
      }
      console.log(`${failed} failed`);
      return failed === 0 ? 0 : 1;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`lab: ${(e as Error).message}`);
  process.exitCode = 1;
}
