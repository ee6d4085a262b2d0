// The PL330 program examples must keep working as written: the library example runs gather.s through
// Pl330Driver.runProgram and checks the blocks itself; the .s files run through `pl330 exec` in pl330-exec.test.ts.
import { expect, test } from "bun:test";
import { REPO } from "../helpers/cli.ts";

test("examples/pl330/run-program.ts runs: gather.s on channel 1 through the SMMU, blocks reversed and verified, device given back", () => {
  const r = Bun.spawnSync([process.execPath, "examples/pl330/run-program.ts"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  const out = r.stdout.toString();
  expect(out).toContain("2c0a0000.dma channel 1: stopped, Stopped; events raised: 0");
  expect(out).toMatch(/CPC1 0x[0-9a-f]{8} {2}SAR1 0x[0-9a-f]{8} {2}DAR1 0x[0-9a-f]{8} {2}CCR1 0x00bdc2f7 {2}FTR1 0x00000000/);
  expect(out).toContain("dst holds src's four 1 KiB blocks in reverse order: verified");
  expect(out).toContain("2c0a0000.dma back on dma-pl330");
});
