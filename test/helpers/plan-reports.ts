// Reads plan reports the way their consumers do, so tests check meaning rather than strings: TAP through tapjs'
// tap-parser (what a TAP harness sees: counts, test points, directives, bail out, YAML diagnostics), JUnit XML through
// fast-xml-parser, and JUnit validated against test/fixtures/junit/junit.xsd with libxml2 (xmllint-wasm).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { Parser, type FinalResults, type Result } from "tap-parser";
import { validateXML } from "xmllint-wasm";
import { REPO } from "./cli.ts";

export interface ParsedTap {
  /** tap-parser's `complete` event. */
  final: FinalResults;
  /** Every test point, in order, with its diagnostics (`diag`, the parsed YAML block) and directives. */
  points: Result[];
  /** The TAP version line's number (13), or undefined when there was none. */
  version: number | undefined;
  /** Comment lines ("# ..."), without the "# ". */
  comments: string[];
}

/** `text` read by tap-parser; resolves on its `complete` event. */
export function parseTap(text: string): Promise<ParsedTap> {
  return new Promise((resolve) => {
    const points: Result[] = [];
    const comments: string[] = [];
    let version: number | undefined;
    const parser = new Parser((final) => resolve({ final, points, version, comments }));
    parser.on("assert", (r: Result) => points.push(r));
    parser.on("version", (v: number) => (version = v));
    parser.on("comment", (c: string) => comments.push(c.replace(/^# /, "").replace(/\n$/, "")));
    parser.end(text);
  });
}

/** Elements that may repeat, always parsed as arrays (one testsuite is still a list). */
const REPEATED = new Set(["testsuite", "testcase", "property", "failure", "error", "system-out", "system-err"]);

/**
 * `xml` parsed by fast-xml-parser: attributes as plain keys (no prefix), text as "#text", entities and character
 * references decoded, repeatable elements as arrays. Throws what the parser throws on malformed XML.
 */
export function parseJunit(xml: string): any {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    textNodeName: "#text",
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    alwaysCreateTextNode: false,
    processEntities: true,
    htmlEntities: true, // decodes numeric character references (&#10;) too
    isArray: (name) => REPEATED.has(name),
  });
  return parser.parse(xml, true);
}

export const JUNIT_XSD = join(REPO, "test/fixtures/junit/junit.xsd");

/** Whether `xml` is valid against the JUnit schema, and libxml2's messages when it is not. */
export async function validateJunit(xml: string): Promise<{ valid: boolean; errors: string[] }> {
  const r = await validateXML({
    xml: [{ fileName: "report.xml", contents: xml }],
    schema: [{ fileName: "junit.xsd", contents: readFileSync(JUNIT_XSD, "utf8") }],
  });
  return { valid: r.valid, errors: r.errors.map((e) => e.rawMessage) };
}
