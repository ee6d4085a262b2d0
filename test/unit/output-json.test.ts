// Policy: JSON never carries a 64-bit value as a JSON number. Register values are hex padded to their width,
// addresses/flags minimal hex, counts plain numbers (refused if inexact), ns timestamps decimal strings; documents
// carry "schema": 1; JSON Lines are one write per record, the first record carrying the schema.
import { describe, expect, test } from "bun:test";
import {
  JsonLinesWriter,
  jsonCount,
  jsonDocument,
  jsonHex,
  jsonNanoseconds,
  jsonRegister,
  toJson,
} from "../../src/cli/output/json.ts";

describe("field helpers", () => {
  test("register values are padded to the access width", () => {
    expect(jsonRegister(0xdeadbeefn, 8)).toBe("0x00000000deadbeef");
    expect(jsonRegister(0xdn, 4)).toBe("0x0000000d");
    expect(jsonRegister(0xffffffffffffffffn, 8)).toBe("0xffffffffffffffff");
  });
  test("addresses and flags are minimal hex", () => {
    expect(jsonHex(0x20n)).toBe("0x20");
    expect(jsonHex(0)).toBe("0x0");
    expect(jsonHex(0x1_0000_0000_0000n)).toBe("0x1000000000000");
    expect(() => jsonHex(-1n)).toThrow(RangeError);
  });
  test("counts are numbers, refused when inexact", () => {
    expect(jsonCount(5n)).toBe(5);
    expect(jsonCount(4096)).toBe(4096);
    expect(jsonCount(2n ** 53n - 1n)).toBe(9007199254740991);
    expect(() => jsonCount(2n ** 53n + 1n)).toThrow(RangeError);
    expect(() => jsonCount(1.5)).toThrow(RangeError);
  });
  test("nanosecond timestamps are decimal strings", () => {
    expect(jsonNanoseconds(9007199254740993n)).toBe("9007199254740993");
  });
});

describe("toJson", () => {
  test("leftover bigints become minimal hex strings, nested too", () => {
    expect(toJson({ v: 0xdeadbeefn, list: [1n, { x: 255n }], n: 3 })).toBe('{"v":"0xdeadbeef","list":["0x1",{"x":"0xff"}],"n":3}');
  });
  test("a caller-chosen rule", () => {
    expect(toJson({ t: 12n, size: 4096n }, (v, key) => (key === "size" ? Number(v) : v.toString(10)))).toBe(
      '{"t":"12","size":4096}',
    );
  });
  test("u64 max survives a round trip exactly", () => {
    const text = toJson({ value: jsonRegister(0xffffffffffffffffn, 8) });
    expect(BigInt(JSON.parse(text).value)).toBe(0xffffffffffffffffn);
  });
});

test("jsonDocument puts schema first and ends with a newline", () => {
  expect(jsonDocument({ devices: [] })).toBe('{"schema":1,"devices":[]}\n');
});

describe("JsonLinesWriter", () => {
  test("one write per record, schema on the first only", () => {
    const writes: string[] = [];
    const w = new JsonLinesWriter((s) => writes.push(s));
    w.line({ type: "armed", device: "fff00000.dma", index: 0 });
    w.line({ type: "irq", index: 0, count: 1, t_ns: jsonNanoseconds(123n) });
    w.line({ type: "end", reason: "count", events: 1 });
    expect(writes).toEqual([
      '{"type":"armed","schema":1,"device":"fff00000.dma","index":0}\n',
      '{"type":"irq","index":0,"count":1,"t_ns":"123"}\n',
      '{"type":"end","reason":"count","events":1}\n',
    ]);
  });
  test("bigints in records follow the rule", () => {
    const writes: string[] = [];
    new JsonLinesWriter((s) => writes.push(s)).line({ type: "x", addr: 0x1000n });
    expect(writes[0]).toBe('{"type":"x","schema":1,"addr":"0x1000"}\n');
  });
});
