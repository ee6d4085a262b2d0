// `vfio-plat test PLAN`: run a test plan (docs/plans.md) — per device bind, its steps, unbind, each a test case —
// and report it for people (a summary), for CI (TAP with --tap, JUnit XML with --junit FILE) or for programs (JSON
// Lines with --json). Each step is the CLI command of the same name run as a child process of this same CLI, with the
// plan's global options, so a hung step is killed without losing the plan and the device is always given back.
import { accessSync, constants, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice } from "../device-session.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { toJson } from "../output/json.ts";
import { stillStoppingNotice } from "../output/notices.ts";
import { UsageError } from "../usage-error.ts";
import { CliContext as Context } from "../context.ts";
import type { Plan } from "../test-plan/plan-types.ts";
import type { PlanReporter, PlanResult } from "../test-plan/result.ts";

/** The built-in simulated boards a plan's `board:` may name (a file name in `board:` is informational only). */
const BUILTIN_BOARDS = ["virt", "virt-noiommu"];

/**
 * Each plan device's name as `list` shows it, and whether it is on a VFIO driver already, resolved on the plan's board
 * before anything runs. @throws DeviceNotFoundError
 */
async function resolveNames(ctx: CliContext, plan: Plan): Promise<{ names: string[]; onVfio: boolean[] }> {
  // A context of its own, closed before the steps start, so no step waits for this process's hold on the board.
  const probe = new Context(ctx.opts);
  try {
    const names: string[] = [];
    const onVfio: boolean[] = [];
    for (const d of plan.devices) {
      try {
        const { dev } = await findDevice(probe, d.spec);
        names.push(dev.name);
        onVfio.push(dev.vfioBound);
      } catch (e) {
        // The error keeps its class (its exit code and hint); its line says where in the plan the name is.
        if (e instanceof Error) e.message = `${d.at}: ${e.message}`;
        throw e;
      }
    }
    return { names, onVfio };
  } finally {
    probe.runCleanups();
  }
}

/** The command line that runs this same CLI with the plan's global options, JSON out. */
function cliPrefix(ctx: CliContext): string[] {
  // A standalone binary (bun build --compile) is its own entry point; under bun, the entry is the script it ran.
  const words = Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
  if (ctx.sim) words.push("--sim", "--sim-state", ctx.simStateDir);
  if (ctx.opts.simBoard !== undefined) words.push("--sim-board", ctx.opts.simBoard);
  if (ctx.opts.iommuMode !== undefined) words.push("--iommu-mode", ctx.opts.iommuMode);
  words.push("--json", "--no-color");
  return words;
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"test">): Promise<number> {
  const file = args[0];
  if (file === undefined) throw new UsageError("test needs a plan file", "vfio-plat test PLAN.yaml (docs/plans.md)");
  if (options.tap === true && ctx.json) throw new UsageError("--tap and --json both given", "choose one report for stdout (--junit FILE writes a file beside either)");
  const { loadPlan } = await import("../test-plan/load-plan.ts");
  const { planCases, runPlan } = await import("../test-plan/run-plan.ts");
  const plan = loadPlan(file);
  const only = options.only !== undefined ? ((g: Bun.Glob) => (id: string) => g.match(id))(new Bun.Glob(options.only)) : undefined;
  if (options.list === true) {
    const ids = planCases(plan, only).map((c) => c.id);
    writeStdout(ctx.json ? `${toJson({ schema: 1, plan: plan.name, cases: ids })}\n` : ids.map((id) => `${id}\n`).join(""));
    return 0;
  }
  if (only && planCases(plan, only).length === 0) throw new UsageError(`--only '${options.only}' matches no case of plan ${plan.name}`, "vfio-plat test PLAN --list shows the case ids");
  // The board the plan was written for is the simulator's default board (a state directory keeps the board it has).
  const board = ctx.opts.simBoard ?? process.env.VFIO_PLAT_SIM_BOARD ?? (plan.board && BUILTIN_BOARDS.includes(plan.board) ? plan.board : undefined);
  const run = board !== undefined && ctx.sim ? new Context({ ...ctx.opts, simBoard: board }) : ctx;
  // The JUnit file's directory must be writable before anything runs (ENOENT exit 3, EACCES exit 4), not after.
  if (options.junit !== undefined) accessSync(dirname(resolve(options.junit)), constants.W_OK);
  const { names, onVfio } = await resolveNames(run, plan);

  const { tapReporter } = await import("../test-plan/report/tap.ts");
  const { jsonLinesReporter } = await import("../test-plan/report/json-lines.ts");
  const { summaryReporter } = await import("../test-plan/report/summary.ts");
  const out = (text: string): void => writeStdout(text);
  const reporter: PlanReporter =
    options.tap === true ? tapReporter(out) : ctx.json ? jsonLinesReporter(out) : summaryReporter(out, { color: ctx.colors.stdout.level > 0 });
  const writeJunit = async (result: PlanResult): Promise<void> => {
    if (options.junit === undefined) return;
    const { junitXml } = await import("../test-plan/report/junit.ts");
    writeFileSync(options.junit, junitXml(result));
  };
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.VFIO_PLAT_TEST_PLAN_PAUSE_AT;
  const { planPauseHook } = await import("../test-plan/pause-hook.ts");
  const hook = planPauseHook(process.env, writeStderr);
  let reportError: { error: unknown } | undefined;
  // From here the plan owns its stop: a second signal must not end it before the running step has ended and every
  // device is given back (and the reports are written); the third ends it at once, as the second ends any command.
  ctx.signalsToExit = 3;
  ctx.onExtraSignal = (sig) => ctx.notify(stillStoppingNotice(sig, ctx.json));
  const result = await runPlan(plan, {
    cli: cliPrefix(run),
    env,
    backend: ctx.sim ? "sim" : "real",
    names,
    onVfio,
    reporter,
    abort: ctx.abort.signal,
    ...(only ? { only } : {}),
    ...(hook ? { onStepSpawn: hook } : {}),
    onReportError: (error) => (reportError = { error }),
  });
  await writeJunit(result);
  if (reportError) throw reportError.error;
  return result.exitCode;
}
