// Every row of the bad-input table, run as a real process: the documented exit code, one line on stderr naming the
// problem (no stack trace), nothing on stdout, and the same error as one JSON line with --json.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CliResult, REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";
import { BAD_INPUT_CASES, type BadInputCase } from "./bad-input-cases.ts";
import { PL031, VIRTIO } from "./bad-input/devices.ts";

const state = tempSimState();
const env = simEnv(state.dir);

function bindBoth(boardEnv: Record<string, string>): void {
  for (const dev of [PL031, VIRTIO]) {
    const r = runCli(["bind", dev], { env: boardEnv });
    if (r.code !== 0) throw new Error(`setup bind ${dev} failed: ${r.stderr}`);
  }
}

beforeAll(() => bindBoth(env));
afterAll(() => state.dispose());

/** Run one case: on the shared board, or on a board of its own when it has a setup step that damages or prepares it. */
function runCase(c: BadInputCase, args: string[]): CliResult {
  const opts = (e: Record<string, string>) => ({ env: { ...e, ...c.env }, ...(c.stdin !== undefined ? { stdin: c.stdin } : {}) });
  if (!c.setup) return runCli(args, opts(env));
  const own = tempSimState();
  try {
    const ownEnv = simEnv(own.dir);
    bindBoth(ownEnv);
    c.setup(own.dir);
    return runCli(args, opts(ownEnv));
  } finally {
    own.dispose();
  }
}

describe("bad input", () => {
  for (const c of BAD_INPUT_CASES) {
    test(`${c.why}: vfio-plat ${c.args.join(" ")} -> exit ${c.exit}`, () => {
      const r = runCase(c, c.args);
      expect(r.stderr).toContain(c.says);
      expect(r.code).toBe(c.exit);
      if (c.args.length > 0 && !c.partialStdout) expect(r.stdout).toBe("");
      expect(r.stderr).not.toContain("    at "); // no stack trace without --debug
      expect(r.stderr.startsWith("vfio-plat: ") || r.stderr.includes("\nvfio-plat: ")).toBe(true);
      // `vfio-plat: <what>: <reason> (<CODE>) — <fix>`: the code closes the message, before the hint.
      expect(r.stderr).toMatch(/^vfio-plat: .* \((?:[A-Z][A-Z0-9_]*)\)(?: — .*)?$/m);
    });
  }
});

describe("bad input with --json gives one JSON error line", () => {
  for (const c of BAD_INPUT_CASES.filter((c) => c.args.length > 1 && c.exit !== 2)) {
    test(`vfio-plat --json ${c.args.join(" ")}`, () => {
      const r = runCase(c, ["--json", ...c.args]);
      expect(r.code).toBe(c.exit);
      const lines = r.stderr.trim().split("\n");
      expect(lines.length).toBe(1);
      const err = JSON.parse(lines[0]!).error;
      expect(err.exit).toBe(c.exit);
      expect(typeof err.message).toBe("string");
    });
  }
});

test("docs/errors.md lists every case with its exit code", () => {
  const doc = readFileSync(join(REPO, "docs/errors.md"), "utf8");
  for (const c of BAD_INPUT_CASES) {
    const row = `| \`vfio-plat ${c.args.join(" ")}\` | ${c.exit} |`;
    expect(doc).toContain(row);
  }
});
