// JUnit XML, the report Jenkins' JUnit plugin, GitLab's unit test reports and most CI dashboards read: one
// <testsuite> per device of the plan, one <testcase> per step (bind and unbind included), valid against the schema in
// test/fixtures/junit/junit.xsd. Written whole from a finished (or interrupted) plan, as --junit FILE is.
import type { CaseResult, PlanResult } from "../result.ts";
import { countStatuses, failureText } from "./counts.ts";

// Characters XML 1.0 cannot carry at all, not even as character references: C0 controls other than tab, newline and
// carriage return, U+FFFE/U+FFFF and unpaired surrogates. They are written visibly escaped (\x1b, \u{fffe}) instead.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Allowed but discouraged (DEL, C1) or misleading on screen (bidi controls, line/paragraph separators): written as
// character references, so no raw control reaches a log viewer while a parser still reads the exact text.
const DISCOURAGED = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const n = c.codePointAt(0)!;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
}

function reference(c: string): string {
  return `&#x${c.charCodeAt(0).toString(16)};`;
}

/** Element text: markup characters as entities (">" too, so "]]>" never appears), carriage returns as references. */
export function xmlText(text: string): string {
  return text
    .replace(FORBIDDEN, visible)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\r/g, "&#13;")
    .replace(DISCOURAGED, reference);
}

/** An attribute value: as element text, plus quotes, and tab/newline as references (a parser would fold them). */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;");
}

/** Seconds with millisecond precision, as JUnit's `time` attributes carry them. */
function time(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/**
 * The plan's start as JUnit's `timestamp`: ISO 8601 in UTC without a zone or fraction ("2026-12-06T15:20:51"), the
 * form Ant writes and the stricter JUnit schemas require. Undefined when `startedAt` is not a date.
 */
function timestamp(startedAt: string): string | undefined {
  const t = new Date(startedAt);
  if (Number.isNaN(t.getTime())) return undefined;
  return t.toISOString().slice(0, 19);
}

function attributes(attrs: Record<string, string | number | undefined>): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttribute(String(v))}"`)
    .join("");
}

/** The device id and the step id of a case: the id is "<deviceId>/<step id>", the device id carried by the case. */
function splitId(c: CaseResult): [string, string] {
  const prefix = `${c.deviceId}/`;
  return [c.deviceId, c.id.startsWith(prefix) ? c.id.slice(prefix.length) : c.id];
}

/** The body of a <failure> or <error>: what a person needs beside the message, one fact a line. */
function details(c: CaseResult): string {
  const lines: string[] = [];
  if (c.message !== undefined) lines.push(c.message);
  if (c.expected !== undefined) lines.push(`expected: ${c.expected}`);
  if (c.actual !== undefined) lines.push(`actual: ${c.actual}`);
  if (c.exitCode !== undefined) lines.push(`exit status: ${c.exitCode}`);
  return lines.join("\n");
}

function failureMessage(c: CaseResult): string {
  return failureText(c) || (c.exitCode !== undefined ? `exit status ${c.exitCode}` : c.status);
}

function testcase(plan: string, deviceId: string, step: string, c: CaseResult, pad: string): string {
  const open = `${pad}<testcase${attributes({ classname: `${plan}.${deviceId}`, name: step, time: time(c.durationMs) })}`;
  const inner: string[] = [];
  if (c.status === "fail" || c.status === "error") {
    const tag = c.status === "fail" ? "failure" : "error";
    inner.push(`<${tag}${attributes({ message: failureMessage(c), type: c.kind })}>${xmlText(details(c))}</${tag}>`);
  } else if (c.status === "skip") {
    inner.push(`<skipped${attributes({ message: c.message })}/>`);
  }
  if (c.stdout) inner.push(`<system-out>${xmlText(c.stdout)}</system-out>`);
  if (c.stderr) inner.push(`<system-err>${xmlText(c.stderr)}</system-err>`);
  if (inner.length === 0) return `${open}/>\n`;
  return `${open}>\n${inner.map((e) => `${pad}  ${e}\n`).join("")}${pad}</testcase>\n`;
}

/**
 * The JUnit XML document of `result`: <testsuites name=plan> with the plan's counts, one <testsuite name=device id>
 * per device in plan order (properties: plan file, board, backend, device name, the signal that stopped the plan),
 * one <testcase classname="<plan>.<device id>" name="<step id>"> per case with <failure>, <error> or <skipped> and
 * the step's <system-out>/<system-err>. Every text and attribute is escaped; characters XML cannot carry are written
 * as visible escapes. Pure; throws nothing.
 */
export function junitXml(result: PlanResult): string {
  const suites = new Map<string, { device: string; cases: [string, CaseResult][] }>();
  for (const c of result.cases) {
    const [deviceId, step] = splitId(c);
    let suite = suites.get(deviceId);
    if (suite === undefined) suites.set(deviceId, (suite = { device: c.device, cases: [] }));
    suite.cases.push([step, c]);
  }
  const stamp = timestamp(result.startedAt);
  const all = countStatuses(result.cases);
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n`;
  xml += `<testsuites${attributes({
    name: result.plan,
    tests: all.total,
    failures: all.failed,
    errors: all.errors,
    skipped: all.skipped,
    time: time(result.durationMs),
    timestamp: stamp,
  })}>\n`;
  let id = 0;
  for (const [deviceId, suite] of suites) {
    const cases = suite.cases.map(([, c]) => c);
    const k = countStatuses(cases);
    xml += `  <testsuite${attributes({
      name: deviceId,
      tests: k.total,
      failures: k.failed,
      errors: k.errors,
      skipped: k.skipped,
      time: time(cases.reduce((sum, c) => sum + c.durationMs, 0)),
      timestamp: stamp,
      id: id++,
    })}>\n`;
    const props: [string, string | undefined][] = [
      ["plan", result.plan],
      ["file", result.file],
      ["board", result.board],
      ["backend", result.backend],
      ["device", suite.device],
      ["interrupted", result.interrupted],
    ];
    xml += `    <properties>\n`;
    for (const [name, value] of props) {
      if (value !== undefined) xml += `      <property${attributes({ name, value })}/>\n`;
    }
    xml += `    </properties>\n`;
    for (const [step, c] of suite.cases) xml += testcase(result.plan, deviceId, step, c, "    ");
    xml += `  </testsuite>\n`;
  }
  xml += `</testsuites>\n`;
  return xml;
}
