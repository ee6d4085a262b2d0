// The man page's RUN SCRIPTS section is printed from SCRIPT_VERBS: every row's example must parse as the verb its form
// names, and every verb and irq action the parser takes must have a row, so the page cannot drift from the parser.
import { expect, test } from "bun:test";
import { IRQ_ACTIONS, parseScript } from "../../src/cli/script/parse-script.ts";
import { SCRIPT_VERBS } from "../../src/cli/script/script-verbs.ts";

const words = (form: string): string[] => form.split(/[\s|[\]]+/).filter(Boolean);

test("every row's example parses, as the verb its form starts with", () => {
  for (const v of SCRIPT_VERBS) {
    const [line] = parseScript(v.example);
    expect(line).toBeDefined();
    expect(v.example.split(" ")[0]).toBe(v.form.split(" ")[0]!);
  }
});

test("every verb and every irq action has a row", () => {
  const all = new Set(SCRIPT_VERBS.flatMap((v) => words(v.form)));
  for (const verb of ["read", "write", "expect", "irq", "sleep", "reset", "dma", "map", "fill", "unmap"]) expect(all).toContain(verb);
  for (const a of [...IRQ_ACTIONS, "unmask-fd", "mask-fd", "signal-unmask", "signal-mask"]) expect(all).toContain(a);
  // And each irq row's actions really are irq actions (a typo in the table would not parse).
  for (const v of SCRIPT_VERBS.filter((x) => x.form.startsWith("irq "))) {
    for (const a of v.form.split(" ")[1]!.split("|")) expect(() => parseScript(`irq ${a} 0`)).not.toThrow();
  }
});
