// A SIGINT/SIGTERM/SIGHUP in the middle of `bind` or `unbind` lets the transaction finish (half a bind is worse than
// either end), prints its outcome, and then exits 128+N, so a script sees it was interrupted. The CLI is held after
// its first sysfs write by the test hook VFIO_PLAT_TEST_PAUSE_AT, signalled there, then let go (SIGCONT).
import { afterAll, describe, expect, test } from "bun:test";
import { readUntil, runCli, simEnv, spawnCli, tempSimState, waitStopped } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const states: { dispose: () => void }[] = [];
afterAll(() => {
  for (const s of states) s.dispose();
});

function driverOf(env: Record<string, string>): string {
  const list = JSON.parse(runCli(["list", "--json"], { env }).stdout) as { devices: { name: string; driver: string | null }[] };
  return list.devices.find((d) => d.name === PL031)!.driver ?? "(none)";
}

describe("a signal during bind/unbind", () => {
  for (const [op, sig, code] of [["bind", "SIGINT", 130], ["bind", "SIGTERM", 143], ["unbind", "SIGHUP", 129]] as const) {
    test(`${op} + ${sig}: the transaction finishes, its outcome is printed, exit ${code}`, async () => {
      const s = tempSimState();
      states.push(s);
      const env = simEnv(s.dir);
      if (op === "unbind") expect(runCli(["bind", PL031], { env }).code).toBe(0);
      const p = spawnCli([op, PL031], simEnv(s.dir, { VFIO_PLAT_TEST_PAUSE_AT: "1" }));
      expect(await readUntil(p.stderr, /test hook: paused after write 1/, 20000)).toContain("paused after write 1");
      await waitStopped(p.pid);
      p.kill(sig); // queued while stopped: the JS handler runs once it goes on
      p.kill("SIGCONT");
      expect(await p.exited).toBe(code);
      const out = await new Response(p.stdout).text();
      expect(out).toContain(op === "bind" ? "bound to vfio-amba" : "unbound from vfio-amba");
      expect(driverOf(env)).toBe(op === "bind" ? "vfio-amba" : "rtc-pl031");
    });
  }
});
