// The command line as a whole, in real processes: every command's help lists its options without cac's
// "(default: true)", --json turns every error into one JSON line (usage errors, unknown commands, a bare --json),
// --color=always|never|auto and --color/--no-color decide colour, and untrusted text is shown escaped.
import { afterAll, describe, expect, test } from "bun:test";
import { COMMANDS } from "../../src/cli/command-table.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const state = tempSimState();
const env = simEnv(state.dir);
afterAll(() => state.dispose());
const ESC = "\x1b";

describe("help", () => {
  for (const name of ["", ...COMMANDS.map((c) => c.name)]) {
    test(`vfio-plat ${name} --help: exit 0, every option listed, no '(default: true)'`, () => {
      const r = runCli([...(name ? [name] : []), "--help"], { env });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).not.toMatch(/\(default: (true|false)\)/);
      expect(r.stdout).toContain("--color[=when]");
      expect(r.stdout).toContain("--no-color");
      for (const o of COMMANDS.find((c) => c.name === name)?.options ?? []) expect(r.stdout).toContain(o.flags);
    });
  }
});

describe("--json shapes every error", () => {
  const cases: [string, string[], string][] = [
    ["a bare --json", ["--json"], "no command given"],
    ["an unknown command", ["--json", "frob"], "unknown command 'frob'"],
    ["missing arguments", ["--json", "read"], "missing required args for read"],
    ["an unknown option", ["list", "--bogus", "--json"], "unknown option '--bogus'"],
    ["a repeated option", ["--json", "list", "--names", "--names"], "option --names given twice"],
    ["a bad number", ["--json", "read", "9010000.pl031", "0:1e3"], "exponent notation is not accepted"],
  ];
  for (const [why, args, says] of cases) {
    test(`${why}: one JSON line on stderr, exit 2, nothing on stdout`, () => {
      const r = runCli(args, { env });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines.length).toBe(1);
      const err = JSON.parse(lines[0]!).error;
      expect(err.code).toBe("USAGE");
      expect(err.exit).toBe(2);
      expect(err.message).toContain(says);
      expect(err.message).toEndWith("(USAGE)");
    });
  }
  test("without --json, no command prints help and one error line", () => {
    const r = runCli([], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("Usage:");
    expect(r.stderr).toBe("vfio-plat: no command given (USAGE) — see vfio-plat --help for the commands\n");
  });
});

describe("colour", () => {
  // NO_COLOR=1 is in the test environment: the flag wins over it, FORCE_COLOR loses to --color=never.
  const err = (args: string[], extra: Record<string, string> = {}) => runCli([...args, "read", "nosuch.dev", "0:0"], { env: { ...env, ...extra } }).stderr;
  test("--color=always and --color colour the error", () => {
    expect(err(["--color=always"])).toContain(`${ESC}[`);
    expect(err(["--color"])).toContain(`${ESC}[`);
  });
  test("--color=never and --no-color win over FORCE_COLOR", () => {
    expect(err(["--color=never"], { FORCE_COLOR: "1" })).not.toContain(ESC);
    expect(err(["--no-color"], { FORCE_COLOR: "1" })).not.toContain(ESC);
  });
  test("--color=auto leaves it to the environment", () => {
    expect(err(["--color=auto"], { FORCE_COLOR: "1", NO_COLOR: "" })).toContain(`${ESC}[`);
    expect(err(["--color=auto"])).not.toContain(ESC);
  });
  test("--color=yes is refused, --color given twice is refused", () => {
    const r = runCli(["--color=yes", "list"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid --color 'yes': expected always, never, auto");
    expect(runCli(["--color", "--no-color", "list"], { env }).code).toBe(2);
  });
});

describe("untrusted text in errors", () => {
  test("an escape sequence in a device name is shown escaped, never sent raw", () => {
    const r = runCli(["read", `${ESC}]0;pwned${ESC}\\x${ESC}[2J`, "0:0"], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr).toContain("\\x1b]0;pwned\\x1b");
  });
  test("a newline in an option value cannot forge a second line", () => {
    const r = runCli(["irq", "9010000.pl031", "--timeout", "5s\nvfio-plat: all good"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.stderr).toContain("'5s\\nvfio-plat: all good'");
  });
  test("a 10000-character token is shortened with its length", () => {
    const r = runCli(["read", "9010000.pl031", `0:${"7".repeat(10000)}`], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("' (10000 chars): out of range");
    expect(r.stderr.length).toBeLessThan(400);
  });
});
