// The lab's guest-side runner, run by Bun inside the guest (from /init) for one boot profile: the profile's lab
// scenarios (one VFIO-PLAT-RESULT line per step, judged later on the host) and then every shared scenario of
// test/scenarios with that suite's own runner (one judged VFIO-PLAT-OUTCOME line per step), then the kernel log.
// Usage: runner.ts [--profile noiommu|smmuv3] [--only ID,ID] [--sim [--sim-state DIR]] (--sim: the simulated board).
import { readdirSync, readFileSync, readlinkSync, writeSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { cliExecutor } from "../../scenarios/cli-executor.ts";
import { runScenario, type Executor } from "../../scenarios/runner.ts";
import type { Scenario } from "../../scenarios/scenario.ts";
import { jobsFor, PROFILE_NAMES, profileOf, SIM_BOARDS, type Job, type ProfileName } from "../plan.ts";
import { formatEvent, formatOutcome, formatResult, type LabEvent, type OutcomeRecord, type StepRecord } from "../protocol.ts";
import type { LabStep } from "../scenarios/lab-scenario.ts";

const REPO = resolve(import.meta.dir, "../../..");
const STEP_TIMEOUT_MS = 60_000;

/** Write one whole line with one write(2): on the console nothing else can land in the middle of it. */
function emit(line: string): void {
  const b = new TextEncoder().encode(`${line}\n`);
  let at = 0;
  while (at < b.length) at += writeSync(1, b, at);
}
const event = (e: LabEvent) => emit(formatEvent(e));

function uptime(): number | undefined {
  try {
    return Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  } catch {
    return undefined;
  }
}

interface Background {
  proc: ReturnType<typeof Bun.spawn>;
  stdout: string;
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> };
}

async function drain(bg: Background, until?: RegExp, deadline = Date.now() + 20_000): Promise<void> {
  const dec = new TextDecoder();
  while (!(until && until.test(bg.stdout))) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    // A clearable timer, not Bun.sleep: a pending sleep would keep the runner (and the guest) alive until it ends.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<{ done: true; value: undefined }>((res) => {
      timer = setTimeout(() => res({ done: true, value: undefined }), left);
    });
    const c = await Promise.race([bg.reader.read(), timeout]);
    clearTimeout(timer);
    if (c.done) return;
    bg.stdout += dec.decode(c.value, { stream: true });
  }
}

/** Run the steps; returns how many ran. */
export async function runSteps(opts: { scenario: string; steps: LabStep[]; cli: string[]; env: Record<string, string>; skipShell: boolean }): Promise<number> {
  let bg: Background | undefined;
  let index = 0;
  for (const step of opts.steps) {
    const t0 = performance.now();
    const rec = (args: string[], exit: number, stdout: string, stderr: string): StepRecord => ({
      scenario: opts.scenario,
      index,
      step: step.name,
      kind: step.kind,
      args,
      exit,
      stdout,
      stderr,
      ms: Math.round(performance.now() - t0),
    });
    let r: StepRecord;
    try {
      switch (step.kind) {
        case "cli":
        case "shell": {
          if (step.kind === "shell" && opts.skipShell) {
            r = rec([step.command], 0, "", "(skipped: shell steps run only in the guest)");
            break;
          }
          const argv = step.kind === "cli" ? [...opts.cli, ...step.args] : ["sh", "-c", step.command];
          const p = Bun.spawn(argv, {
            cwd: REPO,
            env: opts.env,
            stdin: step.kind === "cli" && step.stdin !== undefined ? new TextEncoder().encode(step.stdin) : "ignore",
            stdout: "pipe",
            stderr: "pipe",
          });
          const killer = setTimeout(() => p.kill("SIGKILL"), STEP_TIMEOUT_MS);
          const [stdout, stderr, exit] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
          clearTimeout(killer);
          r = rec(step.kind === "cli" ? step.args : [step.command], exit, stdout, stderr);
          break;
        }
        case "start": {
          if (bg) bg.proc.kill("SIGKILL");
          const proc = Bun.spawn([...opts.cli, ...step.args], { cwd: REPO, env: opts.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
          bg = { proc, stdout: "", reader: (proc.stdout as ReadableStream<Uint8Array>).getReader() };
          await drain(bg, step.ready);
          r = rec(step.args, proc.exitCode ?? -1, bg.stdout, "");
          break;
        }
        case "stop": {
          if (!bg) {
            r = rec([step.signal], -1, "", "no background command to stop");
            break;
          }
          bg.proc.kill(step.signal);
          const killer = setTimeout(() => bg?.proc.kill("SIGKILL"), STEP_TIMEOUT_MS);
          const exit = await bg.proc.exited;
          clearTimeout(killer);
          await drain(bg);
          const stderr = await new Response(bg.proc.stderr as ReadableStream<Uint8Array>).text();
          r = rec([step.signal], exit, bg.stdout, stderr);
          bg = undefined;
          break;
        }
        case "sleep":
          await Bun.sleep(step.ms);
          r = rec([String(step.ms)], 0, "", "");
          break;
      }
    } catch (e) {
      r = rec([], -1, "", `runner: ${(e as Error).stack ?? String(e)}`);
    }
    emit(formatResult(r));
    index++;
  }
  if (bg) bg.proc.kill("SIGKILL");
  return index;
}

/** Devices on a VFIO driver right now (real sysfs): what a scenario must not leave behind. */
function vfioBound(): { name: string; driver: string }[] {
  const out: { name: string; driver: string }[] = [];
  for (const bus of ["platform", "amba", "pci"]) {
    const dir = `/sys/bus/${bus}/devices`;
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        const driver = basename(readlinkSync(join(dir, name, "driver")));
        if (driver.startsWith("vfio-")) out.push({ name, driver });
      } catch {
        // no driver link: unbound
      }
    }
  }
  return out;
}

