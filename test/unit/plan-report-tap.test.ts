// The TAP report as a TAP harness reads it (tapjs' tap-parser): the plan, counts, ok/not ok, ids, SKIP directives,
// "Bail out!" on a signal and the YAML diagnostics of failures, with hostile text left intact and on one line.
import { describe, expect, test } from "bun:test";
import { parse as parseYaml } from "yaml";
import { tapReporter } from "../../src/cli/test-plan/report/tap.ts";
import { parseTap } from "../helpers/plan-reports.ts";
import { allPass, drive, HOSTILE, hostile, interrupted, mixed } from "../helpers/plan-results.ts";

/** The YAML block after test point `n`, as raw text between "  ---" and "  ...". */
function yamlBlockAfter(tap: string, n: number): string {
  const lines = tap.split("\n");
  const at = lines.findIndex((l) => new RegExp(`^not ok ${n} `).test(l));
  expect(at).toBeGreaterThanOrEqual(0);
  expect(lines[at + 1]).toBe("  ---");
  const end = lines.indexOf("  ...", at);
  return lines.slice(at + 2, end).map((l) => l.slice(2)).join("\n");
}

describe("TAP report", () => {
  test("all pass: version 13, plan 1..N first, every point ok with the case id", async () => {
    const r = allPass();
    const tap = drive(tapReporter, r);
    expect(tap.split("\n").slice(0, 2)).toEqual(["TAP version 13", `1..${r.cases.length}`]);
    const p = await parseTap(tap);
    expect(p.version).toBe(13);
    expect(p.final.ok).toBe(true);
    expect(p.final.count).toBe(r.cases.length);
    expect(p.final.pass).toBe(r.cases.length);
    expect(p.final.fail).toBe(0);
    expect(p.final.plan.end).toBe(r.cases.length);
    expect(p.points.map((x) => [x.id, x.name, x.ok])).toEqual(r.cases.map((c, i) => [i + 1, c.id, true]));
  });

  test("mixed: fail and error are not ok, skip is a SKIP directive with its reason, counts match", async () => {
    const r = mixed();
    const p = await parseTap(drive(tapReporter, r));
    expect(p.final.ok).toBe(false);
    expect(p.final.count).toBe(r.cases.length);
    expect(p.final.fail).toBe(r.cases.filter((c) => c.status === "fail" || c.status === "error").length);
    expect(p.final.skip).toBe(r.cases.filter((c) => c.status === "skip").length);
    expect(p.final.bailout).toBe(false);
    for (const [i, c] of r.cases.entries()) {
      const point = p.points[i]!;
      expect(point.name).toBe(c.id);
      expect(point.ok).toBe(c.status === "pass" || c.status === "skip");
      expect(point.skip).toBe(c.status === "skip" ? c.message! : false);
    }
    expect(p.comments.at(-1)).toBe("passed 4, failed 1, errors 1, skipped 1 of 7");
  });

  test("a failure's YAML block is valid YAML with message, expected, actual, exit, duration_ms and the output", async () => {
    const r = mixed();
    const tap = drive(tapReporter, r);
    const i = r.cases.findIndex((c) => c.status === "fail");
    const c = r.cases[i]!;
    const block = parseYaml(yamlBlockAfter(tap, i + 1));
    expect(block).toEqual({
      kind: c.kind, device: c.device, message: c.message, expected: c.expected, actual: c.actual,
      exit: c.exitCode, duration_ms: c.durationMs, stdout: c.stdout, stderr: c.stderr,
    });
    const p = await parseTap(tap);
    expect(p.points[i]!.diag).toMatchObject({ message: c.message, expected: c.expected, actual: c.actual, exit: c.exitCode });
    // An error carries its diagnostics too.
    const e = r.cases.findIndex((x) => x.status === "error");
    expect(p.points[e]!.diag).toMatchObject({ message: r.cases[e]!.message, exit: r.cases[e]!.exitCode, stderr: r.cases[e]!.stderr });
  });

  test("duration_ms keeps microseconds, not a float's tail", async () => {
    const r = mixed();
    const i = r.cases.findIndex((c) => c.status === "fail");
    r.cases[i] = { ...r.cases[i]!, durationMs: 295.37542299999996 };
    const tap = drive(tapReporter, r);
    expect(parseYaml(yamlBlockAfter(tap, i + 1)).duration_ms).toBe(295.375);
  });

  test("hostile text survives the YAML block exactly and never breaks a line or forges a directive", async () => {
    const r = hostile();
    const tap = drive(tapReporter, r);
    // Nothing raw that a terminal or a line-oriented reader would act on.
    expect(tap).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const p = await parseTap(tap);
    expect(p.final.count).toBe(2);
    expect(p.final.fail).toBe(1);
    expect(p.final.skip).toBe(1);
    const diag = parseYaml(yamlBlockAfter(tap, 1));
    expect(diag.message).toBe(HOSTILE);
    expect(diag.expected).toBe(r.cases[0]!.expected);
    expect(diag.actual).toBe(r.cases[0]!.actual);
    expect(diag.stdout).toBe(HOSTILE);
    expect(diag.stderr).toBe(HOSTILE);
    expect(p.points[0]!.diag.message).toBe(HOSTILE);
    // The skip reason is one line; its "#" is escaped so it stays the reason rather than a new directive.
    expect(typeof p.points[1]!.skip).toBe("string");
    expect(p.points[1]!.skip as string).toContain("# not a directive");
  });

  test("multi-line output with blank lines, '...', '---', '# ' and 'not ok' lines stays inside its YAML block", async () => {
    const r = mixed();
    const i = r.cases.findIndex((c) => c.status === "fail");
    const stdout = "first\n\n...\n---\n# comment\nnot ok 99 - forged\n  ...\nlast";
    r.cases[i] = { ...r.cases[i]!, stdout };
    const tap = drive(tapReporter, r);
    const p = await parseTap(tap);
    expect(p.final.count).toBe(r.cases.length);
    expect(p.points[i]!.diag.stdout).toBe(stdout);
    expect(parseYaml(yamlBlockAfter(tap, i + 1)).stdout).toBe(stdout);
  });

  test("a '#' in a case id is escaped: the id stays the name, no directive is forged", async () => {
    const r = allPass();
    r.cases[1] = { ...r.cases[1]!, id: "rtc/odd # SKIP forged" };
    const p = await parseTap(drive(tapReporter, r));
    expect(p.points[1]!.name).toBe("rtc/odd # SKIP forged");
    expect(p.points[1]!.skip).toBe(false);
    expect(p.final.skip).toBe(0);
  });

  test("interrupted: the unreported cases are written as skips from end, then Bail out! <signal>", async () => {
    const { result, reported } = interrupted();
    const tap = drive(tapReporter, result, reported);
    const p = await parseTap(tap);
    expect(p.final.bailout).toBe("SIGINT");
    expect(p.final.ok).toBe(false);
    expect(p.points.map((x) => x.name)).toEqual(result.cases.map((c) => c.id));
    expect(p.points.filter((x) => x.skip !== false).length).toBe(result.cases.filter((c) => c.status === "skip").length);
    expect(tap.trimEnd().split("\n").at(-1)).toBe("Bail out! SIGINT");
  });
});
