// The plan's unbind is never killed: a slow unbind that takes longer than the plan's timeout and sits through SIGTERM
// (as a TCG board's bun start-up plus sysfs writes can) still finishes and its case passes. runPlan runs a fake CLI
// here (a script standing in for vfio-plat), so only the runner's handling of the child is under test.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPlan } from "../../src/cli/test-plan/run-plan.ts";
import type { Plan } from "../../src/cli/test-plan/plan-types.ts";
import type { CaseResult } from "../../src/cli/test-plan/result.ts";

let dir: string;
let fake: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vfio-plat-plan-unbind-"));
  fake = join(dir, "fake-cli.ts");
  // bind answers at once; unbind ignores SIGTERM and needs 1.5 s, well past the plan's 200 ms timeout + 100 ms grace.
  writeFileSync(
    fake,
    [
      "const cmd = process.argv[2];",
      'if (cmd === "bind") console.log(JSON.stringify({ outcome: "bound", driver: "vfio-amba" }));',
      'if (cmd === "unbind") {',
      '  process.on("SIGTERM", () => {});',
      "  await Bun.sleep(1500);",
      '  console.log(JSON.stringify({ outcome: "unbound", driver: "rtc-pl031" }));',
      "}",
      "process.exit(0);",
    ].join("\n"),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a slow unbind that ignores SIGTERM is waited for, not killed: its case passes", async () => {
  const plan: Plan = {
    name: "slow",
    file: join(dir, "slow.yaml"),
    timeoutMs: 200,
    devices: [{ spec: "9010000.pl031", at: "slow.yaml:3:13", id: "rtc", bind: {}, steps: [] }],
  };
  const cases: CaseResult[] = [];
  const result = await runPlan(plan, {
    cli: [process.execPath, fake],
    env: { ...process.env },
    backend: "sim",
    names: ["9010000.pl031"],
    reporter: { begin: () => {}, case: (c) => void cases.push(c), end: () => {} },
    abort: new AbortController().signal,
    graceMs: 100,
  });
  const unbind = cases.find((c) => c.id === "rtc/unbind")!;
  expect(cases.map((c) => [c.id, c.status])).toEqual([
    ["rtc/bind", "pass"],
    ["rtc/unbind", "pass"],
  ]);
  expect(unbind.exitCode).toBe(0);
  expect(unbind.stdout).toContain('"outcome":"unbound"');
  expect(result.exitCode).toBe(0);
}, 30_000);