/**
 * After a scenario on the real kernel: every scenario must leave the board as it found it (the next one assumes a
 * fresh boot). Anything still on a VFIO driver is reported as a `leftover` event and unbound, so one broken scenario
 * does not break the rest.
 */
function sweep(scenario: string, cli: string[], env: Record<string, string>): void {
  const left = vfioBound();
  if (left.length === 0) return;
  const unbound = left.map((d) => {
    const r = Bun.spawnSync([...cli, "unbind", d.name], { cwd: REPO, env, stdout: "pipe", stderr: "pipe" });
    return { ...d, unbind_exit: r.exitCode, stderr: r.stderr.toString().trim() };
  });
  event({ type: "leftover", scenario, devices: unbound });
}

/** An Executor that also announces each command on the console first: if the guest hangs, the last one names the step. */
function announcing(inner: Executor, scenario: string): Executor {
  return {
    run(args, stdin) {
      event({ type: "command", scenario, args });
      return inner.run(args, stdin);
    },
    start(args, ready) {
      event({ type: "command", scenario, args, background: true });
      return inner.start(args, ready);
    },
  };
}

/** Run a shared scenario with the suite's own runner (its checks run here) and print one outcome line per step. */
async function runShared(s: Scenario, cli: string[], env: Record<string, string>): Promise<number> {
  const outcomes = await runScenario(s, announcing(cliExecutor({ command: cli, cwd: REPO, env }), s.name));
  outcomes.forEach((o, index) => {
    const rec: OutcomeRecord = {
      scenario: s.name,
      index,
      step: o.step,
      kind: s.steps[index]?.kind ?? "command",
      ok: o.ok,
      ...(o.problem !== undefined ? { problem: o.problem } : {}),
      exit: o.result?.exit ?? null,
      stdout: o.result?.stdout ?? "",
      stderr: o.result?.stderr ?? "",
    };
    emit(formatOutcome(rec));
  });
  return outcomes.length;
}

function parseArgs(argv: string[]): { profile: ProfileName; only: string[]; sim: boolean; simState?: string } {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  // --scenario is the older spelling of --only (one name).
  const only = (arg("--only") ?? arg("--scenario") ?? "").split(",").filter(Boolean);
  const given = arg("--profile");
  if (given !== undefined && !PROFILE_NAMES.includes(given as ProfileName)) throw new Error(`no boot profile '${given}' (have: ${PROFILE_NAMES.join(", ")})`);
  const profile = (given as ProfileName | undefined) ?? (only.length > 0 ? profileOf(only) : "noiommu");
  const simState = arg("--sim-state");
  return { profile, only, sim: argv.includes("--sim"), ...(simState !== undefined ? { simState } : {}) };
}

async function main(argv: string[]): Promise<number> {
  let opts: ReturnType<typeof parseArgs>;
  let jobs: Job[];
  try {
    opts = parseArgs(argv);
    jobs = jobsFor(opts.profile, opts.only);
  } catch (e) {
    event({ type: "error", message: (e as Error).message });
    return 2;
  }
  event({ type: "runner", profile: opts.profile, jobs: jobs.map((j) => j.id), bun: Bun.version, arch: process.arch, uptime: uptime() });
  const base: Record<string, string> = { PATH: process.env.PATH ?? "/usr/local/bin:/bin:/sbin", HOME: process.env.HOME ?? "/root", TMPDIR: process.env.TMPDIR ?? "/tmp", NO_COLOR: "1" };
  const simRoot = opts.simState ?? join(base.TMPDIR ?? "/tmp", `vfio-plat-lab-sim-${process.pid}`);
  const cli = [process.execPath, join(REPO, "src/cli/main.ts")];
  let steps = 0;
  for (const job of jobs) {
    event({ type: "job", kind: job.kind, id: job.id, scenario: job.scenario.name, uptime: uptime() });
    let env = base;
    if (opts.sim) {
      // Each scenario gets a fresh simulated board, as in test/scenarios/sim.test.ts.
      const state = join(simRoot, job.id);
      env = { ...base, VFIO_PLAT_SIM: "1", VFIO_PLAT_SIM_STATE: state, VFIO_PLAT_SIM_BOARD: SIM_BOARDS[opts.profile], VFIO_PLAT_STATE_DIR: join(state, "bind-state") };
    }
    if (job.kind === "lab") steps += await runSteps({ scenario: job.scenario.name, steps: job.scenario.steps, cli, env, skipShell: opts.sim });
    else steps += await runShared(job.scenario, cli, env);
    if (!opts.sim) sweep(job.scenario.name, cli, env);
  }
  if (!opts.sim) {
    const d = Bun.spawnSync(["dmesg"], { stdout: "pipe", stderr: "pipe" });
    event({ type: "dmesg", text: d.stdout.toString() });
  }
  event({ type: "done", profile: opts.profile, jobs: jobs.length, steps, uptime: uptime() });
  return 0;
}

// Exit explicitly: nothing left running may hold the guest up between "done" and poweroff.
if (import.meta.main) process.exit(await main(process.argv.slice(2)));
