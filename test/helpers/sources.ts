// The source tree as text, for the policy tests that scan it (one home per fact, the import rules, no CLI words in
// the library): one reader of every .ts file under a folder, and one check that a fact is defined only in its home,
// instead of a copy of the loop in each test.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The repository's root, from this file's place in it (test/helpers). */
const ROOT = resolve(import.meta.dir, "../..");

/**
 * Every .ts file under each of `dirs` (repo-relative folders, searched recursively), as repo-relative path (e.g.
 * "src/cli/main.ts") → text, in the order the folders are given.
 */
export function tsSources(...dirs: string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of dirs) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })) {
      if (entry.endsWith(".ts")) files.set(join(dir, entry), readFileSync(join(ROOT, dir, entry), "utf8"));
    }
  }
  return files;
}

/** A fact with one home: what it is, the shape of a definition of it, and where a definition may be. */
export interface OneHome {
  /** The fact, as a finding names it ("defines <what>"). */
  what: string;
  /** What a definition looks like in source text. */
  re: RegExp;
  /** The one file that may define it, or a test of the files that may. */
  home: string | ((file: string) => boolean);
}

/**
 * Each definition in `files` (path → text) found outside its home, as "file: defines <what>" lines, file by file in
 * the map's order and, within a file, in the order of `definitions`.
 */
export function secondHomes(files: ReadonlyMap<string, string>, definitions: readonly OneHome[]): string[] {
  const out: string[] = [];
  for (const [file, source] of files) {
    for (const { what, re, home } of definitions) {
      const atHome = typeof home === "string" ? file === home : home(file);
      if (!atHome && re.test(source)) out.push(`${file}: defines ${what}`);
    }
  }
  return out;
}
