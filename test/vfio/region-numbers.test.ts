// The library's numeric rule on a Region, checked at run time and by the type checker (tsc checks this file): widths
// are in bits; 8/16/32-bit values are numbers and 64-bit values bigints; offsets and sizes inside a region are numbers;
// the region's file offset is a bigint; a value that does not fit its width, or a width in bytes, is refused.
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { bindDevice, listDevices, openDevice, resolveDevice, InvalidArgumentError, type Region, type Width } from "../../src/index.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const RTC = "9010000.pl031";
const PERIPH_ID0 = 0xfe0;
const RTCMR = 0x04; // match register: read/write, no side effect

let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

function rtcRegion(): { region: Region; close(): void } {
  board = makeSimBoard();
  bindDevice(board.b, resolveDevice(RTC, listDevices(board.b)), { stateDir: join(board.stateDir, "host") });
  const s = openDevice(board.b, RTC);
  return { region: s.device.region(0), close: () => s.close() };
}

test("8/16/32-bit reads are numbers and agree with each other; 64-bit reads are bigints over two words", () => {
  const { region, close } = rtcRegion();
  try {
    const word: number = region.read(PERIPH_ID0, 32);
    expect(typeof word).toBe("number");
    expect(region.read32(PERIPH_ID0)).toBe(word);
    const half: number = region.read(PERIPH_ID0, 16);
    expect(half).toBe(word & 0xffff);
    expect(region.read8(PERIPH_ID0)).toBe(word & 0xff);
    expect(region.read16(PERIPH_ID0)).toBe(half);
    const wide: bigint = region.read(PERIPH_ID0, 64);
    expect(typeof wide).toBe("bigint");
    expect(wide).toBe((BigInt(region.read32(PERIPH_ID0 + 4)) << 32n) | BigInt(word));
    expect(region.read64(PERIPH_ID0)).toBe(wide);
  } finally {
    close();
  }
});

test("readMany follows the width: numbers up to 32 bits, bigints at 64", () => {
  const { region, close } = rtcRegion();
  try {
    const words: number[] = region.readMany(PERIPH_ID0, 32, 4);
    expect(words).toEqual([0, 1, 2, 3].map((i) => region.read32(PERIPH_ID0 + 4 * i)));
    const quads: bigint[] = region.readMany(PERIPH_ID0, 64, 2);
    expect(quads).toEqual([region.read64(PERIPH_ID0), region.read64(PERIPH_ID0 + 8)]);
    // A width known only at run time gives number | bigint; BigInt() takes either.
    const w = 32 as Width;
    expect(region.readMany(PERIPH_ID0, w, 2).map((v) => BigInt(v))).toEqual(words.slice(0, 2).map((v) => BigInt(v)));
  } finally {
    close();
  }
});

test("writes take a number up to 32 bits and a bigint at 64; the value must fit", () => {
  const { region, close } = rtcRegion();
  try {
    region.write(RTCMR, 32, 0x1234_5678);
    expect(region.read32(RTCMR)).toBe(0x1234_5678);
    region.write32(RTCMR, 0xffff_ffff);
    expect(region.read(RTCMR, 32)).toBe(0xffff_ffff);
    expect(() => region.write32(RTCMR, 0x1_0000_0000)).toThrow("value 0x100000000 does not fit in 32 bits");
    expect(() => region.write32(RTCMR, -1)).toThrow("does not fit in 32 bits");
    expect(() => region.write8(RTCMR, 0x100)).toThrow("value 0x100 does not fit in 8 bits");
    expect(() => region.write32(RTCMR, 1.5)).toThrow("value 1.5 does not fit in 32 bits");
    expect(region.read32(RTCMR)).toBe(0xffff_ffff); // nothing was written by the refused ones
    expect(() => region.write(RTCMR, 64, 1n << 64n)).toThrow(InvalidArgumentError);
  } finally {
    close();
  }
});

test("a width in bytes is refused by the type checker and at run time", () => {
  const { region, close } = rtcRegion();
  try {
    // @ts-expect-error: widths are bits (8, 16, 32, 64); 4 is the old byte count
    expect(() => region.read(PERIPH_ID0, 4)).toThrow("width 4 is not an access width (8, 16, 32 or 64 bits)");
    // @ts-expect-error: as above
    expect(() => region.checkAccess(0, 2)).toThrow(InvalidArgumentError);
  } finally {
    close();
  }
});

test("alignment and bounds are counted in the width's bytes; the refusal's width is in bits", () => {
  const { region, close } = rtcRegion();
  try {
    expect(() => region.read(2, 32)).toThrow("offset 0x2 is not aligned to the 32-bit access width");
    region.read(2, 16); // 2-byte aligned: fine
    let refusal: unknown;
    try {
      region.read(region.size, 64);
    } catch (e) {
      refusal = (e as { refusal?: unknown }).refusal;
    }
    expect(refusal).toEqual({ reason: "outside", device: RTC, index: 0, offset: region.size, width: 64, size: region.size });
  } finally {
    close();
  }
});

test("a region's size is a number and its file offset on the device fd a bigint", () => {
  const { region, close } = rtcRegion();
  try {
    expect(typeof region.info.size).toBe("number");
    expect(region.size).toBe(region.info.size);
    expect(region.size).toBeGreaterThan(0);
    expect(typeof region.info.offset).toBe("bigint");
  } finally {
    close();
  }
});
