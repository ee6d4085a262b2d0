// blk-test's data: a pattern fixed by the seed and the absolute sector number alone, so any program that knows the
// seed (the lab's host reading the disk image after the guest powered off, a test reading the simulated disk file)
// can recompute what must be on the disk, and every sector differs from its neighbours (a request landing one sector
// off cannot verify). Each sector is 128 little-endian words of an xorshift32 stream seeded from (seed, sector).

import { SECTOR_SIZE } from "../../spec/virtio-blk.ts";

/** The first xorshift32 state for `sector` under `seed`: a mix of both, never 0 (xorshift stays at 0 forever). */
function sectorState(seed: number, sector: number): number {
  const lo = sector >>> 0;
  const hi = Math.floor(sector / 2 ** 32) >>> 0;
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(lo, 0xc2b2ae35) ^ Math.imul(hi ^ 0x27d4eb2f, 0x165667b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0 || 0x6b43a9b5;
}

/** Write the pattern of `count` sectors from `firstSector` into `out` (at least count * 512 bytes, from its start). */
export function fillSectors(out: Uint8Array, seed: number, firstSector: number, count: number): void {
  const view = new DataView(out.buffer, out.byteOffset, count * SECTOR_SIZE);
  for (let s = 0; s < count; s++) {
    let x = sectorState(seed, firstSector + s);
    for (let w = 0; w < SECTOR_SIZE / 4; w++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      view.setUint32(s * SECTOR_SIZE + w * 4, x >>> 0, true);
    }
  }
}

/** The pattern of `count` sectors from `firstSector`, as new bytes. */
export function sectorPattern(seed: number, firstSector: number, count: number): Uint8Array {
  const out = new Uint8Array(count * SECTOR_SIZE);
  fillSectors(out, seed, firstSector, count);
  return out;
}
