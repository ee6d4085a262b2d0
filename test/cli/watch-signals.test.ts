// `watch` and `log --follow` run until stopped: a stop signal ends them with its exit code (130, 143) after the open
// session is closed (the device is free at once: the next command meets no lock left behind), and nothing more is
// read after the signal.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const state = tempSimState();
const env = simEnv(state.dir);

beforeAll(() => {
  const r = runCli(["bind", PL031], { env });
  if (r.code !== 0) throw new Error(`bind failed: ${r.stderr}`);
});
afterAll(() => state.dispose());

for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  test(`${sig} while watch waits for its next sample: exit ${code}, one sample only, the device free again`, async () => {
    const p = spawnCli(["watch", PL031, "RTCDR", "--interval", "5s"], env);
    const out = await readUntil(p.stdout, /RTCDR=0x[0-9a-f]{8}\n/);
    p.kill(sig);
    expect(await p.exited).toBe(code);
    const rest = await readUntil(p.stdout, /(?!)/); // to the end of the stream
    expect((out + rest).trimEnd().split("\n").length).toBe(1);
    expect(await new Response(p.stderr).text()).toContain(`interrupted by ${sig}`);
    // Closed, not abandoned: a stale lock would be taken over with a notice on stderr.
    const r = runCli(["read", PL031, "RTCDR"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }, 60_000);

  test(`${sig} while log --follow waits for records: exit ${code}`, async () => {
    const p = spawnCli(["log", "--follow"], env);
    await readUntil(p.stdout, /vfio-amba 9010000\.pl031/); // bind and the reads above logged; printed first
    p.kill(sig);
    expect(await p.exited).toBe(code);
    expect(await new Response(p.stderr).text()).toContain(`interrupted by ${sig}`);
  }, 60_000);
}
