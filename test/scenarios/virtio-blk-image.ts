// The host's half of the virtio-blk scenario: after the run, the disk image (the lab's raw file, or the simulated
// board's disk file) must hold blk-test's pattern in every range the scenario wrote, and zeros in the sector right
// after each (a request that overran its range would show there). Shared by test/lab/lab.test.ts and sim.test.ts.
import { sectorPattern } from "../../src/cli/blk-test/pattern.ts";
import { SECTOR_SIZE } from "../../src/spec/virtio-blk.ts";
import { BLK_TEST_WRITES } from "./virtio-blk-noiommu.scenario.ts";

/** What is wrong with `image` after the scenario ran: one line per problem, [] when the data is really on the disk. */
export function blkImageProblems(image: Uint8Array): string[] {
  const problems: string[] = [];
  for (const w of BLK_TEST_WRITES) {
    const want = sectorPattern(w.seed, w.sector, w.count);
    const got = image.subarray(w.sector * SECTOR_SIZE, (w.sector + w.count) * SECTOR_SIZE);
    if (got.length !== want.length) {
      problems.push(`sectors ${w.sector}..${w.sector + w.count - 1}: the image has only ${image.length} bytes`);
      continue;
    }
    const at = got.findIndex((b, i) => b !== want[i]);
    if (at >= 0) problems.push(`sectors ${w.sector}..${w.sector + w.count - 1} (seed ${w.seed}): byte ${at} is 0x${got[at]!.toString(16)}, the pattern has 0x${want[at]!.toString(16)}`);
    const after = image.subarray((w.sector + w.count) * SECTOR_SIZE, (w.sector + w.count + 1) * SECTOR_SIZE);
    if (after.some((b) => b !== 0)) problems.push(`sector ${w.sector + w.count}, after the range, is not zero`);
  }
  return problems;
}
