// A plan killed by SIGKILL (no cleanup can run) leaves its device bound to VFIO, and the way back is the one for a
// killed bind: `vfio-plat unbind DEVICE` gives it back to the driver bind found, from bind's own records. The running
// step, in a session of its own, does not outlive the plan: its lifeline (plan-lifeline.ts) ends it, so the device is
// free for that unbind (no EBUSY from a step still holding it open).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readUntil, runCli, simEnv, spawnCli, tempSimState, waitStopped } from "../helpers/cli.ts";
import { drivers, planDir } from "../helpers/plans.ts";
import { alive, waitCatches } from "../helpers/proc-signals.ts";

let state: { dir: string; dispose: () => void };
let plans: ReturnType<typeof planDir>;
let env: Record<string, string>;

beforeAll(() => {
  state = tempSimState("vfio-plat-test-plan-sigkill-");
  plans = planDir();
  env = simEnv(state.dir);
});
afterAll(() => {
  state.dispose();
  plans.dispose();
});

test("SIGKILL mid-plan: the step ends by itself, the device stays on VFIO; unbind brings back the driver it had", async () => {
  const plan = plans.write(
    "long.yaml",
    ["plan: long", "devices:", "  - device: 9010000.pl031", "    steps:", "      - { id: wait, poll: { register: RTCCR.RTC_START, value: 0 }, timeout: 60s }"].join("\n"),
  );
  const before = drivers(env);
  const child = spawnCli(["test", plan], { ...env, VFIO_PLAT_TEST_PLAN_PAUSE_AT: "9010000.pl031/wait" });
  const said = await readUntil(child.stderr, /step pid \d+/);
  const step = Number(/step pid (\d+)/.exec(said)![1]);
  await waitStopped(child.pid);
  // The step is past its start-up (a poll with 60 s to go): only the plan's death can end it early.
  await waitCatches(step, "SIGHUP");
  child.kill("SIGKILL");
  await child.exited;
  // Nothing sends the step a signal: it sees the plan gone and stops by itself, well before its 60 s.
  const deadline = Date.now() + 10_000;
  while (alive(step) && Date.now() < deadline) await Bun.sleep(20);
  expect(alive(step)).toBe(false);
  expect(drivers(env)["9010000.pl031"]!.driver).toBe("vfio-amba");
  const r = runCli(["unbind", "9010000.pl031"], { env });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("back on rtc-pl031");
  expect(drivers(env)).toEqual(before);
}, 60_000);
