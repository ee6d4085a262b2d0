// Plan results built by hand for the report tests: every status, a failed check with expected/actual, hostile text
// (markup, "]]>", control characters, non-ASCII, "#" and ": " that TAP and YAML treat specially), an interrupted plan.
// `drive` feeds a reporter the way the plan engine does: begin, a case call per finished case, end.
import type { CaseResult, PlanReporter, PlanResult } from "../../src/cli/test-plan/result.ts";

export const HOSTILE = `<&"'> ]]> \u0001\u001b[31mred\u0007 tab\there\r\nnext é漢字 \u0085 \u202e # not a directive: - x`;

/** A case as written below: its deviceId is its id's prefix. */
type Case = Omit<CaseResult, "deviceId">;

function plan(given: Case[], extra: Partial<PlanResult> = {}): PlanResult {
  const cases: CaseResult[] = given.map((c) => ({ ...c, deviceId: c.id.slice(0, c.id.indexOf("/")) }));
  return {
    plan: "virt-smoke",
    file: "examples/plans/virt.yaml",
    board: "virt",
    backend: "sim",
    caseCount: cases.length,
    startedAt: "2026-12-06T15:20:51.123Z",
    durationMs: cases.reduce((s, c) => s + c.durationMs, 0) + 5,
    cases,
    exitCode: cases.some((c) => c.status === "fail" || c.status === "error") ? 8 : 0,
    ...extra,
  };
}

const RTC = "9010000.pl031";
const DMA = "9030000.dma";

/** Every case passes. */
export function allPass(): PlanResult {
  return plan([
    { id: "rtc/bind", device: RTC, kind: "bind", status: "pass", durationMs: 4, exitCode: 0 },
    { id: "rtc/identify", device: RTC, kind: "expect", status: "pass", durationMs: 3, exitCode: 0, stdout: "PERIPHID0 0x31 ok" },
    { id: "rtc/unbind", device: RTC, kind: "unbind", status: "pass", durationMs: 2, exitCode: 0 },
  ]);
}

/** One of each status across two devices, a failed check with values, an error with stderr, skips. */
export function mixed(): PlanResult {
  return plan([
    { id: "rtc/bind", device: RTC, kind: "bind", status: "pass", durationMs: 4, exitCode: 0 },
    {
      id: "rtc/alarm", device: RTC, kind: "run", status: "fail", durationMs: 1234, exitCode: 8,
      message: "RTCRIS", expected: "0x1", actual: "0x0", stdout: "now = 0x5f00\nwaiting", stderr: "vfio-plat: check failed",
    },
    { id: "rtc/unbind", device: RTC, kind: "unbind", status: "pass", durationMs: 2, exitCode: 0 },
    { id: "dma/bind", device: DMA, kind: "bind", status: "pass", durationMs: 5, exitCode: 0 },
    { id: "dma/copy", device: DMA, kind: "dma-test", status: "error", durationMs: 30, exitCode: 4, message: "timed out after 5s", stderr: "vfio-plat: dma-test: timed out" },
    { id: "dma/my-prog", device: DMA, kind: "pl330-exec", status: "skip", durationMs: 0, message: "not run: an earlier step of 9030000.dma errored" },
    { id: "dma/unbind", device: DMA, kind: "unbind", status: "pass", durationMs: 2, exitCode: 0 },
  ]);
}

/** A failed case whose every text field is hostile. */
export function hostile(): PlanResult {
  return plan([
    {
      id: "rtc/weird", device: RTC, kind: "expect", status: "fail", durationMs: 1, exitCode: 8,
      message: HOSTILE, expected: `0x1 ${HOSTILE}`, actual: `0x0 ${HOSTILE}`, stdout: HOSTILE, stderr: HOSTILE,
    },
    { id: "rtc/later", device: RTC, kind: "expect", status: "skip", durationMs: 0, message: HOSTILE },
  ]);
}

/** Stopped by SIGINT after two cases: the rest are skips the engine reports only in `end`. */
export function interrupted(): { result: PlanResult; reported: number } {
  const result = plan(
    [
      { id: "rtc/bind", device: RTC, kind: "bind", status: "pass", durationMs: 4, exitCode: 0 },
      { id: "rtc/alarm", device: RTC, kind: "run", status: "error", durationMs: 900, exitCode: 130, message: "interrupted by SIGINT" },
      { id: "rtc/check", device: RTC, kind: "expect", status: "skip", durationMs: 0, message: "not run: SIGINT" },
      { id: "rtc/unbind", device: RTC, kind: "unbind", status: "pass", durationMs: 2, exitCode: 0 },
      { id: "dma/bind", device: DMA, kind: "bind", status: "skip", durationMs: 0, message: "not run: SIGINT" },
    ],
    { interrupted: "SIGINT", exitCode: 130 },
  );
  return { result, reported: 2 };
}

/** Feed `reporter` the first `reported` cases one by one (all by default), then end; returns what it wrote. */
export function drive(make: (write: (t: string) => void) => PlanReporter, result: PlanResult, reported = result.cases.length): string {
  let out = "";
  const r = make((t) => (out += t));
  const { plan: name, file, board, backend, caseCount } = result;
  r.begin({ plan: name, file, board, backend, caseCount });
  for (const c of result.cases.slice(0, reported)) r.case(c);
  r.end(result);
  return out;
}
