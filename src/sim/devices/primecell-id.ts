// The PrimeCell identification block every AMBA PrimeCell peripheral carries in the last 32 bytes of its 4 KiB
// window: PeriphID0-3 then PCellID0-3, one byte in the low bits of each word. The Linux amba bus reads it to match
// drivers (periphid), so the simulated devices must answer it exactly as the silicon/QEMU does.

/** Offset of PeriphID0 inside a 4 KiB PrimeCell window. */
const PRIMECELL_ID_BASE = 0xfe0;

/** PCellID0-3 of every PrimeCell: 0x0d 0xf0 0x05 0xb1 (0xb105f00d read as one little-endian word). */
const PRIMECELL_CELL_ID = [0x0d, 0xf0, 0x05, 0xb1] as const;

/**
 * The ID register word at a word-aligned offset, or undefined when the offset is not in 0xFE0..0xFFC. `periphId` is
 * PeriphID0..3 (low byte first).
 */
export function primeCellIdWord(wordOffset: number, periphId: readonly number[]): number | undefined {
  if (wordOffset < PRIMECELL_ID_BASE || wordOffset > 0xffc) return undefined;
  const index = (wordOffset - PRIMECELL_ID_BASE) / 4;
  const bytes = [...periphId, ...PRIMECELL_CELL_ID];
  return bytes[index] ?? 0;
}

/** The 32-bit peripheral id Linux's amba bus assembles from PeriphID0..3 (e.g. 0x00141031 for the PL031). */
export function periphIdValue(periphId: readonly number[]): number {
  return periphId.reduce((acc, byte, i) => acc | ((byte & 0xff) << (8 * i)), 0) >>> 0;
}
