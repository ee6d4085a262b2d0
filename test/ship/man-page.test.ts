// The vfio-plat(1) man page: the committed docs/vfio-plat.1 is what scripts/gen-man.ts makes from the command table
// now, it names every command, option and exit status, has the sections a man page reader expects in order, renders
// without groff warnings, and package.json ships it the way npm links man pages (the "man" array).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMANDS, GLOBAL_OPTIONS } from "../../src/cli/command-table.ts";
import { parseFlags } from "../../src/cli/completion/model.ts";
import { EXIT_CODES } from "../../src/cli/output/exit-codes.ts";
import { ENVIRONMENT, MAN_PATH, manPage } from "../../scripts/gen-man.ts";
import { REPO } from "../helpers/cli.ts";

const page = existsSync(MAN_PATH) ? readFileSync(MAN_PATH, "utf8") : "";

/** The page as a reader sees its words: roff escapes and font changes undone. */
function plain(roffText: string): string {
  return roffText
    .replace(/\\f[BIRP]/g, "")
    .replace(/\\\(em/g, "—")
    .replace(/\\-/g, "-")
    .replace(/\\&/g, "")
    .replace(/\\e/g, "\\");
}

const text = plain(page);

test("docs/vfio-plat.1 is up to date with the command table (else: bun run man)", () => {
  expect(page).toBe(manPage());
});

test("every command with its options, and every global option, appears", () => {
  for (const c of COMMANDS) {
    expect(text).toMatch(new RegExp(`^${c.name}\\b`, "m"));
    for (const o of c.options) {
      const f = parseFlags(o);
      if (f.long) expect(text).toContain(`--${f.long}`);
      if (f.short) expect(text).toContain(`-${f.short}`);
      expect(text).toContain(o.description);
    }
  }
  for (const o of GLOBAL_OPTIONS) expect(text).toContain(o.description);
  for (const f of ["--help", "--version", "-V", "-h"]) expect(text).toContain(f);
});

test("each option's value kind and default come from the option table (ranges as the scanner checks them)", () => {
  // The entry of `flag` under command `cmd` (or the first one after COMMANDS).
  const entry = (flag: string, cmd?: string) => {
    const commands = text.indexOf(".SH COMMANDS");
    const at = text.indexOf(`.TP\n${flag}`, cmd ? text.indexOf(`.TP\n${cmd}`, commands) : commands);
    return text.slice(at, text.indexOf("\n.TP", at));
  };
  expect(entry("--channel")).toContain("Value: a number, 0 to 7; default 0.");
  expect(entry("--size")).toContain("Value: a size (k, M or G suffix), 1 to 1G; default 64M.");
  expect(entry("--iommu-mode")).toContain("Value: one of auto, group, iommufd.");
  expect(entry("--device")).toContain("Value: a device");
  for (const c of COMMANDS) {
    for (const o of c.options) {
      if (o.default !== undefined) expect(entry(`--${parseFlags(o).long}`, c.name)).toContain(`default ${o.default}.`);
      if (o.value?.kind === "enum") expect(entry(`--${parseFlags(o).long}`, c.name)).toContain(`Value: one of ${o.value.choices.join(", ")}`);
    }
  }
});

test("the sections come in the usual order, and EXIT STATUS lists every code", () => {
  const sections = [...page.matchAll(/^\.SH (.+)$/gm)].map((m) => m[1]);
  expect(sections).toEqual(["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "RUN SCRIPTS", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"]);
  const exitSection = text.slice(text.indexOf(".SH EXIT STATUS"), text.indexOf(".SH ENVIRONMENT"));
  for (const e of EXIT_CODES) expect(exitSection).toContain(`${e.code} (${e.name})`);
  for (const [name] of ENVIRONMENT) expect(text).toContain(name);
  expect(text).toContain('SUBSYSTEM=="vfio", GROUP="vfio", MODE="0660"');
  expect(page).toMatch(/^\.TH VFIO\\-PLAT 1 /m);
});

test("package.json ships it in the man array, the only form npm links for global installs", () => {
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { man?: unknown; files?: string[] };
  expect(Array.isArray(pkg.man)).toBe(true);
  const man = pkg.man as string[];
  expect(man).toContain("./docs/vfio-plat.1");
  for (const m of man) {
    expect(m).toMatch(/\.[1-9](\.gz)?$/); // bin-links wants a section number at the end
    expect(existsSync(join(REPO, m))).toBe(true);
    // ...and it is in the package: `files` names it or a folder holding it.
    const path = m.replace(/^\.\//, "");
    expect(pkg.files?.some((f) => path === f || path.startsWith(`${f}/`))).toBe(true);
  }
});

const groff = Bun.which("groff");
describe.skipIf(!groff)("rendering (skipped when groff is not installed)", () => {
  test("groff renders it with no warnings, and the text has the NAME line", () => {
    const r = Bun.spawnSync([groff!, "-man", "-Tutf8", "-ww", "-z", MAN_PATH], { stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
    const out = Bun.spawnSync([groff!, "-man", "-Tascii", "-P", "-cbou", MAN_PATH], { stdout: "pipe" }).stdout.toString().replace(/\s+/g, " ");
    expect(out).toContain("vfio-plat - drive Linux vfio-platform and vfio-amba devices from user space");
    // Options render with ASCII hyphen-minus, so they copy-paste into a shell.
    expect(out).toContain("--sim-state");
  });
});
