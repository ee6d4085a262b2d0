// Policy: a dump file holds each register little-endian in exactly the access width, in order, and a file loads back
// into the same values (golden bytes written from the rule, not from the encoder).
import { expect, test } from "bun:test";
import { bytesToValues, valuesToBytes } from "../../src/cli/memory-range/range-file.ts";

test("little-endian at each width", () => {
  expect([...valuesToBytes([0x11n, 0xffn], 1)]).toEqual([0x11, 0xff]);
  expect([...valuesToBytes([0x1122n, 0xabcdn], 2)]).toEqual([0x22, 0x11, 0xcd, 0xab]);
  expect([...valuesToBytes([0x11223344n], 4)]).toEqual([0x44, 0x33, 0x22, 0x11]);
  expect([...valuesToBytes([0x0102030405060708n, 0xffff_ffff_ffff_ffffn], 8)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 255, 255, 255, 255, 255, 255, 255, 255]);
});

test("bytes back to values, also from a view that does not start at its buffer's start", () => {
  const buf = Uint8Array.from([0xee, 0x44, 0x33, 0x22, 0x11, 0x08, 0x07, 0x06, 0x05]);
  expect(bytesToValues(buf.subarray(1), 4)).toEqual([0x11223344n, 0x05060708n]);
  expect(bytesToValues(buf.subarray(1, 5), 2)).toEqual([0x3344n, 0x1122n]);
  expect(bytesToValues(buf.subarray(1), 8)).toEqual([0x0506070811223344n]);
  for (const w of [1, 2, 4, 8] as const) {
    const values = [0n, 1n, (1n << BigInt(w * 8)) - 1n];
    expect(bytesToValues(valuesToBytes(values, w), w)).toEqual(values);
  }
});
