// The plan lifeline's guard: only a pipe or socket on the named fd is a lifeline. A stray VFIO_PLAT_PLAN_FD naming a
// regular file (which reads to its end at once) or no fd at all must never stop a command as if its plan were gone.
// The lifeline itself (a SIGKILLed plan's step stops) is tested end to end in test/cli/test-plan-sigkill.test.ts.
import { afterAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watchPlanLifeline } from "../../src/cli/plan-lifeline.ts";

const dir = mkdtempSync(join(tmpdir(), "vfio-plat-lifeline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a regular file, an fd not open, or no variable: never 'gone'", async () => {
  const file = join(dir, "f");
  writeFileSync(file, "x");
  const fd = openSync(file, "r");
  let gone = 0;
  try {
    watchPlanLifeline({ VFIO_PLAT_PLAN_FD: String(fd) }, () => gone++);
    watchPlanLifeline({ VFIO_PLAT_PLAN_FD: "987" }, () => gone++);
    watchPlanLifeline({ VFIO_PLAT_PLAN_FD: "3x" }, () => gone++);
    watchPlanLifeline({}, () => gone++);
    // A watched regular file would have reached its end within these turns.
    for (let i = 0; i < 20; i++) await Bun.sleep(5);
    expect(gone).toBe(0);
  } finally {
    closeSync(fd);
  }
});
