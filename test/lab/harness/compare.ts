// The simulated board's side of the lab: the same guest runner, with --sim, on this machine, against the board that
// mirrors a boot profile, and a step-by-step comparison of the exit codes the two backends gave for each shared
// scenario. Same scenario, same step, same exit code, or the difference is named with both sides' stderr.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProfileName } from "../plan.ts";
import { parseConsole, type OutcomeRecord, type ParsedConsole } from "../protocol.ts";

export interface SimRun extends ParsedConsole {
  /** The runner's exit code (0 when it ran every job). */
  exit: number;
  stderr: string;
  seconds: number;
}

/** Run a profile's jobs (all, or `only`) with the guest runner on the simulated board; each scenario gets a fresh board. */
export async function runProfileOnSim(profile: ProfileName, only?: string[]): Promise<SimRun> {
  const state = mkdtempSync(join(tmpdir(), `vfio-plat-lab-sim-${profile}-`));
  const t0 = performance.now();
  try {
    const argv = [process.execPath, join(import.meta.dir, "../guest/runner.ts"), "--profile", profile, "--sim", "--sim-state", state];
    if (only && only.length > 0) argv.push("--only", only.join(","));
    const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, exit] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { ...parseConsole(stdout), exit, stderr, seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

/** One step where the backends disagree on the exit code, or where one backend has no record of the step. */
export interface ExitDifference {
  scenario: string;
  index: number;
  step: string;
  real: number | null | "missing";
  sim: number | null | "missing";
  realStderr: string;
  simStderr: string;
}

/**
 * Compare the exit codes of every step of `scenario` that either backend recorded (background starts and sleeps have
 * none on both sides and compare equal). @returns the differences, in step order; empty when the backends agree.
 */
export function compareExits(scenario: string, real: OutcomeRecord[], sim: OutcomeRecord[]): ExitDifference[] {
  const mine = (list: OutcomeRecord[]) => new Map(list.filter((o) => o.scenario === scenario).map((o) => [o.index, o]));
  const r = mine(real);
  const s = mine(sim);
  const indexes = [...new Set([...r.keys(), ...s.keys()])].sort((a, b) => a - b);
  const out: ExitDifference[] = [];
  for (const i of indexes) {
    const a = r.get(i);
    const b = s.get(i);
    const realExit = a ? a.exit : "missing";
    const simExit = b ? b.exit : "missing";
    if (realExit === simExit) continue;
    out.push({ scenario, index: i, step: (a ?? b)?.step ?? "?", real: realExit, sim: simExit, realStderr: a?.stderr.trim() ?? "", simStderr: b?.stderr.trim() ?? "" });
  }
  return out;
}

/** One line per difference, for a test failure message or the lab's report. */
export function formatDifference(d: ExitDifference): string {
  const cut = (t: string) => JSON.stringify(t.slice(0, 200));
  return `${String(d.index).padStart(2, "0")} ${d.step}: real exit ${d.real}, sim exit ${d.sim} (real stderr ${cut(d.realStderr)}; sim stderr ${cut(d.simStderr)})`;
}

/** stderr with what legitimately differs between two runs (process ids, timestamps) replaced by placeholders. */
export function normaliseStderr(text: string): string {
  return text
    .trim()
    .replace(/\b(process|pid|kill) \d+/g, "$1 N")
    .replace(/\b\d+\.\d{6,9}\b/g, "T");
}

/**
 * Steps whose exit codes agree but whose stderr does not (after normalising pids and timestamps): not a failure, since
 * messages may legitimately name things differently, but worth reading. @returns one line per such step.
 */
export function stderrNotes(scenario: string, real: OutcomeRecord[], sim: OutcomeRecord[]): string[] {
  const simByIndex = new Map(sim.filter((o) => o.scenario === scenario).map((o) => [o.index, o]));
  return real
    .filter((o) => o.scenario === scenario)
    .flatMap((a) => {
      const b = simByIndex.get(a.index);
      if (!b || a.exit !== b.exit || normaliseStderr(a.stderr) === normaliseStderr(b.stderr)) return [];
      return [`${String(a.index).padStart(2, "0")} ${a.step}: stderr differs: real ${JSON.stringify(a.stderr.trim().slice(0, 200))}, sim ${JSON.stringify(b.stderr.trim().slice(0, 200))}`];
    });
}
