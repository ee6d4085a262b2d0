// The plan runner: per device, bind (the `bind` command, with its journal), the steps in order, unbind (giving back
// exactly what bind found), each a case reported as it ends. A failed step skips the device's later steps unless it
// says `continue: true`; unbind runs regardless. A stop signal ends the plan before its next step: the running step
// gets the signal, the device is given back, every case not run is "skip", and the exit status is 128 + the signal.
import { signalExit, type StopSignal } from "../output/exit-codes.ts";
import { formatPeriod } from "../parse/periods.ts";
import { runChild, type ChildOutcome } from "./child-step.ts";
import { DEFAULT_GRACE_MS, type Plan, type PlanDevice, type PlanStep } from "./plan-types.ts";
import type { CaseResult, PlanReporter, PlanResult } from "./result.ts";
import { stepCommands } from "./step-commands.ts";

export interface RunPlanOptions {
  /** The command line that starts this CLI with the plan's global options and --json: [bun, main.ts, --sim, ...]. */
  cli: string[];
  env: Record<string, string | undefined>;
  backend: "real" | "sim";
  /** The board it runs on when known (the simulator's); else the reports give the plan's `board:`. */
  board?: string;
  /** Each device's resolved name, in plan order. */
  names: string[];
  /** Per device, whether it was on a VFIO driver before the plan: such a device is never unbound (whatever bind says). */
  onVfio?: boolean[];
  reporter: PlanReporter;
  /** Fires with the signal's name ("SIGINT") when the plan must stop. */
  abort: AbortSignal;
  /** Which cases to run (--only): the chosen steps, with their device's bind and unbind (a chosen bind or unbind alone runs just those). */
  only?: (caseId: string) => boolean;
  /** After a timeout's SIGTERM, how long before SIGKILL (instead of the plan's `grace:` or its default). */
  graceMs?: number;
  /** Called once the plan has ended (devices given back) when the report could not be written, with the error. */
  onReportError?: (error: unknown) => void;
  /** Called when a step's command started (the test pause hook). */
  onStepSpawn?: (caseId: string, pid: number) => void;
}

/** The skip message of a case not run because the report could not be written (its reader left). */
export const REPORT_LOST = "not run: the report could not be written";

/** A case the plan will report, before it runs. */
interface PlannedCase {
  id: string;
  kind: string;
  device: number;
  step?: PlanStep;
}

/** The cases of `plan` in the order they run: bind, steps, unbind per device (bind and unbind only when it binds). */
export function planCases(plan: Plan, only?: (id: string) => boolean): PlannedCase[] {
  const out: PlannedCase[] = [];
  plan.devices.forEach((d, i) => {
    const steps: PlannedCase[] = d.steps.map((s) => ({ id: `${d.id}/${s.id}`, kind: s.kind, device: i, step: s }));
    const edges = d.bind ? [{ id: `${d.id}/bind`, kind: "bind", device: i }, { id: `${d.id}/unbind`, kind: "unbind", device: i }] : [];
    if (only && ![...steps, ...edges].some((c) => only(c.id))) return;
    // Bind and unbind come with any chosen step; choosing only them (`--only 'rtc/bind'`) runs no step.
    const chosen = only ? steps.filter((c) => only(c.id)) : steps;
    out.push(...(d.bind ? [edges[0]!] : []), ...chosen, ...(d.bind ? [edges[1]!] : []));
  });
  return out;
}

/** The `--json` error a command printed on stderr (the last such line), if any. */
function errorJson(stderr: string): { code?: string; message?: string; hint?: string | null; check?: { target?: string; expected?: string; actual?: string } } | undefined {
  for (const line of stderr.trim().split("\n").reverse()) {
    try {
      const doc = JSON.parse(line) as { error?: unknown };
      if (doc && typeof doc === "object" && doc.error && typeof doc.error === "object") return doc.error as never;
    } catch {
      // Not JSON: a notice line.
    }
  }
  return undefined;
}

/** The first JSON document a command printed on stdout, if any. */
function outputJson(stdout: string): Record<string, unknown> | undefined {
  for (const line of stdout.trim().split("\n")) {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      // Keep looking.
    }
  }
  return undefined;
}

/** How a command was timed: the step's timeout, and whether the command times itself out at it (poll, irq ...). */
interface Timing {
  timeoutMs: number;
  ownTimeout?: boolean;
  registerLines?: boolean;
}

