// `poll` ended by a signal between two reads: the documented exit code for each stop signal (130, 143), and with
// --json the script's last record an `end` naming the signal. The script's poll verb and the command share the loop
// (src/cli/poll-register.ts); the script shows when the poll has begun (the records before it are printed first).
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
  test(`${sig} during a poll that would wait 30 s: exit ${code}, end record naming ${sig}, device free again`, async () => {
    // RTCRIS stays 0 with no alarm set: the poll never matches on its own.
    const p = spawnCli(["--json", "run", PL031, "-e", "write RTCMR 0; read RTCRIS; poll RTCRIS 1 30s 50ms"], env);
    let out = await readUntil(p.stdout, /"type":"read"/);
    expect(out).toContain('"register":"RTCRIS"');
    p.kill(sig);
    expect(await p.exited).toBe(code);
    out += await readUntil(p.stdout, /"type":"end"/);
    const records = out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.at(-1)).toMatchObject({ type: "end", reason: "signal", signal: sig, steps: 2 });
    expect(runCli(["read", PL031, "RTCRIS"], { env }).code).toBe(0);
  }, 60_000);
}

// The `poll` command itself (not the verb): a signal during the wait between two reads ends it with the signal's exit
// code before the next read. --trace shows each read, so the test knows the first one has been made.
for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  test(`${sig} during \`poll\` (30 s timeout, 5 s interval): exit ${code} after the first read, no second read`, async () => {
    const p = spawnCli(["--trace", "poll", PL031, "RTCRIS", "1", "--timeout", "30s", "--interval", "5s"], env);
    let err = await readUntil(p.stderr, /pread\([^)]*, 0x14\)/);
    p.kill(sig);
    expect(await p.exited).toBe(code);
    err += await readUntil(p.stderr, /(?!)/); // to the end of the stream
    expect(err.split("\n").filter((l) => /^trace: pread\([^)]*, 0x14\)/.test(l)).length).toBe(1);
    expect(await new Response(p.stdout).text()).toBe("");
    expect(runCli(["read", PL031, "RTCRIS"], { env }).code).toBe(0);
  }, 60_000);
}
