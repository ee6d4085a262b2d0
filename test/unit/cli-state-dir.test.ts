// The CLI's bind state directory is the library's defaultStateDir for the boundary the run opened: beside the
// simulated board's state (also when --trace wraps that boundary), or $VFIO_PLAT_STATE_DIR when it is set.
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliContext } from "../../src/cli/context.ts";

const made: string[] = [];
const contexts: CliContext[] = [];
const saved = process.env.VFIO_PLAT_STATE_DIR;
afterEach(() => {
  for (const c of contexts.splice(0)) c.runCleanups();
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  if (saved === undefined) delete process.env.VFIO_PLAT_STATE_DIR;
  else process.env.VFIO_PLAT_STATE_DIR = saved;
});

function simContext(trace: boolean): { ctx: CliContext; simState: string } {
  const simState = mkdtempSync(join(tmpdir(), "vfio-plat-ctx-"));
  made.push(simState);
  const ctx = new CliContext({ sim: true, simState, trace });
  contexts.push(ctx);
  return { ctx, simState };
}

for (const trace of [false, true]) {
  test(`a simulated board keeps its bind state beside its own state${trace ? " (--trace wraps the boundary)" : ""}`, async () => {
    delete process.env.VFIO_PLAT_STATE_DIR;
    const { ctx, simState } = simContext(trace);
    await ctx.boundary();
    const dir = ctx.stateDir();
    expect(dir).toBe(join(simState, "host"));
    expect(existsSync(dir)).toBe(true); // the CLI creates it
  });
}

test("$VFIO_PLAT_STATE_DIR wins over the board's default", async () => {
  const env = mkdtempSync(join(tmpdir(), "vfio-plat-ctx-env-"));
  made.push(env);
  process.env.VFIO_PLAT_STATE_DIR = join(env, "bind");
  const { ctx } = simContext(false);
  await ctx.boundary();
  expect(ctx.stateDir()).toBe(join(env, "bind"));
});

test("asking before the boundary is opened is a programming error, not a guess", () => {
  const { ctx } = simContext(false);
  expect(() => ctx.stateDir()).toThrow("before boundary()");
});

test("tempDir is node:os tmpdir() for every TMPDIR/TMP/TEMP shape", async () => {
  const { tempDir } = await import("../../src/host/state-dir.ts");
  const shapes: NodeJS.ProcessEnv[] = [{}, { TMPDIR: "/var/tmp/" }, { TMPDIR: "/" }, { TMP: "/x/y" }, { TEMP: "/t/" }, { TMPDIR: "", TMP: "/a" }, { TMPDIR: "/b", TMP: "/c" }];
  const keys = ["TMPDIR", "TMP", "TEMP"] as const;
  const before = keys.map((k) => process.env[k]);
  try {
    for (const env of shapes) {
      for (const k of keys) {
        if (env[k] === undefined) delete process.env[k];
        else process.env[k] = env[k];
      }
      expect([env, tempDir(env)]).toEqual([env, tmpdir()]);
    }
  } finally {
    keys.forEach((k, i) => (before[i] === undefined ? delete process.env[k] : (process.env[k] = before[i])));
  }
});
