#!/usr/bin/env bun
// Entry point of vfio-plat's real-kernel lab: installs what it needs, builds and caches an arm64 kernel, packs an
// initramfs with Bun and the project, boots it under qemu-system-aarch64 and prints each scenario step's outcome.
// Usage: bun scripts/lab/lab.ts deps|kernel|initramfs|run|dry-run [--scenario NAME] [--trace] [--echo] [--rebuild] [--timeout SECONDS]
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ensureHostPackages } from "../../test/lab/harness/deps.ts";
import { buildInitrd } from "../../test/lab/harness/initramfs.ts";
import { ensureKernel } from "../../test/lab/harness/kernel.ts";
import { cacheRoot, REPO } from "../../test/lab/harness/paths.ts";
import { parseTrace } from "../../test/lab/harness/trace.ts";
import { prepare, runScenarioInGuest, scenarioNamed } from "../../test/lab/harness/session.ts";
import { parseConsole, type StepRecord } from "../../test/lab/protocol.ts";
import type { Backend, LabScenario } from "../../test/lab/scenarios/lab-scenario.ts";

const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(n);
const opt = (n: string) => {
  const i = argv.indexOf(n);
  return i >= 0 ? argv[i + 1] : undefined;
};

/** Print one line per step (ok / FAIL and why) and return how many failed. */
function report(s: LabScenario, results: StepRecord[], backend: Backend): number {
  let failed = 0;
  s.steps.forEach((step, i) => {
    const r = results.find((x) => x.index === i);
    const problem = !r ? "no result line" : step.check?.(r, backend);
    if (problem) failed++;
    const first = r ? (r.stdout.trim().split("\n")[0] ?? "").slice(0, 100) : "";
    console.log(`${problem ? "FAIL" : "ok  "} ${String(i).padStart(2)} ${step.name.padEnd(30)} exit ${r?.exit ?? "-"} ${String(r?.ms ?? "-").padStart(5)} ms  ${problem ?? first}`);
  });
  return failed;
}

async function main(): Promise<number> {
  const cmd = argv[0] ?? "run";
  const scenarioName = opt("--scenario") ?? "first-light";
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
      const i = buildInitrd(join(cacheRoot(), "runs", scenarioName));
      console.log(`${i.path} (${(i.bytes / 1e6).toFixed(1)} MB)`);
      return 0;
    }
    case "run": {
      const t0 = performance.now();
      const p = await prepare({ forceKernel: flag("--rebuild") });
      const timeout = opt("--timeout");
      const run = await runScenarioInGuest(p, scenarioName, { trace: flag("--trace"), echo: flag("--echo"), timeoutMs: timeout ? Number(timeout) * 1000 : undefined });
      const failed = report(run.scenario, run.boot.results, "real");
      for (const g of run.boot.garbled) console.log(`garbled: ${g}`);
      if (run.boot.tracePath) {
        const acc = parseTrace(await Bun.file(run.boot.tracePath).text()).filter((a) => a.region.includes("pl031") || a.region.includes("virtio"));
        console.log(`trace: ${acc.length} PL031/virtio-mmio access(es) in ${run.boot.tracePath}`);
      }
      const done = run.boot.events.some((e) => e.type === "done");
      console.log(`${done ? "" : "guest did not finish; "}${failed} failed; whole run ${((performance.now() - t0) / 1000).toFixed(1)} s (boot ${run.boot.seconds.toFixed(1)} s)`);
      return failed === 0 && done ? 0 : 1;
    }
    case "dry-run": {
      // The same steps on the simulated board, on this machine: checks the scenario and its checks without QEMU.
      const s = scenarioNamed(scenarioName);
      const state = join(cacheRoot(), "runs", `${scenarioName}-sim-state`);
      rmSync(state, { recursive: true, force: true });
      const r = Bun.spawnSync([process.execPath, join(REPO, "test/lab/guest/runner.ts"), "--scenario", scenarioName, "--sim", "--sim-state", state], { stdout: "pipe", stderr: "inherit" });
      const failed = report(s, parseConsole(r.stdout.toString()).results, "sim");
      return failed === 0 ? 0 : 1;
    }
    default:
      console.error(`usage: bun scripts/lab/lab.ts deps|kernel|initramfs|run|dry-run [--scenario NAME] [--trace] [--echo] [--rebuild] [--timeout SECONDS]`);
      return 2;
  }
}

process.exitCode = await main();
