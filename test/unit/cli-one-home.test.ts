// Policy: facts of the CLI with one home. The access-width letters (b w l q) live in parse/access.ts (WIDTH_SUFFIX, with
// accessLabel the one "REGION:0xOFFSET.w" formatter); poll's default timeout and interval live in poll-defaults.ts, and
// both the `poll` command's options and the `run` verb take them from there. A second table or literal elsewhere
// under src/ fails this test, naming the file.
import { describe, expect, test } from "bun:test";
import { COMMAND_OPTIONS } from "../../src/cli/command-options.ts";
import { parsePeriod } from "../../src/cli/parse/periods.ts";
import { DEFAULT_POLL_INTERVAL_MS, DEFAULT_POLL_MS } from "../../src/cli/poll-defaults.ts";
import { parseScript } from "../../src/cli/script/parse-script.ts";
import { type OneHome, secondHomes, tsSources } from "../helpers/sources.ts";

/** What, where it may be, what a second definition looks like. */
const HOMES: (OneHome & { home: string })[] = [
  { what: "the width letter table", home: "src/cli/parse/access.ts", re: /\{\s*1:\s*"b",\s*2:\s*"w"/ },
  { what: "poll's default timeout", home: "src/cli/poll-defaults.ts", re: /DEFAULT_POLL(?:_INTERVAL)?_MS\s*=|default:\s*"10s"|default:\s*"10ms"/ },
];

describe("CLI facts have one home", () => {
  const files = tsSources("src");
  test("no file but the home defines them", () => {
    expect(secondHomes(files, HOMES)).toEqual([]);
  });
  test("each home does define its fact, so the scan looks for the right shape", () => {
    for (const { what, home, re } of HOMES) expect({ what, found: re.test(files.get(home)!) }).toEqual({ what, found: true });
  });
  test("a copy elsewhere is named", () => {
    const bad = new Map([["src/cli/x.ts", 'const letter = { 1: "b", 2: "w", 4: "l", 8: "q" }[w];\nexport const DEFAULT_POLL_MS = 5000;']]);
    expect(secondHomes(bad, HOMES)).toEqual(["src/cli/x.ts: defines the width letter table", "src/cli/x.ts: defines poll's default timeout"]);
  });
  test("the simulator's board names live in src/sim/boards only: no literal list of them elsewhere (the plan runner asks BOARDS)", () => {
    const listed = /\[\s*(["'])virt(?:-noiommu)?\1\s*,\s*(["'])virt(?:-noiommu)?\2/;
    const copies = (all: ReadonlyMap<string, string>) => [...all].filter(([f, t]) => !f.startsWith("src/sim/boards/") && listed.test(t)).map(([f]) => f);
    expect(copies(files)).toEqual([]);
    expect(copies(new Map([["src/cli/commands/x.ts", 'const BUILTIN_BOARDS = ["virt", "virt-noiommu"];']]))).toEqual(["src/cli/commands/x.ts"]);
  });
  test("the poll command's defaults and the run verb's are the same numbers", () => {
    const opts = COMMAND_OPTIONS.poll as readonly { flags: string; default?: string }[];
    const def = (flag: string) => opts.find((o) => o.flags.startsWith(flag))!.default!;
    expect(parsePeriod(def("--timeout"), "--timeout")).toBe(DEFAULT_POLL_MS);
    expect(parsePeriod(def("--interval"), "--interval")).toBe(DEFAULT_POLL_INTERVAL_MS);
    const [line] = parseScript("poll 0x0 1");
    expect(line!.step).toMatchObject({ op: "poll", timeoutMs: DEFAULT_POLL_MS, intervalMs: DEFAULT_POLL_INTERVAL_MS });
  });
});
