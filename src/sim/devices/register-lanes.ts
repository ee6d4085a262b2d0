// Width-exact accesses to a device whose registers are 32-bit words on an APB bus (PrimeCell peripherals): the bus
// decodes only the word address, so a narrow access sees the addressed byte lanes of one register and a 64-bit access
// is two word accesses, low address first (what an AXI-to-APB bridge does). Shared by the PL031 and PL011 models.
import type { AccessWidth } from "./device-model.ts";

/** Reads the 32-bit register at a word-aligned offset (value as an unsigned 32-bit number). */
type WordReader = (wordOffset: number) => number;

/**
 * Writes the 32-bit register at a word-aligned offset. `lanes` has bit i set for each byte lane i (0..3) the access
 * addressed; `value` carries those bytes in their lanes and zero in the others.
 */
type WordWriter = (wordOffset: number, value: number, lanes: number) => void;

/**
 * Reads `width` bytes at `offset`, little-endian, reading each 32-bit word the access touches exactly once (a read
 * with side effects must not happen twice). Never throws.
 */
export function readLanes(offset: number, width: AccessWidth, readWord: WordReader): bigint {
  let result = 0n;
  const end = offset + width;
  let pos = offset;
  while (pos < end) {
    const wordOffset = pos - (pos % 4);
    const word = readWord(wordOffset) >>> 0;
    const stop = Math.min(end, wordOffset + 4);
    for (; pos < stop; pos++) {
      const byte = (word >>> ((pos - wordOffset) * 8)) & 0xff;
      result |= BigInt(byte) << BigInt((pos - offset) * 8);
    }
  }
  return result;
}

/**
 * Writes `width` bytes of `value` at `offset`, little-endian, as one write per 32-bit word touched, in ascending
 * address order. APB (v2/v3) has no byte strobes, so a PrimeCell register sees a full-word write: the lanes the access
 * did not address arrive as zero. Never throws.
 */
export function writeLanes(offset: number, width: AccessWidth, value: bigint, writeWord: WordWriter): void {
  const end = offset + width;
  let pos = offset;
  while (pos < end) {
    const wordOffset = pos - (pos % 4);
    const stop = Math.min(end, wordOffset + 4);
    let word = 0;
    let lanes = 0;
    for (; pos < stop; pos++) {
      const byte = Number((value >> BigInt((pos - offset) * 8)) & 0xffn);
      const lane = pos - wordOffset;
      word |= byte << (lane * 8);
      lanes |= 1 << lane;
    }
    writeWord(wordOffset, word >>> 0, lanes);
  }
}
