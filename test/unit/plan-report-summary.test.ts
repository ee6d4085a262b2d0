// The people's report: a line per case with the status as a word (colour only decorates), why a case did not pass
// (the message, expected and read values), and a closing line with the counts and the signal that stopped the plan.
import { describe, expect, test } from "bun:test";
import { summaryReporter } from "../../src/cli/test-plan/report/summary.ts";
import { drive, hostile, interrupted, mixed } from "../helpers/plan-results.ts";

const plain = (w: (t: string) => void) => summaryReporter(w, { color: false });
const colored = (w: (t: string) => void) => summaryReporter(w, { color: true });

describe("summary report", () => {
  test("a line per case: ok with its time, FAIL with the register, expected and read values, ERR, skip", () => {
    const r = mixed();
    const lines = drive(plain, r).trimEnd().split("\n");
    expect(lines.length).toBe(r.cases.length + 1);
    expect(lines[0]).toBe("ok   rtc/bind  4 ms");
    expect(lines[1]).toBe("FAIL rtc/alarm: RTCRIS: expected 0x1, read 0x0");
    expect(lines[4]).toBe("ERR  dma/copy: timed out after 5s");
    expect(lines[5]).toBe(`skip dma/my-prog: ${r.cases[5]!.message}`);
    expect(r.durationMs).toBe(1282);
    expect(lines.at(-1)).toBe("virt-smoke: 4 passed, 1 failed, 1 errors, 1 skipped in 1.3 s");
  });

  test("a message naming the values is shown as it is; an error without a message shows its exit status", () => {
    const r = mixed();
    r.cases[1] = { ...r.cases[1]!, message: "RTCRIS is 0x0, expected 0x1", expected: "0x1", actual: "0x0" };
    r.cases[4] = { ...r.cases[4]!, message: undefined };
    const lines = drive(plain, r).split("\n");
    expect(lines[1]).toBe("FAIL rtc/alarm: RTCRIS is 0x0, expected 0x1");
    expect(lines[4]).toBe("ERR  dma/copy: exit status 4");
  });

  test("interrupted: the unreported cases are listed and the closing line names the signal", () => {
    const { result, reported } = interrupted();
    const lines = drive(plain, result, reported).trimEnd().split("\n");
    expect(lines.slice(0, -1).map((l) => l.split(/[ :]+/)[1])).toEqual(result.cases.map((c) => c.id));
    expect(lines.at(-1)).toMatch(/^virt-smoke: 2 passed, 0 failed, 1 errors, 2 skipped in .* \(stopped by SIGINT\)$/);
  });

  test("colour decorates the words only: without the SGR sequences it is the plain report", () => {
    const r = mixed();
    const c = drive(colored, r);
    expect(c).toContain("\x1b[31mFAIL\x1b[39m");
    expect(c.replace(/\x1b\[[0-9;]*m/g, "")).toBe(drive(plain, r));
    expect(drive(plain, r)).not.toContain("\x1b");
  });

  test("hostile text is shown escaped: no raw control, escape or bidi character reaches the terminal", () => {
    const out = drive(plain, hostile());
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(out).toContain("\\x1b[31mred");
    expect(out.trimEnd().split("\n").length).toBe(3);
  });
});
