// The scenario executor's own guarantees: a hung step is killed and reported instead of stalling the run.
import { expect, test } from "bun:test";
import { cliExecutor } from "./cli-executor.ts";

test("a step that outlives its timeout is killed and says so on stderr", () => {
  // `sleep 30` stands in for a hung vfio-plat command; the executor must not wait for it.
  const ex = cliExecutor({ command: ["sleep"], cwd: "/", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, stepTimeoutMs: 300 });
  const r = ex.run(["30"]);
  expect(r.exit).toBe(-1);
  expect(r.stderr).toContain("killed after 300 ms");
});

test("a step that finishes in time keeps its exit code and output", () => {
  const ex = cliExecutor({ command: ["sh", "-c"], cwd: "/", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, stepTimeoutMs: 10_000 });
  const r = ex.run(["echo out; echo err >&2; exit 3"]);
  expect(r).toEqual({ exit: 3, stdout: "out\n", stderr: "err\n" });
});