/** The case for a command that ran: its status from how it ended, the facts from its JSON. */
function caseOf(base: Pick<CaseResult, "id" | "device" | "deviceId" | "kind">, o: ChildOutcome, ms: number, t: Timing): CaseResult {
  const r: CaseResult = { ...base, status: "pass", durationMs: ms, exitCode: o.exitCode };
  // An expect/write step runs as a `run -` script: its start record says nothing the case does not.
  const stdout = (t.registerLines ? o.stdout.split("\n").filter((l) => !l.startsWith('{"type":"start"')).join("\n") : o.stdout).trim();
  const stderr = o.stderr.trim();
  if (stdout) r.stdout = stdout;
  if (stderr) r.stderr = stderr;
  if (o.exitCode === 0 && !o.timedOut) return r;
  if (o.exitCode === 0 && t.ownTimeout && !o.interrupted) {
    // Its own check held within its own timeout: only its start-up outran the plan's timer.
    r.message = `passed, but ended ${formatPeriod(ms)} after it started (start-up included), beyond the plan's allowance`;
    return r;
  }
  const err = errorJson(o.stderr);
  const told = err?.message ?? stderr.split("\n").at(-1) ?? "";
  // An expect/write step's script is the plan's registers: the register named is the place, not a line number.
  const said = t.registerLines ? told.replace(/^line \d+: /, "") : told;
  if (o.timedOut) {
    r.status = "error";
    // The step's timeout, as the plan gives it; a command that should have timed itself out was killed later.
    r.message = `timed out after ${formatPeriod(t.timeoutMs)}${t.ownTimeout ? ` (it did not stop by itself; killed ${formatPeriod(ms)} after it started)` : ""}`;
    // An exit status of 0 after the kill's SIGTERM would contradict the error: the message says what happened.
    if (o.exitCode === 0) {
      r.message += ": it finished after SIGTERM";
      delete r.exitCode;
    }
  } else if (o.interrupted) {
    r.status = "error";
    // The command's own InterruptedError says the same words again: keep only what else it said.
    r.message = `interrupted by ${o.interrupted}${said && err?.code !== o.interrupted ? `: ${said}` : ""}`;
  } else {
    r.status = o.exitCode === 7 || o.exitCode === 8 ? "fail" : "error";
    r.message = said || `exited with status ${o.exitCode}`;
  }
  const check = err?.check;
  if (check?.expected !== undefined && check.actual !== undefined && !o.timedOut && !o.interrupted) {
    // The register names the failure; expected and actual say the rest (a script's line number is kept).
    const line = /^line \d+: /.exec(said)?.[0] ?? "";
    r.message = `${line}${check.target ?? said}`;
    r.expected = check.expected;
    r.actual = check.actual;
  }
  // The JSON error line was read into message/expected/actual: stderr keeps what else the command said.
  const rest = stderr.split("\n").filter((l) => !l.startsWith('{"error":')).join("\n").trim();
  if (rest) r.stderr = rest;
  else delete r.stderr;
  return r;
}

/**
 * Run `plan` to its end (or to a stop signal), reporting each case as it ends.
 * @returns the whole result; its exitCode is 0, 8 or 128 + the signal
 */
