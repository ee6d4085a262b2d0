// `vfio-plat test PLAN`: run a test plan (docs/plans.md) — per device bind, its steps, unbind, each a test case —
// and report it for people (a summary), for CI (TAP with --tap, JUnit XML with --junit FILE) or for programs (JSON
// Lines with --json). Each step is the CLI command of the same name run as a child process of this same CLI, with the
// plan's global options, so a hung step is killed without losing the plan and the device is always given back.
import { accessSync, constants, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice } from "../device-session.ts";
import { OutputClosedError, OutputWriteError, writeStderr, writeStdout } from "../output/stdio.ts";
import { toJson } from "../output/json.ts";
import { stillStoppingNotice } from "../output/notices.ts";
import { UsageError } from "../usage-error.ts";
import { CliContext as Context } from "../context.ts";
import type { Plan } from "../test-plan/plan-types.ts";
import type { HostDevice } from "../../host/discovery.ts";
import { checkGroupMates } from "../test-plan/group-mates.ts";
import type { PlanReporter, PlanResult } from "../test-plan/result.ts";

/**
 * The JUnit file must be writable before anything runs, not after a whole (destructive) plan: an existing file must be
 * a writable file, a new one needs a writable directory. Nothing is created here.
 * @throws UsageError for a directory (exit 2); the errno error (ENOENT exit 3, EACCES exit 4) otherwise
 */
function checkJunitFile(file: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(file).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    accessSync(dirname(resolve(file)), constants.W_OK);
    return;
  }
  if (isDir) throw new UsageError(`--junit ${file} is a directory`, "give the report a file name: --junit DIR/results.xml");
  accessSync(file, constants.W_OK);
}

/** Each plan device as `list` shows it (name, whether it is on VFIO already, its group), resolved on the plan's board before anything runs. @throws DeviceNotFoundError */
async function resolveNames(ctx: CliContext, plan: Plan): Promise<HostDevice[]> {
  // A context of its own, closed before the steps start, so no step waits for this process's hold on the board.
  const probe = new Context(ctx.opts);
  try {
    const names: HostDevice[] = [];
    for (const d of plan.devices) {
      try {
        names.push((await findDevice(probe, d.spec)).dev);
      } catch (e) {
        // The error keeps its class (its exit code and hint); its line says where in the plan the name is.
        if (e instanceof Error) e.message = `${d.at}: ${e.message}`;
        throw e;
      }
    }
    return names;
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
  // --trace and --debug reach the steps: their lines land in each case's stderr (JUnit <system-err>, TAP's block).
  if (ctx.opts.trace === true) words.push("--trace");
  if (ctx.opts.debug === true) words.push("--debug");
  words.push("--json", "--no-color");
  return words;
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"test">): Promise<number> {
  const file = args[0];
  if (file === undefined) throw new UsageError("test needs a plan file", "vfio-plat test PLAN.yaml (docs/plans.md)");
  if (options.tap === true && ctx.json) throw new UsageError("--tap and --json both given", "choose one report for stdout (--junit FILE writes a file beside either)");
  const { loadPlan } = await import("../test-plan/load-plan.ts");
  const { planCases, runPlan, REPORT_LOST } = await import("../test-plan/run-plan.ts");
  const plan = loadPlan(file);
  const only = options.only !== undefined ? ((g: Bun.Glob) => (id: string) => g.match(id))(new Bun.Glob(options.only)) : undefined;
  // Before --list too: a quoting slip in a farm job must not read as "no cases".
  if (only && planCases(plan, only).length === 0) throw new UsageError(`--only '${options.only}' matches no case of plan ${plan.name}`, "vfio-plat test PLAN --list shows the case ids");
  if (options.list === true) {
    const ids = planCases(plan, only).map((c) => c.id);
    writeStdout(ctx.json ? `${toJson({ schema: 1, plan: plan.name, cases: ids })}\n` : ids.map((id) => `${id}\n`).join(""));
    return 0;
  }
  // Under --sim, the board the plan was written for, checked against the state's (docs/plans.md, `board`).
  const sim = ctx.sim ? await (await import("../test-plan/plan-board.ts")).planSimBoard(ctx, plan) : undefined;
  const run = sim?.simBoard !== undefined ? new Context({ ...ctx.opts, simBoard: sim.simBoard }) : ctx;
  if (options.junit !== undefined) checkJunitFile(options.junit);
  const devs = await resolveNames(run, plan);
  checkGroupMates(plan, devs);
  const names = devs.map((d) => d.name);
  const onVfio = devs.map((d) => d.vfioBound);

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
    ...(sim ? { board: sim.name } : {}),
    names,
    onVfio,
    reporter,
    abort: ctx.abort.signal,
    ...(only ? { only } : {}),
    ...(hook ? { onStepSpawn: hook } : {}),
    onReportError: (error) => (reportError = { error }),
  });
  await writeJunit(result);
  if (reportError) {
    // A reader that left is quiet for every other command, but here it cost cases: a verdict on a plan that did not
    // run is not "passed" (exit 0). With every case run, the plan's own verdict stands.
    const lost = result.cases.filter((c) => c.status === "skip" && c.message === REPORT_LOST).length;
    if (reportError.error instanceof OutputClosedError && lost === 0) return result.exitCode;
    if (reportError.error instanceof OutputClosedError && result.exitCode === 0) {
      throw new OutputWriteError("EPIPE", `the report's reader left before the plan ended: ${lost} of ${result.cases.length} cases were not run${options.junit !== undefined ? ` (${options.junit} has every case)` : ""}; let the reader read to the end`);
    }
    if (!(reportError.error instanceof OutputClosedError)) throw reportError.error;
  }
  return result.exitCode;
}
