// Policy: the PL330 driver's timing limits (how long a channel may take to settle, the longest single sleep), the
// program range check and the assembler's reserved words each have one home (src/drivers/pl330/timing.ts,
// reach.ts, asm-tokens.ts); a second definition under src/drivers/pl330 or src/cli (a copied constant, a copied word list)
// fails this test, naming the file — so `--buffer` can never accept a name the assembler then refuses as a label.
import { describe, expect, test } from "bun:test";
import { isReservedAsmName } from "../../src/drivers/pl330/assembler.ts";
import { parseBufferSpecs } from "../../src/cli/pl330-exec/buffers.ts";
import { type OneHome, secondHomes, tsSources } from "../helpers/sources.ts";

/** What, the shape of a definition, its one home. */
const DEFINITIONS: (OneHome & { home: string })[] = [
  { what: "a settle time (SETTLE_MS = ...)", re: /SETTLE_MS\s*=\s*\d/, home: "src/drivers/pl330/timing.ts" },
  { what: "a wait slice (WAIT_SLICE_MS = ...)", re: /SLICE_MS\s*=\s*\d/, home: "src/drivers/pl330/timing.ts" },
  { what: "the program range check", re: /does not fit the PL330's 32-bit address space/, home: "src/drivers/pl330/reach.ts" },
  { what: "the assembler's reserved words", re: /sar\|dar\|ccr|SAR\|DAR\|CCR/, home: "src/drivers/pl330/asm-tokens.ts" },
];

describe("the PL330's limits and reserved words have one home", () => {
  const files = tsSources("src/drivers/pl330", "src/cli");
  test("no other file defines them", () => {
    expect(secondHomes(files, DEFINITIONS)).toEqual([]);
  });
  test("each home does define its own, so the scan looks for the right shapes", () => {
    for (const { what, re, home } of DEFINITIONS) expect({ what, found: re.test(files.get(home) ?? "") }).toEqual({ what, found: true });
  });
  test("a copy elsewhere is named", () => {
    const bad = new Map([["src/cli/pl330-exec/x.ts", "const SETTLE_MS = 500;\nconst RESERVED = /^(sar|dar|ccr|lc0|lc1)$/i;"]]);
    expect(secondHomes(bad, DEFINITIONS)).toEqual(["src/cli/pl330-exec/x.ts: defines a settle time (SETTLE_MS = ...)", "src/cli/pl330-exec/x.ts: defines the assembler's reserved words"]);
  });
  test("--buffer refuses exactly the words the assembler reserves", () => {
    for (const name of ["SAR", "dar", "Ccr", "lc0", "LC1"]) {
      expect(isReservedAsmName(name)).toBe(true);
      expect(() => parseBufferSpecs([`${name}=64`])).toThrow(/cannot name a buffer/);
    }
    for (const name of ["sars", "lc2", "src"]) {
      expect(isReservedAsmName(name)).toBe(false);
      expect(parseBufferSpecs([`${name}=64`])[0]!.name).toBe(name);
    }
  });
});
