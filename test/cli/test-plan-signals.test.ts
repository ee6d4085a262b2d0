// A stop signal in the middle of a plan step (SIGINT, SIGTERM, SIGHUP): the running step gets the signal and is
// waited for, the device the plan bound is given back, every case not run is reported "skip", TAP says "Bail out!",
// the JUnit file is still written, and the exit status is 128 + the signal. The plan is stopped mid-step on purpose
// by the test hook VFIO_PLAT_TEST_PLAN_PAUSE_AT (the step's command is running when the signal is sent).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { MAIN, REPO, readUntil, runCli, simEnv, spawnCli, tempSimState, waitStopped } from "../helpers/cli.ts";
import { parseJunit, parseTap, validateJunit } from "../helpers/plan-reports.ts";
import { alive, waitCatches, waitPending } from "../helpers/proc-signals.ts";
import { drivers, planDir } from "../helpers/plans.ts";

let state: { dir: string; dispose: () => void };
let plans: ReturnType<typeof planDir>;
let env: Record<string, string>;
let plan: string;

beforeAll(() => {
  state = tempSimState("vfio-plat-test-plan-signals-");
  plans = planDir();
  env = simEnv(state.dir);
  plan = plans.write(
    "long.yaml",
    [
      "plan: long",
      "devices:",
      "  - device: 9010000.pl031",
      "    id: rtc",
      "    steps:",
      "      - { id: first, expect: { RTCCR.RTC_START: 1 } }",
      // Never true: the poll runs until the signal.
      "      - { id: wait, poll: { register: RTCCR.RTC_START, value: 0 }, timeout: 60s }",
      "      - { id: after, expect: { RTCCR.RTC_START: 1 } }",
      "  - device: a000000.virtio_mmio",
      "    id: virtio0",
      "    steps:",
      "      - { id: identify, expect: { MagicValue: 0x74726976 } }",
    ].join("\n"),
  );
});
afterAll(() => {
  state.dispose();
  plans.dispose();
});

describe("a signal while a plan step runs", () => {
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    test(`${sig}: the step gets it, the device goes back to its driver, the rest is skipped, exit ${code}`, async () => {
      const before = drivers(env);
      expect(before["9010000.pl031"]!.driver).toBe("rtc-pl031");
      const junit = join(plans.dir, `${sig}.xml`);
      const child = spawnCli(["test", plan, "--tap", "--junit", junit], { ...env, VFIO_PLAT_TEST_PLAN_PAUSE_AT: "rtc/wait" });
      const said = await readUntil(child.stderr, /plan paused in rtc\/wait/);
      expect(said).toContain("plan paused in rtc/wait");
      await waitStopped(child.pid);
      // The step is past its start-up (it handles the signal the plan will pass on, and says it was interrupted).
      await waitCatches(Number(/step pid (\d+)/.exec(said)![1]), sig);
      process.kill(child.pid, sig);
      process.kill(child.pid, "SIGCONT");
      const [stdout] = await Promise.all([new Response(child.stdout).text(), child.exited]);
      expect(child.exitCode).toBe(code);

      const tap = await parseTap(stdout);
      expect(tap.final.bailout).toBeTruthy();
      expect(stdout).toContain(`Bail out! ${sig}`);
      const byName = Object.fromEntries(tap.points.map((p) => [p.name, p]));
      expect(byName["rtc/first"]!.ok).toBe(true);
      expect(byName["rtc/wait"]!.ok).toBe(false);
      expect(byName["rtc/unbind"]!.ok).toBe(true);

      const xml = readFileSync(junit, "utf8");
      expect(await validateJunit(xml)).toEqual({ valid: true, errors: [] });
      const cases = parseJunit(xml).testsuites.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase);
      const status = (name: string, suite: string) => cases.find((c: any) => c.name === name && c.classname === `long.${suite}`);
      // Said once (the step's own "interrupted by" line is not appended to it).
      expect(status("wait", "rtc").error[0].message).toBe(`interrupted by ${sig}`);
      expect(status("after", "rtc").skipped).toBeDefined();
      expect(status("identify", "virtio0").skipped).toBeDefined();
      expect(status("unbind", "rtc").skipped).toBeUndefined();

      // Every device on the driver it had before the plan (list --json).
      expect(drivers(env)).toEqual(before);
    }, 60_000);
  }
});

