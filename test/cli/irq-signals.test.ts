// `irq` ended by a signal: the documented exit code for each signal, the interrupt released (the group opens again),
// and with --json the event stream's last record is an `end` naming the signal, as `run` and `dma-test` do.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readUntil, runCli, simEnv, spawnCli, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const state = tempSimState();
const env = simEnv(state.dir);

beforeAll(() => {
  const r = runCli(["bind", PL031], { env });
  if (r.code !== 0) throw new Error(`bind failed: ${r.stderr}`);
});
afterAll(() => state.dispose());

describe("irq --json stopped by a signal", () => {
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    test(`${sig}: exit ${code}, the last record is end/signal naming ${sig}, the group is free again`, async () => {
      const waiter = spawnCli(["--json", "irq", PL031, "0", "--timeout", "20s"], env);
      let out = await readUntil(waiter.stdout, /armed/);
      expect(out).toContain("armed");
      waiter.kill(sig);
      expect(await waiter.exited).toBe(code);
      out += await readUntil(waiter.stdout, /"type":"end"/); // the rest of the stream, up to its end record
      const records = out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.at(-1)).toMatchObject({ type: "end", reason: "signal", signal: sig, events: 0 });
      expect(runCli(["read", PL031, "0:0xff0"], { env }).stdout).toBe("0x0000000d\n");
    });
  }
});
