// The JSON Lines report, read as a program reads it: every line parses on its own; a begin record, one case record
// per case in order (the unreported ones of an interrupted plan too), an end record with counts and the exit status.
import { describe, expect, test } from "bun:test";
import { jsonLinesReporter } from "../../src/cli/test-plan/report/json-lines.ts";
import { drive, HOSTILE, hostile, interrupted, mixed } from "../helpers/plan-results.ts";

function records(text: string): any[] {
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n").map((l) => JSON.parse(l));
}

describe("JSON Lines report", () => {
  test("begin, a case record per case (every field), end with counts, exit status and no interrupted", () => {
    const r = mixed();
    const recs = records(drive(jsonLinesReporter, r));
    expect(recs[0]).toEqual({ type: "begin", schema: 1, plan: r.plan, file: r.file, board: r.board, backend: r.backend, caseCount: r.caseCount });
    expect(recs.slice(1, -1)).toEqual(r.cases.map((c) => ({ type: "case", ...c })));
    expect(recs.at(-1)).toEqual({
      type: "end", schema: 1, plan: r.plan, total: 7, passed: 4, failed: 1, errors: 1, skipped: 1,
      startedAt: r.startedAt, durationMs: r.durationMs, exitCode: 8,
    });
  });

  test("durations are whole microseconds (as TAP writes them), not a float's tail", () => {
    const r = mixed();
    r.cases[1]!.durationMs = 232.99154700000003;
    r.durationMs = 1234.5678919;
    const recs = records(drive(jsonLinesReporter, r));
    expect(recs[2].durationMs).toBe(232.992);
    expect(recs.at(-1).durationMs).toBe(1234.568);
    expect(recs[2].durationMs).toBe(Math.round(r.cases[1]!.durationMs * 1000) / 1000);
  });

  test("interrupted: the cases not reported one by one are written before end, which names the signal", () => {
    const { result, reported } = interrupted();
    const recs = records(drive(jsonLinesReporter, result, reported));
    expect(recs.filter((x) => x.type === "case").map((x) => x.id)).toEqual(result.cases.map((c) => c.id));
    expect(recs.at(-1)).toMatchObject({ type: "end", interrupted: "SIGINT", exitCode: 130, skipped: 2 });
  });

  test("hostile text: one record per line, no raw control or bidi character, the text comes back exactly", () => {
    const r = hostile();
    const text = drive(jsonLinesReporter, r);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const recs = records(text);
    expect(recs.length).toBe(r.cases.length + 2);
    expect(recs[1].message).toBe(HOSTILE);
    expect(recs[1].stdout).toBe(HOSTILE);
  });
});
