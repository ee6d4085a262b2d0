// Every plan in examples/plans/ runs on its simulated twin and passes, and gives every device back to the driver it
// had: virt-noiommu.yaml on virt-noiommu (the lab's guest; noiommu needs root), juno-r2.yaml on the real juno-r2.dtb
// and rk3399.yaml on rk3399-rockpro64.dtb (the kernel's device trees, built by scripts/boards/dtbs.ts; skipped when
// missing, as juno-real.test.ts is). examples/plans/virt.yaml is run by test-plan.test.ts.
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { builtDtbDir } from "../../scripts/boards/dtbs.ts";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";
import { drivers } from "../helpers/plans.ts";

const dtbs = builtDtbDir();
const root = process.getuid?.() === 0;
const states: { dispose(): void }[] = [];
afterAll(() => states.forEach((s) => s.dispose()));

/** Run examples/plans/`plan` on a fresh simulated `board` (a built-in name or a DTB path); checks it all passed. */
function runsClean(plan: string, board?: string): void {
  const state = tempSimState("vfio-plat-example-plan-");
  states.push(state);
  const env = simEnv(state.dir, board ? { VFIO_PLAT_SIM_BOARD: board } : {});
  const file = join(REPO, "examples/plans", plan);
  const before = drivers(env);
  const r = runCli(["test", file, "--json"], { env });
  expect(r.stderr).toBe("");
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const cases = lines.filter((l) => l.type === "case");
  expect(cases.filter((c) => c.status !== "pass")).toEqual([]);
  expect(cases.map((c) => c.id)).toEqual(runCli(["test", file, "--list"], { env }).stdout.trim().split("\n"));
  expect(r.code).toBe(0);
  expect(drivers(env)).toEqual(before);
}

describe("example plans on their simulated boards", () => {
  test("every plan in examples/plans/ is run by a test", () => {
    expect(readdirSync(join(REPO, "examples/plans")).sort()).toEqual(["juno-r2.yaml", "rk3399.yaml", "virt-noiommu.yaml", "virt.yaml"]);
  });

  test.skipIf(!root)(`virt-noiommu.yaml on virt-noiommu${root ? "" : " (skipped: noiommu needs root)"}`, () => {
    runsClean("virt-noiommu.yaml", "virt-noiommu");
  }, 60_000);

  test.skipIf(!dtbs)(`juno-r2.yaml on arm/juno-r2.dtb${dtbs ? "" : " (skipped: DTBs not built; bun scripts/boards/dtbs.ts)"}`, () => {
    runsClean("juno-r2.yaml", join(dtbs!, "arm/juno-r2.dtb"));
  }, 60_000);

  test.skipIf(!dtbs || !root)(`rk3399.yaml on rockchip/rk3399-rockpro64.dtb${dtbs && root ? "" : " (skipped: needs the built DTBs and root for noiommu)"}`, () => {
    runsClean("rk3399.yaml", join(dtbs!, "rockchip/rk3399-rockpro64.dtb"));
  }, 60_000);
});