// A Ctrl-C at a terminal goes to the whole foreground process group. The step's command runs in a session of its own,
// so only the plan gets that SIGINT and passes it on once; a step in the plan's group would get two, and a command's
// second signal skips its orderly stop.
describe("Ctrl-C at a terminal (SIGINT to the plan's whole process group)", () => {
  test("the step is not in the plan's process group; the plan stops as for one SIGINT (exit 130, device given back)", async () => {
    const before = drivers(env);
    // The plan leads a process group of its own here, as a shell's foreground job does.
    const plan_ = spawn(process.execPath, [MAIN, "test", plan], {
      cwd: REPO,
      env: { ...env, VFIO_PLAT_TEST_PLAN_PAUSE_AT: "rtc/wait" },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pid = plan_.pid!;
    const exited = new Promise<number | null>((resolve) => plan_.once("close", (code) => resolve(code)));
    const said = await readUntil(Readable.toWeb(plan_.stderr!) as ReadableStream<Uint8Array>, /step pid (\d+)/);
    const stepPid = Number(/step pid (\d+)/.exec(said)![1]);
    await waitStopped(pid);
    const pgrp = (p: number) => Number(readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ")[2]);
    expect(pgrp(pid)).toBe(pid);
    expect(pgrp(stepPid)).not.toBe(pid);
    process.kill(-pid, "SIGINT");
    process.kill(-pid, "SIGCONT");
    expect(await exited).toBe(130);
    expect(drivers(env)).toEqual(before);
  }, 60_000);
});

// A device on VFIO before the plan is left as the plan found it, even when a signal cuts its bind case short: the
// plan knows the starting state from its own look before anything ran, not from bind's (missing) output.
describe("a signal during bind of a device already on VFIO", () => {
  test("the device stays on vfio-amba (the unbind case says it was left bound), exit 130", async () => {
    expect(runCli(["bind", "9010000.pl031"], { env }).code).toBe(0);
    try {
      const child = spawnCli(["test", plan, "--json"], { ...env, VFIO_PLAT_TEST_PLAN_PAUSE_AT: "rtc/bind", VFIO_PLAT_TEST_PLAN_PAUSE_STEP: "1" });
      const said = await readUntil(child.stderr, /step pid (\d+)/);
      const bind = Number(/step pid (\d+)/.exec(said)![1]);
      await waitStopped(child.pid);
      await waitStopped(bind);
      process.kill(child.pid, "SIGINT");
      process.kill(child.pid, "SIGCONT");
      // The plan passed the signal on to the held bind: only then may bind go on (it is interrupted, not finished).
      await waitPending(bind, "SIGINT");
      process.kill(bind, "SIGCONT");
      const [stdout] = await Promise.all([new Response(child.stdout).text(), child.exited]);
      expect(child.exitCode).toBe(130);
      const cases = Object.fromEntries(
        stdout.trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.type === "case").map((r) => [r.id, r]),
      );
      expect(cases["rtc/bind"].status).toBe("error");
      expect(cases["rtc/bind"].message).toContain("interrupted by SIGINT");
      expect(cases["rtc/unbind"].message).toContain("left bound");
      expect(drivers(env)["9010000.pl031"]!.driver).toBe("vfio-amba");
    } finally {
      runCli(["unbind", "9010000.pl031"], { env });
    }
    expect(drivers(env)["9010000.pl031"]!.driver).toBe("rtc-pl031");
  }, 60_000);
});

// `test` owns its stop: a second signal must not end the plan before the running step has ended, every device is given
// back and the reports are written (it says so on stderr); a third ends it at once. Signals sent to a stopped process
// are delivered together when it goes on, so two (or three) different ones land while the step still runs.
describe("more than one stop signal", () => {
  test("a second signal: the plan still gives the device back and writes its reports (exit as for the first signal)", async () => {
    const before = drivers(env);
    const junit = join(plans.dir, "second.xml");
    const child = spawnCli(["test", plan, "--tap", "--junit", junit], { ...env, VFIO_PLAT_TEST_PLAN_PAUSE_AT: "rtc/wait" });
    const said = await readUntil(child.stderr, /step pid (\d+)/);
    await waitStopped(child.pid);
    await waitCatches(Number(/step pid (\d+)/.exec(said)![1]), "SIGINT");
    process.kill(child.pid, "SIGINT");
    process.kill(child.pid, "SIGTERM");
    process.kill(child.pid, "SIGCONT");
    const [stdout, rest] = await Promise.all([new Response(child.stdout).text(), readUntil(child.stderr, /(?!)/, 30_000), child.exited]);
    const stderr = said + rest;
    // Both were pending: whichever the plan saw first stops it (and names its exit), the other only gets a notice.
    const [first, second] = child.exitCode === 130 ? ["SIGINT", "SIGTERM"] : ["SIGTERM", "SIGINT"];
    expect(child.exitCode).toBe(first === "SIGINT" ? 130 : 143);
    expect(stderr).toContain(`${second}: still stopping`);
    expect(stdout).toContain(`Bail out! ${first}`);
    const tap = await parseTap(stdout);
    expect(tap.points.find((p) => p.name === "rtc/unbind")!.ok).toBe(true);
    expect(await validateJunit(readFileSync(junit, "utf8"))).toEqual({ valid: true, errors: [] });
    expect(drivers(env)).toEqual(before);
  }, 60_000);

  test("a third signal ends the plan at once; the step ends too and unbind gives the device back", async () => {
    const before = drivers(env);
    const child = spawnCli(["test", plan, "--tap"], { ...env, VFIO_PLAT_TEST_PLAN_PAUSE_AT: "rtc/wait" });
    const said = await readUntil(child.stderr, /step pid (\d+)/);
    const step = Number(/step pid (\d+)/.exec(said)![1]);
    await waitStopped(child.pid);
    await waitCatches(step, "SIGINT");
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.kill(child.pid, sig);
    process.kill(child.pid, "SIGCONT");
    const [stdout] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    expect([129, 130, 143]).toContain(child.exitCode!);
    // Ended before its report did: no unbind case, no summary line.
    expect(stdout).not.toContain("rtc/unbind");
    const deadline = Date.now() + 15_000;
    while (alive(step) && Date.now() < deadline) await Bun.sleep(20);
    expect(alive(step)).toBe(false);
    expect(runCli(["unbind", "9010000.pl031"], { env }).code).toBe(0);
    expect(drivers(env)).toEqual(before);
  }, 60_000);
});
