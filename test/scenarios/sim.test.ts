// The scenario suite on the simulated board that mirrors the lab's boot (virt-noiommu). The same scenarios run on a
// real kernel in test/lab; both must meet every expectation.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { MAIN, REPO, simEnv, tempSimState } from "../helpers/cli.ts";
import { cliExecutor } from "./cli-executor.ts";
import { SCENARIOS } from "./index.ts";
import { runScenario } from "./runner.ts";
import { stateDiskPath } from "../../src/sim/devices/virtio/blk-disk.ts";
import { blkImageProblems } from "./virtio-blk-image.ts";
import { BLK_DEV, virtioBlkNoiommu } from "./virtio-blk-noiommu.scenario.ts";

const states: { dispose(): void }[] = [];
afterAll(() => states.forEach((s) => s.dispose()));

describe("scenarios on the simulated board", () => {
  for (const s of SCENARIOS) {
    test(s.name, async () => {
      const state = tempSimState();
      states.push(state);
      const board = s.profile === "noiommu" ? "virt-noiommu" : "virt";
      const ex = cliExecutor({ command: [process.execPath, MAIN], cwd: REPO, env: simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: board, VFIO_PLAT_IOMMU_MODE: "" }) });
      const outcomes = await runScenario(s, ex);
      const failed = outcomes.filter((o) => !o.ok).map((o) => `${o.step}: ${o.problem}`);
      expect(failed).toEqual([]);
      expect(outcomes.length).toBe(s.steps.length);
      // As the lab's host reads its disk image after the boot: the pattern blk-test wrote is in the simulated disk file.
      if (s === virtioBlkNoiommu) expect(blkImageProblems(new Uint8Array(readFileSync(stateDiskPath(state.dir, BLK_DEV))))).toEqual([]);
    });
  }
});
