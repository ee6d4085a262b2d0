// Runs scenarios with an executor that knows how to start vfio-plat on one backend (a simulated board on the host, or
// the real kernel inside the lab's guest) and judges every step against the scenario's expectations.
import type { Scenario, Step, StepResult } from "./scenario.ts";

/** How to run the CLI on one backend. */
export interface Executor {
  run(args: string[], stdin?: string): StepResult;
  /** Start in the background; resolves when stdout matches `ready` (or the process ends). */
  start(args: string[], ready: RegExp): Promise<{ stop(signal: "SIGINT" | "SIGTERM"): Promise<StepResult> }>;
}

export interface StepOutcome {
  scenario: string;
  step: string;
  ok: boolean;
  /** Why it failed. */
  problem?: string;
  result?: StepResult;
}

function judge(step: Step, r: StepResult): string | undefined {
  if (step.kind === "command") {
    if (r.exit !== step.exit) return `exit ${r.exit}, want ${step.exit} (stderr: ${r.stderr.trim().slice(0, 300)})`;
    if (typeof step.stdout === "string" && r.stdout !== step.stdout) return `stdout ${JSON.stringify(r.stdout)}, want ${JSON.stringify(step.stdout)}`;
    if (step.stdout instanceof RegExp && !step.stdout.test(r.stdout)) return `stdout ${JSON.stringify(r.stdout)} does not match ${step.stdout}`;
    if (step.stderr !== undefined && !r.stderr.includes(step.stderr)) return `stderr ${JSON.stringify(r.stderr)} lacks ${JSON.stringify(step.stderr)}`;
    return step.check?.(r);
  }
  if (step.kind === "stop" && r.exit !== step.exit) return `ended with ${r.exit}, want ${step.exit}`;
  return undefined;
}

/** Run one scenario; every step runs even after a failure (later steps report their own state). */
export async function runScenario(s: Scenario, ex: Executor): Promise<StepOutcome[]> {
  const out: StepOutcome[] = [];
  let bg: Awaited<ReturnType<Executor["start"]>> | undefined;
  for (const step of s.steps) {
    let result: StepResult | undefined;
    let problem: string | undefined;
    try {
      if (step.kind === "command") result = ex.run(step.args, step.stdin);
      else if (step.kind === "background") bg = await ex.start(step.args, step.ready);
      else if (step.kind === "stop") {
        if (!bg) problem = "no background command to stop";
        else result = await bg.stop(step.signal);
        bg = undefined;
      } else await Bun.sleep(step.ms);
      if (result && !problem) problem = judge(step, result);
    } catch (e) {
      problem = `threw: ${(e as Error).message}`;
    }
    out.push({ scenario: s.name, step: step.name, ok: problem === undefined, ...(problem ? { problem } : {}), ...(result ? { result } : {}) });
  }
  if (bg) await bg.stop("SIGTERM");
  return out;
}