export async function runPlan(plan: Plan, opts: RunPlanOptions): Promise<PlanResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const planned = planCases(plan, opts.only);
  const start = { plan: plan.name, file: plan.file, ...((opts.board ?? plan.board) !== undefined ? { board: (opts.board ?? plan.board)! } : {}), backend: opts.backend, caseCount: planned.length };
  // A report that cannot be written (stdout closed by `| head -1`, a full disk) stops the plan like a signal: no more
  // steps, but every device is still given back; the error is rethrown once the plan has ended.
  let reportError: { error: unknown } | undefined;
  const toReporter = (fn: () => void): void => {
    if (reportError) return;
    try {
      fn();
    } catch (error) {
      reportError = { error };
    }
  };
  toReporter(() => opts.reporter.begin(start));
  const cases: CaseResult[] = [];
  const report = (c: CaseResult): void => {
    cases.push(c);
    toReporter(() => opts.reporter.case(c));
  };
  // A command's start-up (bun loading the CLI) is counted by the plan's timers, not by a command's own --timeout: on a
  // slow target (the TCG lab: 2-4 s) it is most of a step. The slowest bind or unbind so far stands for it.
  let startupMs = 0;
  const graceMs = (): number => opts.graceMs ?? plan.graceMs ?? Math.max(DEFAULT_GRACE_MS, 2 * startupMs);
  const exec = async (args: string[], o: { timeoutMs: number; stdin?: string; forward: boolean; caseId: string }): Promise<ChildOutcome> =>
    runChild([...opts.cli, ...args], {
      env: opts.env,
      timeoutMs: o.timeoutMs,
      graceMs: graceMs(),
      ...(o.stdin !== undefined ? { stdin: o.stdin } : {}),
      // Unbind must finish even after a signal (or the plan's death): it is what gives the device back.
      ...(o.forward ? { abort: opts.abort, lifeline: true } : {}),
      ...(opts.onStepSpawn ? { onSpawn: (pid: number) => opts.onStepSpawn!(o.caseId, pid) } : {}),
    });
  const skip = (c: PlannedCase, message: string): void =>
    report({ id: c.id, device: opts.names[c.device]!, deviceId: plan.devices[c.device]!.id, kind: c.kind, status: "skip", durationMs: 0, message });
  const signal = (): StopSignal => (opts.abort.reason === "SIGTERM" || opts.abort.reason === "SIGHUP" ? opts.abort.reason : "SIGINT");
  const stopWords = (): string => `not run: the plan was interrupted by ${signal()}`;

  for (let i = 0; i < plan.devices.length; i++) {
    const d: PlanDevice = plan.devices[i]!;
    const name = opts.names[i]!;
    const mine = planned.filter((c) => c.device === i);
    if (mine.length === 0) continue;
    if (opts.abort.aborted || reportError) {
      for (const c of mine) skip(c, reportError ? REPORT_LOST : stopWords());
      continue;
    }
    let bound: "by-plan" | "before" | "failed" | "none" = "none";
    let stopped: string | undefined;
    for (const c of mine) {
      const base = { id: c.id, device: name, deviceId: d.id, kind: c.kind };
      const t0 = performance.now();
      if (c.kind === "bind") {
        const owner = d.bind ? [...(d.bind.user ? ["--user", d.bind.user] : []), ...(d.bind.group ? ["--group", d.bind.group] : [])] : [];
        const o = await exec(["bind", name, ...owner], { timeoutMs: plan.timeoutMs, forward: true, caseId: c.id });
        const r = caseOf(base, o, performance.now() - t0, { timeoutMs: plan.timeoutMs });
        if (r.status === "pass") startupMs = Math.max(startupMs, r.durationMs);
        const outcome = outputJson(o.stdout)?.outcome;
        if (r.status === "pass") {
          bound = outcome === "already" ? "before" : "by-plan";
          if (bound === "before") r.message = `already bound to ${String(outputJson(o.stdout)?.driver)}: left bound after the plan`;
        } else {
          // A bind cut short (timeout, signal) may have half-happened: unbind recovers it from bind's journal, unless
          // the device was on VFIO before the plan (bind had nothing to do, and the plan leaves it as it found it).
          bound = opts.onVfio?.[i] ? "before" : o.timedOut || o.interrupted ? "by-plan" : "failed";
          stopped = `not run: ${c.id} did not succeed`;
        }
        report(r);
      } else if (c.kind === "unbind") {
        if (bound === "failed") {
          skip(c, "not run: bind failed, so there is nothing to give back");
        } else if (bound === "before") {
          report({ ...base, status: "pass", durationMs: 0, message: "left bound: it was on VFIO before the plan" });
        } else {
          // Never killed, by a signal or a timeout: unbind cut short leaves the device half given back. A slow one
          // (a busy TCG board) is waited for; a hung one hangs in the kernel, where no signal would end it either.
          const o = await exec(["unbind", name], { timeoutMs: Number.POSITIVE_INFINITY, forward: false, caseId: c.id });
          const r = caseOf(base, o, performance.now() - t0, { timeoutMs: plan.timeoutMs });
          if (r.status === "pass") startupMs = Math.max(startupMs, r.durationMs);
          report(r);
        }
      } else if (opts.abort.aborted) {
        skip(c, stopWords());
      } else if (reportError) {
        skip(c, REPORT_LOST);
      } else if (stopped) {
        skip(c, stopped);
      } else {
        const step = c.step!;
        let r: CaseResult | undefined;
        let stdout = "";
        for (const cmd of stepCommands(step, name, d)) {
          // One that times itself out gets its start-up and the grace on top, so its own failed check (exit 7, with
          // the last value) is what the case reports, not the plan's kill.
          const timeoutMs = cmd.ownTimeout ? step.timeoutMs + 2 * startupMs + graceMs() : step.timeoutMs;
          const o = await exec(cmd.args, { timeoutMs, forward: true, caseId: c.id, ...(cmd.stdin !== undefined ? { stdin: cmd.stdin } : {}) });
          r = caseOf(base, o, performance.now() - t0, { timeoutMs: step.timeoutMs, ...(cmd.ownTimeout ? { ownTimeout: true } : {}), ...(cmd.registerLines ? { registerLines: true } : {}) });
          if (r.stdout) stdout += `${stdout ? "\n" : ""}${r.stdout}`;
          if (r.status !== "pass") break;
        }
        if (stdout) r!.stdout = stdout;
        // A step killed at its timeout may leave the device mid-operation: reset it (where it can be) before more.
        if (r!.message?.startsWith("timed out")) {
          const reset = await exec(["reset", name], { timeoutMs: plan.timeoutMs, forward: false, caseId: c.id });
          r!.message += reset.exitCode === 0 ? "; device reset" : reset.exitCode === 6 ? "; the device has no reset function" : "; reset failed";
        }
        if (r!.status !== "pass" && !step.continueOnFailure) stopped = `not run: ${c.id} ${r!.status === "fail" ? "failed" : "errored"}`;
        report(r!);
      }
    }
  }
  const interrupted = opts.abort.aborted ? signal() : undefined;
  const bad = cases.some((c) => c.status === "fail" || c.status === "error");
  const result: PlanResult = {
    ...start,
    startedAt,
    durationMs: performance.now() - started,
    cases,
    exitCode: interrupted ? signalExit(interrupted) : bad ? 8 : 0,
  };
  if (interrupted) result.interrupted = interrupted;
  toReporter(() => opts.reporter.end(result));
  if (reportError) opts.onReportError?.(reportError.error);
  return result;
}
