// The JUnit schema in test/fixtures/junit/junit.xsd has teeth: a well-formed report passes, and reports a CI server
// would misread (a testcase without a name, a failure outside a testcase, counts that are not numbers, an unknown
// element, a zoned timestamp) are rejected by libxml2 (xmllint-wasm).
import { describe, expect, test } from "bun:test";
import { validateJunit } from "../helpers/plan-reports.ts";

const GOOD = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="p" tests="2" failures="1" errors="0" skipped="0" time="0.5" timestamp="2026-12-06T15:20:51">
  <testsuite name="rtc" tests="2" failures="1">
    <properties><property name="board" value="virt"/></properties>
    <testcase classname="p.rtc" name="identify" time="0.1"/>
    <testcase classname="p.rtc" name="alarm" time="0.4">
      <failure message="RTCRIS: expected 0x1, read 0x0" type="run">details</failure>
      <system-out>out</system-out>
    </testcase>
  </testsuite>
</testsuites>
`;

const BAD: [string, (xml: string) => string][] = [
  ["a testcase without a name", (x) => x.replace(`name="identify" `, "")],
  ["a failure outside a testcase", (x) => x.replace(`<testcase classname="p.rtc" name="identify" time="0.1"/>`, `<failure message="m">x</failure>`)],
  ["a testsuite without tests", (x) => x.replace(`<testsuite name="rtc" tests="2" `, `<testsuite name="rtc" `)],
  ["a count that is not a number", (x) => x.replace(`failures="1">`, `failures="one">`)],
  ["a negative time", (x) => x.replace(`time="0.4"`, `time="-1"`)],
  ["an unknown element in a testcase", (x) => x.replace(`<system-out>`, `<output>x</output><system-out>`)],
  ["skipped and failure in one testcase", (x) => x.replace(`<failure `, `<skipped/><failure `)],
  ["system-out before the failure", (x) => x.replace(/(<failure[^]*?<\/failure>)\s*(<system-out>out<\/system-out>)/, "$2$1")],
  ["a property without a value", (x) => x.replace(` value="virt"`, "")],
  ["a timestamp with a zone", (x) => x.replace(`timestamp="2026-12-06T15:20:51"`, `timestamp="2026-12-06T15:20:51Z"`)],
  ["a testcase directly under testsuites", (x) => x.replace(`<testsuite name="rtc"`, `<testcase name="x"/><testsuite name="rtc"`)],
];

describe("the JUnit XSD", () => {
  test("accepts a well-formed report", async () => {
    expect(await validateJunit(GOOD)).toEqual({ valid: true, errors: [] });
  });

  for (const [what, spoil] of BAD) {
    test(`rejects ${what}`, async () => {
      const xml = spoil(GOOD);
      expect(xml).not.toBe(GOOD);
      const v = await validateJunit(xml);
      expect(v.valid).toBe(false);
      expect(v.errors.length).toBeGreaterThan(0);
    });
  }
});
