// IOVA choice from the ranges the IOMMU reports: never inside the carved-out MSI window, aligned, and clear of
// existing mappings.
import { expect, test } from "bun:test";
import { findFreeIova } from "../../src/vfio/iommu-info.ts";

const SMMU = [
  { start: 0x0n, end: 0x7ff_ffffn },
  { start: 0x810_0000n, end: 0xffff_ffff_ffffn },
];

test("lowest aligned IOVA above 0", () => expect(findFreeIova(SMMU, 0x2000n, 0x1000n)).toBe(0x1000n));
test("skips taken mappings", () =>
  expect(findFreeIova(SMMU, 0x1000n, 0x1000n, [{ iova: 0x1000n, size: 0x3000n }])).toBe(0x4000n));
test("a size that does not fit below the MSI window goes above it", () =>
  expect(findFreeIova(SMMU, 0x800_0000n, 0x1000n)).toBe(0x810_0000n));
test("fills a gap between mappings", () =>
  expect(
    findFreeIova(SMMU, 0x1000n, 0x1000n, [
      { iova: 0x1000n, size: 0x1000n },
      { iova: 0x3000n, size: 0x1000n },
    ]),
  ).toBe(0x2000n));
test("nothing fits", () => expect(findFreeIova([{ start: 0n, end: 0xfffn }], 0x2000n, 0x1000n)).toBeUndefined());
