// `bind` of an AMBA device the amba bus cannot identify (no arm,primecell-periphid, ID registers reading zero): the
// probe is deferred, the device stays where it was, and the one line says why and what to give it.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const IDS = join(REPO, "test/fixtures/board-files/amba-generic-ids.json");

describe("bind of an unidentified AMBA device (board file amba-generic-ids.json)", () => {
  const state = tempSimState();
  const env = simEnv(state.dir);
  afterAll(() => state.dispose());

  test("refused with the reason; the identified one binds", () => {
    const r = runCli(["--sim-board", IDS, "bind", "1c0f0000.wdt"], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("vfio-amba did not take 1c0f0000.wdt: the amba bus could not identify the device (periphid 0");
    expect(r.stderr).toContain("give it a periphid");
    expect(runCli(["list"], { env }).stdout).toMatch(/1c0f0000\.wdt\s+amba\s+\(none\)/);
    const ok = runCli(["bind", "1c0e0000.wdt"], { env });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });
});
