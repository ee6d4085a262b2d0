// A plan killed by SIGKILL (no cleanup can run) leaves its device bound to VFIO, and the way back is the one for a
// killed bind: `vfio-plat unbind DEVICE` gives it back to the driver bind found, from bind's own records.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readUntil, runCli, simEnv, spawnCli, tempSimState, waitStopped } from "../helpers/cli.ts";
import { drivers, planDir } from "../helpers/plans.ts";

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

test("SIGKILL mid-plan: the device stays on VFIO; unbind brings back the driver it had", async () => {
  const plan = plans.write(
    "long.yaml",
    ["plan: long", "devices:", "  - device: 9010000.pl031", "    steps:", "      - { id: wait, poll: { register: RTCCR.RTC_START, value: 0 }, timeout: 60s }"].join("\n"),
  );
  const before = drivers(env);
  const child = spawnCli(["test", plan], { ...env, VFIO_PLAT_TEST_PLAN_PAUSE_AT: "9010000.pl031/wait" });
  const said = await readUntil(child.stderr, /step pid \d+/);
  const step = Number(/step pid (\d+)/.exec(said)![1]);
  await waitStopped(child.pid);
  child.kill("SIGKILL");
  await child.exited;
  // The step the plan started is ours too: end it, as a SIGKILLed session would have lost it.
  process.kill(step, "SIGKILL");
  expect(drivers(env)["9010000.pl031"]!.driver).toBe("vfio-amba");
  const r = runCli(["unbind", "9010000.pl031"], { env });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("back on rtc-pl031");
  expect(drivers(env)).toEqual(before);
}, 60_000);
