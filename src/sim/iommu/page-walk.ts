// Where a page-table walk of a VFIO domain stops, for the fault level SMMUv2 reports in FSYNR0.PLVL. The domain's
// tables are those Linux's io-pgtable-arm builds for a 4 KiB granule (9 bits per level, leaves at level 3 because
// type1 pins and maps 4 KiB pages of anonymous memory); they are never walked in memory, only their shape is derived
// from which IOVA spans were ever mapped.

/** 4 KiB granule: 12 offset bits, 9 index bits per level, levels 0..3. */
const PAGE_SHIFT = 12n;
const BITS_PER_LEVEL = 9;
/** io-pgtable-arm concatenates up to 16 stage-2 start-level tables instead of adding a level. */
const S2_MAX_CONCAT_TABLES = 16;

/** Bytes one descriptor at `level` covers (level 3: one page). */
function entrySpan(level: number): bigint {
  return 1n << (PAGE_SHIFT + BigInt(BITS_PER_LEVEL * (3 - level)));
}

/** The level the walk starts at for an input size of `ias` bits (stage 2 may start one lower by concatenation). */
function startLevel(ias: number, stage: 1 | 2): number {
  const levels = Math.ceil((ias - Number(PAGE_SHIFT)) / BITS_PER_LEVEL);
  let start = 4 - levels;
  if (stage === 2 && start === 0 && 2 ** (ias - 39) <= S2_MAX_CONCAT_TABLES) start = 1;
  return Math.max(0, start);
}

/**
 * The level at which the walk for `iova` finds no valid descriptor: the first level whose entry covers no IOVA that
 * was ever mapped (no table was built below it), or 3 when only the last-level page entry is missing.
 * `everMapped(start, end)` answers whether any IOVA in [start, end) was ever mapped.
 */
export function translationFaultLevel(iova: bigint, ias: number, stage: 1 | 2, everMapped: (start: bigint, end: bigint) => boolean): number {
  for (let level = startLevel(ias, stage); level < 3; level++) {
    const span = entrySpan(level);
    const base = iova - (iova % span);
    if (!everMapped(base, base + span)) return level;
  }
  return 3;
}
