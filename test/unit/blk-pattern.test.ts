// blk-test's pattern depends on the seed and the absolute sector only (so the lab host, reading the image, recomputes
// exactly what the guest wrote in whatever request sizes), differs between neighbouring sectors and seeds, and the
// host's image check finds a wrong byte and a write past a range.
import { describe, expect, test } from "bun:test";
import { fillSectors, sectorPattern } from "../../src/cli/blk-test/pattern.ts";
import { SECTOR_SIZE } from "../../src/spec/virtio-blk.ts";
import { blkImageProblems } from "../scenarios/virtio-blk-image.ts";
import { BLK_SECTORS, BLK_TEST_WRITES } from "../scenarios/virtio-blk-noiommu.scenario.ts";

describe("blk-test pattern", () => {
  test("a sector's bytes do not depend on the request it was written in", () => {
    const whole = sectorPattern(7, 100, 16);
    const one = sectorPattern(7, 109, 1);
    expect(Array.from(whole.subarray(9 * SECTOR_SIZE, 10 * SECTOR_SIZE))).toEqual(Array.from(one));
    const buf = new Uint8Array(4 * SECTOR_SIZE + 3).fill(0xee);
    fillSectors(buf, 7, 104, 4);
    expect(Array.from(buf.subarray(0, 4 * SECTOR_SIZE))).toEqual(Array.from(whole.subarray(4 * SECTOR_SIZE, 8 * SECTOR_SIZE)));
    expect(Array.from(buf.subarray(4 * SECTOR_SIZE))).toEqual([0xee, 0xee, 0xee]); // nothing past the sectors asked
  });
  test("neighbouring sectors, other seeds and sectors 2^32 apart all differ", () => {
    const a = sectorPattern(1, 0, 2);
    expect(Array.from(a.subarray(0, SECTOR_SIZE))).not.toEqual(Array.from(a.subarray(SECTOR_SIZE)));
    expect(Array.from(sectorPattern(2, 0, 1))).not.toEqual(Array.from(a.subarray(0, SECTOR_SIZE)));
    expect(Array.from(sectorPattern(1, 2 ** 32, 1))).not.toEqual(Array.from(a.subarray(0, SECTOR_SIZE)));
    // Not a constant fill: a sector holds many distinct bytes.
    expect(new Set(a.subarray(0, SECTOR_SIZE)).size).toBeGreaterThan(200);
  });
});

describe("the host's disk image check", () => {
  const written = () => {
    const img = new Uint8Array(BLK_SECTORS * SECTOR_SIZE);
    for (const w of BLK_TEST_WRITES) img.set(sectorPattern(w.seed, w.sector, w.count), w.sector * SECTOR_SIZE);
    return img;
  };
  test("an image holding every range passes", () => {
    expect(blkImageProblems(written())).toEqual([]);
  });
  test("a wrong byte, a range never written, and a write past a range are found", () => {
    const w = BLK_TEST_WRITES[0];
    const img = written();
    img[w.sector * SECTOR_SIZE + 1000]! ^= 1;
    expect(blkImageProblems(img)).toEqual([expect.stringContaining("byte 1000")]);
    expect(blkImageProblems(new Uint8Array(BLK_SECTORS * SECTOR_SIZE)).length).toBe(BLK_TEST_WRITES.length);
    const over = written();
    over[(w.sector + w.count) * SECTOR_SIZE + 5] = 1;
    expect(blkImageProblems(over)).toEqual([expect.stringContaining("after the range")]);
  });
});
