// Everything a library user can catch or inspect is exported from the package's entry: every error class under the
// library's folders (and the simulated board's refusals that openBoundary can throw), and every refusal type those
// errors carry. A new error class that is not exported fails here.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as lib from "../../src/index.ts";
import { REPO } from "../helpers/cli.ts";

const LIBRARY = ["src/boundary", "src/vfio", "src/host", "src/drivers", "src/registers"].map((d) => join(REPO, d));
/** The simulated board's errors a caller meets through openBoundary / resetSimBoard. */
const SIM_PUBLIC = ["src/sim/boards/board-errors.ts", "src/sim/state/state-errors.ts"].map((f) => join(REPO, f));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

const files = [...LIBRARY.flatMap(sources), ...SIM_PUBLIC];
const declared = (re: RegExp) =>
  files.flatMap((f) => [...readFileSync(f, "utf8").matchAll(re)].map((m) => ({ name: m[1]!, file: relative(REPO, f) })));

test("every error class of the library is exported from src/index.ts, as the class itself", async () => {
  const classes = declared(/^export class (\w+Error)\b/gm);
  expect(classes.length).toBeGreaterThan(20);
  const missing: string[] = [];
  for (const { name, file } of classes) {
    const own = (await import(join(REPO, file)))[name];
    if ((lib as Record<string, unknown>)[name] !== own) missing.push(`${name} (${file})`);
  }
  expect(missing).toEqual([]);
});

test("every refusal type an error carries is exported from src/index.ts", () => {
  const index = readFileSync(join(REPO, "src/index.ts"), "utf8");
  const types = declared(/^export (?:type|interface) (\w+Refusal)\b/gm);
  expect(types.map((t) => t.name)).toContain("RegionRefusal");
  const exported = ({ name, file }: { name: string; file: string }) =>
    new RegExp(`\\btype ${name}\\b|\\b${name},`).test(index) || index.includes(`export * from "./${file.slice("src/".length)}"`);
  expect(types.filter((t) => !exported(t)).map((t) => `${t.name} (${t.file})`)).toEqual([]);
});
