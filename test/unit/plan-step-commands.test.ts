// What each plan step runs (src/cli/test-plan/step-commands.ts): a step's timeout is the timeout of the commands that
// time themselves out (poll, irq, dma-test, blk-test, pl330 exec), so a missing interrupt or a stalled transfer is the
// command's failed check (exit 7, its own cleanup) rather than the plan's kill; the plan's own value wins.
import { describe, expect, test } from "bun:test";
import { stepCommands } from "../../src/cli/test-plan/step-commands.ts";
import type { PlanDevice, PlanStep, StepKind } from "../../src/cli/test-plan/plan-types.ts";

const dev: PlanDevice = { spec: "d", at: "p.yaml:1:1", id: "d", bind: {}, steps: [] };
const step = (kind: StepKind, body: Record<string, unknown>): PlanStep => ({ id: "s", kind, timeoutMs: 1500, continueOnFailure: false, body });
/** The value after --timeout in the step's (only) command, and whether it times itself out. */
function timeoutOf(kind: StepKind, body: Record<string, unknown>): { timeout: string | undefined; own: boolean | undefined } {
  const cmds = stepCommands(step(kind, body), "dev0", dev);
  expect(cmds).toHaveLength(1);
  const at = cmds[0]!.args.indexOf("--timeout");
  return { timeout: at < 0 ? undefined : cmds[0]!.args[at + 1], own: cmds[0]!.ownTimeout };
}

describe("the step's timeout is the command's own", () => {
  for (const [kind, body] of [
    ["irq", { index: 0 }],
    ["poll", { register: "R", value: 1 }],
    ["dma-test", { size: "4K" }],
    ["blk-test", { sector: 2048 }],
    ["pl330-exec", { program: "/x.s" }],
  ] as const) {
    test(`${kind}: --timeout 1500ms, and the plan waits for it to time itself out`, () => {
      expect(timeoutOf(kind, body)).toEqual({ timeout: "1500ms", own: true });
    });
  }
  test("a timeout the plan gives the command itself wins", () => {
    expect(timeoutOf("irq", { timeout: "200ms" }).timeout).toBe("200ms");
    expect(timeoutOf("dma-test", { timeout: "2s" }).timeout).toBe("2s");
    expect(timeoutOf("pl330-exec", { program: "/x.s", timeout: "3s" }).timeout).toBe("3s");
  });
});

describe("a step of several registers is one command", () => {
  test("expect: one `run DEVICE -` whose stdin has a line per register, in the plan's order, with the map", () => {
    const cmds = stepCommands(step("expect", { RTCPeriphID0: 0x31, "RTCCR.RTC_START": 1, "0:0xfe8": "0x04:0x0f" }), "dev0", { ...dev, regs: "/m.json" });
    expect(cmds).toEqual([{ args: ["run", "dev0", "-", "--regs", "/m.json"], stdin: "expect RTCPeriphID0 0x31\nexpect RTCCR.RTC_START 0x1\nexpect 0:0xfe8 0x04:0x0f\n", registerLines: true }]);
  });
  test("write: the same, with write lines", () => {
    const cmds = stepCommands(step("write", { RTCLR: 4096, RTCIMSC: 1 }), "dev0", dev);
    expect(cmds).toEqual([{ args: ["run", "dev0", "-"], stdin: "write RTCLR 0x1000\nwrite RTCIMSC 0x1\n", registerLines: true }]);
  });
});
