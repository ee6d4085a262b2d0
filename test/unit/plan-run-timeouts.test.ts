// The plan runner's timers (src/cli/test-plan/run-plan.ts): a command that times itself out (poll) is given its
// start-up on top of the step's timeout, so a poll that never holds is a "fail" with expected/actual even when the
// grace is tiny; a command killed at its timeout is an error naming the step's own timeout, never "exit status: 0";
// the plan's `grace:` is the time between SIGTERM and SIGKILL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { junitXml } from "../../src/cli/test-plan/report/junit.ts";
import { runPlan } from "../../src/cli/test-plan/run-plan.ts";
import type { Plan, PlanStep } from "../../src/cli/test-plan/plan-types.ts";
import type { CaseResult, PlanReporter } from "../../src/cli/test-plan/result.ts";
import { MAIN, simEnv, tempSimState } from "../helpers/cli.ts";
import { planDir } from "../helpers/plans.ts";

const quiet: PlanReporter = { begin: () => {}, case: () => {}, end: () => {} };
let state: { dir: string; dispose: () => void };
let files: ReturnType<typeof planDir>;
let fake: string;
beforeAll(() => {
  state = tempSimState("vfio-plat-plan-timeouts-");
  files = planDir();
  // A stand-in CLI whose step outlives its timeout and then takes FAKE_TERM_MS to stop after SIGTERM (exit 0);
  // `reset` says "no reset function" (6).
  fake = files.write(
    "fake-cli.ts",
    [
      'if (process.argv.includes("reset")) process.exit(6);',
      'process.on("SIGTERM", () => setTimeout(() => process.exit(0), Number(process.env.FAKE_TERM_MS)));',
      "setInterval(() => {}, 1000);",
    ].join("\n"),
  );
});
afterAll(() => {
  state.dispose();
  files.dispose();
});

const step = (id: string, kind: PlanStep["kind"], body: Record<string, unknown>, timeoutMs: number): PlanStep => ({ id, kind, body, timeoutMs, continueOnFailure: true });
const plan = (steps: PlanStep[], bind: boolean, extra: Partial<Plan> = {}): Plan => ({
  name: "timers",
  file: "timers.yaml",
  timeoutMs: 30_000,
  devices: [{ spec: "9010000.pl031", at: "timers.yaml:1:1", id: "rtc", bind: bind ? {} : false, steps }],
  ...extra,
});
const byId = (cases: CaseResult[], id: string): CaseResult => cases.find((c) => c.id === id)!;

describe("a command that times itself out", () => {
  test("a poll that never holds is a fail with expected and actual, though the grace is 10 ms", async () => {
    const p = plan([step("never", "poll", { register: "RTCCR.RTC_START", value: 0, interval: "1ms" }, 1000), step("holds", "poll", { register: "RTCCR.RTC_START", value: 1 }, 150)], true);
    const r = await runPlan(p, {
      cli: [process.execPath, MAIN, "--sim", "--sim-state", state.dir, "--json", "--no-color"],
      env: simEnv(state.dir),
      backend: "sim",
      names: ["9010000.pl031"],
      reporter: quiet,
      abort: new AbortController().signal,
      graceMs: 10,
    });
    expect(byId(r.cases, "rtc/never")).toMatchObject({ status: "fail", exitCode: 7, expected: "0x0", actual: "0x1" });
    expect(byId(r.cases, "rtc/holds")).toMatchObject({ status: "pass" });
    expect(byId(r.cases, "rtc/unbind")).toMatchObject({ status: "pass" });
  }, 60_000);
});

describe("a command killed at its timeout", () => {
  const run = (graceMs: number | undefined, termMs: number, planGrace?: number) =>
    runPlan(plan([step("slow", "run", { lines: ["sleep 1"] }, 200)], false, planGrace !== undefined ? { graceMs: planGrace } : {}), {
      cli: [process.execPath, fake],
      env: { ...process.env, FAKE_TERM_MS: String(termMs) },
      backend: "sim",
      names: ["9010000.pl031"],
      reporter: quiet,
      abort: new AbortController().signal,
      ...(graceMs !== undefined ? { graceMs } : {}),
    });

  test("ending with exit 0 after SIGTERM is an error naming the step's timeout, and no report says 'exit status: 0'", async () => {
    const r = await run(5000, 50);
    const c = byId(r.cases, "rtc/slow");
    expect(c.status).toBe("error");
    expect(c.message).toStartWith("timed out after 200 ms: it finished after SIGTERM");
    expect(c.exitCode).toBeUndefined();
    expect(junitXml(r)).not.toContain("exit status: 0");
    expect(r.exitCode).toBe(8);
  }, 30_000);

  test("the plan's grace: is the time between SIGTERM and SIGKILL", async () => {
    // 300 ms to stop: a 5 s grace lets it finish; a 50 ms grace kills it (128 + 9).
    expect(byId((await run(undefined, 300, 5000)).cases, "rtc/slow").exitCode).toBeUndefined();
    expect(byId((await run(undefined, 300, 50)).cases, "rtc/slow").exitCode).toBe(137);
  }, 30_000);
});

describe("a command that times itself out and passes after the plan's SIGTERM", () => {
  test("passes (its own check held within its own timeout), with a note that its start-up outran the plan's timer", async () => {
    const r = await runPlan(plan([step("late", "poll", { register: "R", value: 1 }, 200)], false), {
      cli: [process.execPath, fake],
      env: { ...process.env, FAKE_TERM_MS: "50" },
      backend: "sim",
      names: ["9010000.pl031"],
      reporter: quiet,
      abort: new AbortController().signal,
      graceMs: 100,
    });
    const c = byId(r.cases, "rtc/late");
    expect(c).toMatchObject({ status: "pass", exitCode: 0 });
    expect(c.message).toContain("beyond the plan's allowance");
    expect(r.exitCode).toBe(0);
  }, 30_000);
});
