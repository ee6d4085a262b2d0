// Policy: the PL330 driver's timing limits (how long a channel may take to settle, the longest single sleep), the
// program range check and the assembler's reserved words each have one home (src/drivers/pl330/timing.ts,
// reach.ts, asm-tokens.ts); a second definition under src/drivers/pl330 or src/cli (a copied constant, a copied word list)
// fails this test, naming the file — so `--buffer` can never accept a name the assembler then refuses as a label.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isReservedAsmName } from "../../src/drivers/pl330/assembler.ts";
import { parseBufferSpecs } from "../../src/cli/pl330-exec/buffers.ts";

const ROOT = resolve(import.meta.dir, "../..");

/** [what, the shape of a definition, its one home]. */
const DEFINITIONS: [string, RegExp, string][] = [
  ["a settle time (SETTLE_MS = ...)", /SETTLE_MS\s*=\s*\d/, "src/drivers/pl330/timing.ts"],
  ["a wait slice (WAIT_SLICE_MS = ...)", /SLICE_MS\s*=\s*\d/, "src/drivers/pl330/timing.ts"],
  ["the program range check", /does not fit the PL330's 32-bit address space/, "src/drivers/pl330/reach.ts"],
  ["the assembler's reserved words", /sar\|dar\|ccr|SAR\|DAR\|CCR/, "src/drivers/pl330/asm-tokens.ts"],
];

function secondHomes(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [file, source] of files) for (const [what, re, home] of DEFINITIONS) if (file !== home && re.test(source)) out.push(`${file}: defines ${what}`);
  return out;
}

function sources(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })) {
    if (entry.endsWith(".ts")) files.set(join(dir, entry), readFileSync(join(ROOT, dir, entry), "utf8"));
  }
  return files;
}

describe("the PL330's limits and reserved words have one home", () => {
  const files = new Map([...sources("src/drivers/pl330"), ...sources("src/cli")]);
  test("no other file defines them", () => {
    expect(secondHomes(files)).toEqual([]);
  });
  test("each home does define its own, so the scan looks for the right shapes", () => {
    for (const [what, re, home] of DEFINITIONS) expect({ what, found: re.test(files.get(home) ?? "") }).toEqual({ what, found: true });
  });
  test("a copy elsewhere is named", () => {
    const bad = new Map([["src/cli/pl330-exec/x.ts", "const SETTLE_MS = 500;\nconst RESERVED = /^(sar|dar|ccr|lc0|lc1)$/i;"]]);
    expect(secondHomes(bad)).toEqual(["src/cli/pl330-exec/x.ts: defines a settle time (SETTLE_MS = ...)", "src/cli/pl330-exec/x.ts: defines the assembler's reserved words"]);
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
