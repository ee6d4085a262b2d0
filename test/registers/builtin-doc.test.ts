// The document listing the built-in maps is generated from them and kept current: a stale docs/builtin-register-maps.md
// fails here (regenerate with bun scripts/gen-register-maps-doc.ts). It lists every register of every map.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { BUILTIN_MAPS } from "../../src/registers/builtin/index.ts";
import { BUILTIN_MAPS_DOC, builtinMapsMarkdown } from "../../scripts/gen-register-maps-doc.ts";

test("docs/builtin-register-maps.md is what the maps generate (else: bun scripts/gen-register-maps-doc.ts)", () => {
  expect(readFileSync(BUILTIN_MAPS_DOC, "utf8")).toBe(builtinMapsMarkdown());
});

test("the document has a row for every register of every map", () => {
  const doc = builtinMapsMarkdown();
  for (const [key, map] of Object.entries(BUILTIN_MAPS)) {
    // A combined map ("edu+pci-config") is documented by its parts' sections.
    const sections = key.split("+").map((part) => {
      const start = doc.indexOf(`## ${part}\n`);
      expect([part, start]).not.toEqual([part, -1]);
      const end = doc.indexOf("\n## ", start + 1);
      return doc.slice(start, end < 0 ? undefined : end);
    });
    for (const r of map.registers) expect([key, r.name, sections.some((s) => s.includes(`| ${r.name} | ${r.region} |`))]).toEqual([key, r.name, true]);
  }
});
