// A command waiting for the simulated board's lock (held by a live process that does not let go: stopped, say) still
// stops at once on SIGINT/SIGTERM/SIGHUP with 128+N, instead of sitting out the 10 s lock timeout and exiting 5: the
// wait is synchronous, so while it lasts the stop signals keep their default action.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { processStartTime } from "../../src/host/process-identity.ts";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const state = tempSimState();
const env = simEnv(state.dir);
let holder: ReturnType<typeof Bun.spawn> | undefined;

beforeAll(() => {
  expect(runCli(["bind", PL031], { env }).code).toBe(0);
  holder = Bun.spawn(["sleep", "300"]);
});
afterAll(() => {
  holder?.kill("SIGKILL");
  state.dispose();
});

describe("a wait for a board lock held by a live process", () => {
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    test(`${sig} ends it at once with ${code}`, async () => {
      const lock = join(state.dir, "board.lock");
      writeFileSync(lock, `${holder!.pid} ${processStartTime(holder!.pid)}\n`);
      try {
        const p = spawnCli(["read", PL031, "0:0xff0"], env);
        // The waiter names the holder after a second: by then it is inside the wait.
        const said = await readUntil(p.stderr, /waiting for/, 8000);
        expect(said).toContain(String(holder!.pid));
        p.kill(sig);
        const exit = await p.exited;
        // Without the default action the signal would wait out the 10 s lock timeout and end as BUSY (exit 5).
        expect(exit === code || p.signalCode === sig).toBe(true);
      } finally {
        writeFileSync(lock, "");
      }
    });
  }

  test("with the holder gone the board works again (the empty lock left behind is taken over)", () => {
    const r = runCli(["read", PL031, "0:0xff0"], { env });
    expect([r.code, r.stdout]).toEqual([0, "0x0000000d\n"]);
  });
});
