// Policy: colour precedence is --json > --color/--no-color > NO_COLOR (non-empty) > FORCE_COLOR > TTY (TERM=dumb off),
// decided per stream; chalk's own NO_COLOR-blind detection is never used.
import { describe, expect, test } from "bun:test";
import { colorFlagFromArgv, colorLevel, makeChalks, type ColorInput, type ColorLevel } from "../../src/cli/output/color.ts";

describe("colorLevel precedence matrix", () => {
  const cases: [string, ColorInput, ColorLevel][] = [
    ["json beats --color", { json: true, flag: true, env: { FORCE_COLOR: "3" }, isTTY: true }, 0],
    ["json on a TTY", { json: true, env: {}, isTTY: true }, 0],
    ["--no-color beats FORCE_COLOR and TTY", { flag: false, env: { FORCE_COLOR: "3" }, isTTY: true }, 0],
    ["--color beats NO_COLOR and no TTY", { flag: true, env: { NO_COLOR: "1" }, isTTY: false }, 1],
    ["--color beats FORCE_COLOR=0", { flag: true, env: { FORCE_COLOR: "0" }, isTTY: false }, 1],
    ["--color keeps the terminal depth", { flag: true, env: { COLORTERM: "truecolor" }, isTTY: false }, 3],
    ["NO_COLOR beats FORCE_COLOR", { env: { NO_COLOR: "1", FORCE_COLOR: "1" }, isTTY: true }, 0],
    ["NO_COLOR beats TTY", { env: { NO_COLOR: "yes" }, isTTY: true }, 0],
    ["empty NO_COLOR is ignored", { env: { NO_COLOR: "" }, isTTY: true }, 1],
    ["FORCE_COLOR=1 without TTY", { env: { FORCE_COLOR: "1" }, isTTY: false }, 1],
    ["FORCE_COLOR=2", { env: { FORCE_COLOR: "2" }, isTTY: false }, 2],
    ["FORCE_COLOR=3", { env: { FORCE_COLOR: "3" }, isTTY: false }, 3],
    ["FORCE_COLOR=7 caps at 3", { env: { FORCE_COLOR: "7" }, isTTY: false }, 3],
    ["FORCE_COLOR empty means on", { env: { FORCE_COLOR: "" }, isTTY: false }, 1],
    ["FORCE_COLOR=true", { env: { FORCE_COLOR: "true" }, isTTY: false }, 1],
    ["FORCE_COLOR=0 beats TTY", { env: { FORCE_COLOR: "0" }, isTTY: true }, 0],
    ["FORCE_COLOR=false beats TTY", { env: { FORCE_COLOR: "false" }, isTTY: true }, 0],
    ["FORCE_COLOR on a dumb terminal", { env: { FORCE_COLOR: "1", TERM: "dumb" }, isTTY: true }, 1],
    ["TTY", { env: {}, isTTY: true }, 1],
    ["TTY with 256 colours", { env: { TERM: "xterm-256color" }, isTTY: true }, 2],
    ["TTY with truecolor", { env: { COLORTERM: "24bit" }, isTTY: true }, 3],
    ["TTY with TERM=dumb", { env: { TERM: "dumb" }, isTTY: true }, 0],
    ["not a TTY", { env: { TERM: "xterm-256color" }, isTTY: false }, 0],
  ];
  for (const [name, input, want] of cases) test(name, () => expect(colorLevel(input)).toBe(want));
});

describe("colorFlagFromArgv", () => {
  const cases: [string[], boolean | undefined][] = [
    [[], undefined],
    [["read", "dev", "0x0"], undefined],
    [["--color"], true],
    [["--color=always"], true],
    [["--no-color"], false],
    [["--color=never"], false],
    [["--color", "--no-color"], false],
    [["--no-color", "--color"], true],
    [["--color", "--color=auto"], undefined],
    [["run", "--", "--color"], undefined],
  ];
  for (const [argv, want] of cases) test(JSON.stringify(argv), () => expect(colorFlagFromArgv(argv)).toBe(want));
});

test("makeChalks decides each stream on its own", () => {
  const c = makeChalks({ env: {}, stdoutIsTTY: true, stderrIsTTY: false });
  expect(c.stdout.level).toBe(1);
  expect(c.stderr.level).toBe(0);
  expect(c.stdout.red("x")).not.toBe("x");
  expect(c.stderr.red("x")).toBe("x");
  const j = makeChalks({ env: { FORCE_COLOR: "3" }, json: true, stdoutIsTTY: true, stderrIsTTY: true });
  expect([j.stdout.level, j.stderr.level]).toEqual([0, 0]);
});
