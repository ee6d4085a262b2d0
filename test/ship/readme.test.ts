// The README's shipping sections say what the code does: the "coming from" table names real commands and options,
// the width-letter trap is refused as described, the errno table's exit codes are the ones errors.ts gives, the
// --user example is real output, and the udev rule is the same everywhere it is printed.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { errnoOf } from "../../src/boundary/errno.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { COMMANDS, GLOBAL_OPTIONS } from "../../src/cli/command-table.ts";
import { parseFlags } from "../../src/cli/completion/model.ts";
import { describeError } from "../../src/cli/output/errors.ts";
import { EXIT_CODES, withExitCodeTable } from "../../src/cli/output/exit-codes.ts";
import { parseAccess, parseWidthOption } from "../../src/cli/parse/access.ts";
import { UsageError } from "../../src/cli/usage-error.ts";
import { manPage } from "../../scripts/gen-man.ts";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const readme = readFileSync(join(REPO, "README.md"), "utf8");
const UDEV_RULE = 'SUBSYSTEM=="vfio", GROUP="vfio", MODE="0660"';

/** The text of the `## title` section (up to the next `## `). */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}`);
  if (start < 0) throw new Error(`README has no section '${title}'`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Table rows of a section, as cells (header and separator dropped). */
function rows(text: string): string[][] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("|") && !/^\|[-:| ]+\|$/.test(l))
    .slice(1)
    .map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
}

test("the new sections come after 'On real hardware' and before 'Library', in order", () => {
  const order = ["On real hardware", "Coming from devmem, memtool, driverctl or dpdk-devbind", "Permissions: running as a user", "Troubleshooting by errno", "Standalone binaries, completion, man page", "Library"];
  const at = order.map((t) => readme.indexOf(`\n## ${t}\n`));
  expect(at.every((i) => i > 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
});

describe("coming from other tools", () => {
  const table = rows(section("Coming from devmem, memtool, driverctl or dpdk-devbind"));
  test("every vfio-plat command in the table exists, with the options it shows", () => {
    expect(table.length).toBeGreaterThanOrEqual(8);
    const globals = new Set(GLOBAL_OPTIONS.map((o) => parseFlags(o).long));
    let checked = 0;
    for (const [, , ours] of table) {
      for (const m of ours!.matchAll(/vfio-plat (\w[\w-]*)([^`]*)`/g)) {
        checked++;
        const cmd = COMMANDS.find((c) => c.name === m[1]);
        expect(cmd ? cmd.name : `unknown command ${m[1]}`).toBe(m[1]!);
        for (const f of m[2]!.matchAll(/--([a-z-]+)/g)) {
          const known = globals.has(f[1]) || cmd!.options.some((o) => parseFlags(o).long === f[1]);
          expect(known ? f[1] : `${m[1]} has no --${f[1]}`).toBe(f[1]!);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(table.length);
  });
  test("the width-letter trap is refused as described, and the memtool letters mean what the table says", () => {
    expect(() => parseAccess("0xff0.h")).toThrow(UsageError);
    expect(() => parseAccess("0xff0w")).toThrow(UsageError);
    expect(() => parseWidthOption("w")).toThrow(UsageError);
    expect(parseAccess("0xff0.w").width).toBe(2);
    expect(parseAccess("0xff0.l").width).toBe(4);
    expect(parseAccess("0xff0").width).toBe(4);
    expect(parseAccess("0xff0.b").width).toBe(1);
    expect(parseAccess("0xff0.q").width).toBe(8);
  });
});

describe("troubleshooting by errno", () => {
  const table = rows(section("Troubleshooting by errno"));
  test("each errno's exit status is the one vfio-plat gives it", () => {
    expect(table.length).toBeGreaterThanOrEqual(8);
    for (const [errno, exit] of table) {
      const d = describeError(new SyscallError({ syscall: "ioctl", errno: errnoOf(errno!) }));
      expect(`${errno} -> ${d.exit}`).toBe(`${errno} -> ${exit}`);
    }
  });
  test("it covers the errnos that have hints in errors.ts", () => {
    const covered = new Set(table.map((r) => r[0]));
    for (const e of ["EACCES", "EPERM", "ENOENT", "EBUSY", "ENOMEM", "EINVAL", "ENOTTY"]) expect(covered.has(e) ? e : `missing ${e}`).toBe(e);
  });
});

describe("permissions", () => {
  test("the udev rule is the same in the README and the man page; bind's notice names udev-rule, which the README shows", () => {
    expect(section("Permissions: running as a user")).toContain(UDEV_RULE);
    expect(manPage()).toContain(UDEV_RULE.replace(/-/g, "\\-"));
    expect(section("Permissions: running as a user")).toContain("vfio-plat udev-rule DEVICE --group vfio --install");
    const state = tempSimState();
    try {
      const r = runCli(["bind", "9010000.pl031", "--group", "0"], { env: simEnv(state.dir) });
      expect(r.stderr).toContain("vfio-plat udev-rule 9010000.pl031 --group 0 --install makes it last");
    } finally {
      state.dispose();
    }
  });
  test("the --user example is what bind prints", () => {
    const block = /```console\n *\$ sudo vfio-plat (bind [^\n]+)\n([\s\S]*?) *```/.exec(section("Permissions: running as a user"));
    expect(block).not.toBeNull();
    const state = tempSimState();
    try {
      const r = runCli(block![1]!.split(" "), { env: simEnv(state.dir) });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(block![2]!.replace(/^ {2}/gm, ""));
    } finally {
      state.dispose();
    }
  });
});

test("the README's exit-code table is the one table (else: bun scripts/gen-errors-doc.ts)", () => {
  expect(withExitCodeTable(readme)).toBe(readme);
  const exits = section("Exit codes");
  for (const e of EXIT_CODES) expect(exits).toContain(`| ${e.code} | ${e.name} |`);
});

test("the Design section's test layout names every folder under test/", () => {
  const design = section("Design");
  const folders = readdirSync(join(REPO, "test"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  expect(folders.length).toBeGreaterThan(10);
  expect(folders.filter((f) => !design.includes(`\`test/${f}\``))).toEqual([]);
});

test("helpers live in test/helpers: no other test folder has a file named like a helper", () => {
  const stray = readdirSync(join(REPO, "test"), { recursive: true, encoding: "utf8" }).filter(
    (p) => !p.startsWith("helpers/") && /(^|\/)[^/]*helpers?[^/]*\.ts$/.test(p),
  );
  expect(stray).toEqual([]);
});
