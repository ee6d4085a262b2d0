// The JUnit report as CI servers read it: valid against test/fixtures/junit/junit.xsd (libxml2 via xmllint-wasm), and
// parsed by an XML parser (fast-xml-parser) its counts, names, classnames, times and failure texts match the result,
// hostile text included (markup, "]]>", control characters, non-ASCII).
import { describe, expect, test } from "bun:test";
import { junitXml } from "../../src/cli/test-plan/report/junit.ts";
import type { PlanResult } from "../../src/cli/test-plan/result.ts";
import { parseJunit, validateJunit } from "../helpers/plan-reports.ts";
import { allPass, HOSTILE, hostile, interrupted, mixed } from "../helpers/plan-results.ts";

/** The report of `r`, checked valid first (with libxml2's messages on failure), then parsed. */
async function validParsed(r: PlanResult): Promise<any> {
  const xml = junitXml(r);
  const v = await validateJunit(xml);
  expect(v.errors).toEqual([]);
  expect(v.valid).toBe(true);
  return parseJunit(xml).testsuites;
}

function count(r: PlanResult, status: string): string {
  return String(r.cases.filter((c) => c.status === status).length);
}

/** Every testcase of the parsed report, with its suite's name. */
function testcases(root: any): { suite: string; tc: any }[] {
  return root.testsuite.flatMap((s: any) => (s.testcase ?? []).map((tc: any) => ({ suite: s.name, tc })));
}

describe("JUnit report", () => {
  for (const [name, make] of [["all pass", allPass], ["mixed", mixed], ["hostile", hostile], ["interrupted", () => interrupted().result]] as const) {
    test(`${name}: valid; testsuites counts, one testcase per case in order with classname <plan>.<device id>`, async () => {
      const r = make();
      const root = await validParsed(r);
      expect(root.name).toBe(r.plan);
      expect(root.tests).toBe(String(r.cases.length));
      expect(root.failures).toBe(count(r, "fail"));
      expect(root.errors).toBe(count(r, "error"));
      expect(root.skipped).toBe(count(r, "skip"));
      expect(Number(root.time)).toBeCloseTo(r.durationMs / 1000, 3);
      expect(root.timestamp).toBe(r.startedAt.slice(0, 19));
      const tcs = testcases(root);
      expect(tcs.map(({ suite, tc }) => `${suite}/${tc.name}`)).toEqual(r.cases.map((c) => c.id));
      for (const [i, { suite, tc }] of tcs.entries()) {
        const c = r.cases[i]!;
        expect(tc.classname).toBe(`${r.plan}.${suite}`);
        expect(Number(tc.time)).toBeCloseTo(c.durationMs / 1000, 3);
        expect(tc.failure !== undefined).toBe(c.status === "fail");
        expect(tc.error !== undefined).toBe(c.status === "error");
        expect(tc.skipped !== undefined).toBe(c.status === "skip");
      }
    });
  }

  test("one testsuite per device, in plan order, with its own counts and properties", async () => {
    const r = mixed();
    const root = await validParsed(r);
    expect(root.testsuite.map((s: any) => s.name)).toEqual(["rtc", "dma"]);
    for (const s of root.testsuite) {
      const mine = r.cases.filter((c) => c.id.startsWith(`${s.name}/`));
      expect(s.tests).toBe(String(mine.length));
      expect(s.failures).toBe(String(mine.filter((c) => c.status === "fail").length));
      expect(s.errors).toBe(String(mine.filter((c) => c.status === "error").length));
      expect(s.skipped).toBe(String(mine.filter((c) => c.status === "skip").length));
      const props = Object.fromEntries(s.properties.property.map((p: any) => [p.name, p.value]));
      expect(props).toEqual({ plan: r.plan, file: r.file, board: r.board, backend: r.backend, device: mine[0]!.device });
    }
  });

  test("a failure carries the message with expected and read values, its kind as type, and stdout/stderr", async () => {
    const r = mixed();
    const tcs = testcases(await validParsed(r));
    const i = r.cases.findIndex((c) => c.status === "fail");
    const c = r.cases[i]!;
    const f = tcs[i]!.tc.failure[0];
    expect(f.message).toBe(`${c.message}: expected ${c.expected}, read ${c.actual}`);
    expect(f.type).toBe(c.kind);
    expect(f["#text"].split("\n")).toEqual([c.message, `expected: ${c.expected}`, `actual: ${c.actual}`, `exit status: ${c.exitCode}`]);
    expect(tcs[i]!.tc["system-out"]).toEqual([c.stdout]);
    expect(tcs[i]!.tc["system-err"]).toEqual([c.stderr]);
    const e = r.cases.findIndex((x) => x.status === "error");
    expect(tcs[e]!.tc.error[0].message).toBe(r.cases[e]!.message);
    const s = r.cases.findIndex((x) => x.status === "skip");
    expect(tcs[s]!.tc.skipped.message).toBe(r.cases[s]!.message);
  });

  test("a message that already names the expected and read values is not repeated; one naming neither gets them", async () => {
    const r = mixed();
    const i = r.cases.findIndex((c) => c.status === "fail");
    const named = "RTCRIS is 0x00000000, expected 0x00000001 (VERIFY_FAILED)";
    r.cases[i] = { ...r.cases[i]!, message: named, expected: "0x00000001", actual: "0x00000000" };
    r.cases.push({ id: "dma/values", device: "9030000.dma", deviceId: "dma", kind: "expect", status: "fail", durationMs: 1, exitCode: 8, expected: "0x2", actual: "0x3" });
    r.caseCount = r.cases.length;
    const tcs = testcases(await validParsed(r));
    expect(tcs[i]!.tc.failure[0].message).toBe(named);
    expect(tcs.at(-1)!.tc.failure[0].message).toBe("expected 0x2, read 0x3");
  });

  test("hostile text: valid XML; markup, quotes, ']]>', tab/newline and non-ASCII come back exactly, controls visibly", async () => {
    const r = hostile();
    const xml = junitXml(r);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202e]/);
    const tcs = testcases(await validParsed(r));
    // What XML 1.0 cannot carry at all (C0 controls but tab, LF, CR) is written as a visible escape; the rest is exact.
    const carried = HOSTILE.replace(/\u0001/g, "\\x01").replace(/\u001b/g, "\\x1b").replace(/\u0007/g, "\\x07");
    const tc = tcs[0]!.tc;
    expect(tc.failure[0].message).toBe(`${carried}: expected 0x1 ${carried}, read 0x0 ${carried}`);
    expect(tc["system-out"]).toEqual([carried]);
    expect(tc["system-err"]).toEqual([carried]);
    expect(tcs[1]!.tc.skipped.message).toBe(carried);
  });

  test("interrupted: the signal is a property and the unrun cases are skipped", async () => {
    const { result } = interrupted();
    const root = await validParsed(result);
    for (const s of root.testsuite) {
      expect(s.properties.property.find((p: any) => p.name === "interrupted")?.value).toBe("SIGINT");
    }
    expect(root.skipped).toBe(count(result, "skip"));
  });

  test("the suite is the case's carried device id, never parsed from the case id; a start that is no date leaves timestamp out", async () => {
    const r = allPass();
    r.cases[0] = { ...r.cases[0]!, id: "lonely" };
    r.startedAt = "not a date";
    const root = await validParsed(r);
    expect(root.timestamp).toBeUndefined();
    expect(root.testsuite[0].name).toBe("rtc");
    expect(root.testsuite[0].testcase[0].name).toBe("lonely");
  });
});
