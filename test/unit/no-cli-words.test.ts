// Policy: the library (src/vfio, src/host, src/drivers, src/sim) speaks no CLI. No string literal there names a
// command-line flag (`--force`) or a vfio-plat command (`vfio-plat bind`): the library states facts, and src/cli turns
// them into advice. Comments name no flag either (the issue's `grep -rn -- '--[a-z]'` finds nothing). Like
// import-rules.test.ts, this scans the source text.
import { describe, expect, test } from "bun:test";
import { COMMANDS } from "../../src/cli/command-table.ts";
import { tsSources } from "../helpers/sources.ts";

const LIBRARY = ["src/vfio", "src/host", "src/drivers", "src/sim", "src/registers", "src/json-file"];

/**
 * Files owned by another part of issue 11 that still carry CLI words, each with the words it has left. An entry here
 * that no longer has them fails too, so the list only shrinks.
 */
const NOT_YET: Record<string, RegExp> = {};

/**
 * The text of every string and template literal in `source` (template text only: `${}` holes are code), skipping
 * comments and regular-expression literals.
 */
function stringLiterals(source: string): string[] {
  const out: string[] = [];
  const holes: number[] = []; // brace depth of each open `${`, innermost last
  let depth = 0;
  let i = 0;
  let last = ""; // last significant code character: tells a regex literal from a division
  const readString = (quote: string): void => {
    let text = "";
    i++;
    while (i < source.length && source[i] !== quote) {
      if (source[i] === "\\") {
        text += source.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (quote === "`" && source.startsWith("${", i)) {
        holes.push(depth);
        i += 2;
        out.push(text);
        return;
      }
      text += source[i++];
    }
    i++;
    out.push(text);
  };
  while (i < source.length) {
    const c = source[i]!;
    if (source.startsWith("//", i)) {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (source.startsWith("/*", i)) {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === '"' || c === "'" || c === "`") {
      readString(c);
      last = c;
    } else if (c === "/" && (last === "" || "(,=:[!&|?{};+-*%<>~^".includes(last))) {
      let inClass = false;
      i++;
      while (i < source.length && (source[i] !== "/" || inClass) && source[i] !== "\n") {
        if (source[i] === "\\") i++;
        else if (source[i] === "[") inClass = true;
        else if (source[i] === "]") inClass = false;
        i++;
      }
      i++;
      last = "/";
    } else if (c === "{") {
      depth++;
      last = c;
      i++;
    } else if (c === "}" && holes.length && holes[holes.length - 1] === depth) {
      holes.pop();
      readString("`"); // the hole's `}` ends it: the template's text goes on
      last = "`";
    } else {
      if (c === "}") depth--;
      if (!/\s/.test(c)) last = c;
      i++;
    }
  }
  return out;
}

const FLAG = /(?:^|[\s(`'"=,;])--[a-z][a-z0-9-]*/;
const COMMAND = new RegExp(`vfio-plat (?:${COMMANDS.map((c) => c.name).join("|")}|--[a-z])\\b`);

/** The CLI words in `source`'s string literals. */
function cliWords(source: string): string[] {
  return stringLiterals(source).filter((s) => FLAG.test(s) || COMMAND.test(s));
}

const libraryFiles = (): Map<string, string> => tsSources(...LIBRARY);

describe("the library speaks no CLI", () => {
  test("the scanner finds words in strings and templates, not in comments or regexes", () => {
    const src = [
      "// use --force here is a comment",
      "/* vfio-plat bind X in a block comment */",
      "const re = /--[a-z]+'/g; const half = a / b;",
      'throw new Error("x", "use --driver vfio-amba");',
      "const t = `${dev}: vfio-plat bind ${dev.name} now`;",
      "const u = `${{ a: 1 }.a} ok`;",
      "const plain = 'a-b -- c'; // --comment",
    ].join("\n");
    expect(cliWords(src)).toEqual(["use --driver vfio-amba", ": vfio-plat bind "]);
    expect(stringLiterals(src)).toContain(" ok");
  });

  test("no string literal under src/vfio, src/host, src/drivers, src/sim names a flag or a vfio-plat command", () => {
    const found: string[] = [];
    for (const [file, source] of libraryFiles()) {
      const words = cliWords(source);
      const allowed = NOT_YET[file];
      if (allowed) {
        expect(words.some((w) => allowed.test(w)), `${file} is clean now: drop it from NOT_YET`).toBe(true);
        found.push(...words.filter((w) => !allowed.test(w)).map((w) => `${file}: ${w}`));
      } else {
        found.push(...words.map((w) => `${file}: ${w}`));
      }
    }
    expect(found).toEqual([]);
  });

  test("no line under those folders, comments included, names a flag (grep -- '--[a-z]' finds nothing)", () => {
    const found: string[] = [];
    for (const [file, source] of libraryFiles()) {
      source.split("\n").forEach((line, i) => {
        if (/--[a-z]/.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });
});
