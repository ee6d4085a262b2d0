// The lab's guest-side scenario runner, run by Bun inside the guest (from /init): executes one scenario's steps with
// the real CLI as child processes and prints one VFIO-PLAT-RESULT line per step on the console, then the kernel log.
// It judges nothing (the host does). On the host, `--sim` runs the same steps against a simulated board (dry run).
import { readFileSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatEvent, formatResult, type LabEvent, type StepRecord } from "../protocol.ts";
import { LAB_SCENARIOS } from "../scenarios/index.ts";
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

/**
 * Stub for the next step: run the shared scenario suite (test/scenarios, judged by its own runner inside the guest)
 * and report each outcome as a `shared-outcome` event. Not yet part of lab.test.ts.
 */
async function runShared(): Promise<number> {
  const { SCENARIOS } = await import("../../scenarios/index.ts");
  const { runScenario } = await import("../../scenarios/runner.ts");
  const { cliExecutor } = await import("../../scenarios/cli-executor.ts");
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/local/bin:/bin:/sbin", HOME: "/root", TMPDIR: "/tmp", NO_COLOR: "1" };
  const ex = cliExecutor({ command: [process.execPath, join(REPO, "src/cli/main.ts")], cwd: REPO, env });
  let n = 0;
  for (const s of SCENARIOS.filter((x) => x.profile === "noiommu")) {
    for (const o of await runScenario(s, ex)) {
      event({ type: "shared-outcome", ...o });
      n++;
    }
  }
  event({ type: "dmesg", text: Bun.spawnSync(["dmesg"], { stdout: "pipe" }).stdout.toString() });
  event({ type: "done", scenario: "shared", steps: n, uptime: uptime() });
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const name = arg("--scenario") ?? "first-light";
  const sim = argv.includes("--sim");
  const scenario = LAB_SCENARIOS[name];
  event({ type: "runner", scenario: name, bun: Bun.version, arch: process.arch, uptime: uptime() });
  if (name === "shared" && !sim) return runShared();
  if (!scenario) {
    event({ type: "error", message: `no lab scenario '${name}' (have: ${Object.keys(LAB_SCENARIOS).join(", ")})` });
    return 2;
  }
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/local/bin:/bin:/sbin", HOME: process.env.HOME ?? "/root", TMPDIR: process.env.TMPDIR ?? "/tmp", NO_COLOR: "1" };
  if (sim) {
    env.VFIO_PLAT_SIM = "1";
    env.VFIO_PLAT_SIM_STATE = arg("--sim-state") ?? join(env.TMPDIR ?? "/tmp", `vfio-plat-lab-sim-${process.pid}`);
    env.VFIO_PLAT_SIM_BOARD = scenario.simBoard;
    env.VFIO_PLAT_STATE_DIR = join(env.VFIO_PLAT_SIM_STATE, "bind-state");
  }
  const cli = [process.execPath, join(REPO, "src/cli/main.ts")];
  const n = await runSteps({ scenario: name, steps: scenario.steps, cli, env, skipShell: sim });
  if (!sim) {
    const d = Bun.spawnSync(["dmesg"], { stdout: "pipe", stderr: "pipe" });
    event({ type: "dmesg", text: d.stdout.toString() });
  }
  event({ type: "done", scenario: name, steps: n, uptime: uptime() });
  return 0;
}

// Exit explicitly: nothing left running may hold the guest up between "done" and poweroff.
if (import.meta.main) process.exit(await main(process.argv.slice(2)));
