// Policy: board.json's tagged bigints ({"$bigint": "0x..."}) are revived exactly as a JSON.parse reviver does it (the
// reference below, what the store used before): every well-formed tag anywhere becomes its bigint, a bad tag stays an
// object (and the shape check then names it), a "__proto__" key stays an own property, and nesting too deep to walk is
// "not valid JSON". The checks run on a real board state with the odd values put where the shape check allows them
// (models, whose content each device model checks itself).
import { describe, expect, test } from "bun:test";
import { VIRT } from "../../src/sim/boards/virt.ts";
import { bootState } from "../../src/sim/state/board-state.ts";
import { StateDamagedError } from "../../src/sim/state/state-errors.ts";
import { parseState, stateJson } from "../../src/sim/state/state-store.ts";

/** The reference: a reviver turning well-formed tags into bigints. */
function reference(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v === null || typeof v !== "object" || !("$bigint" in v)) return v;
    const tag = (v as { $bigint: unknown }).$bigint;
    return typeof tag === "string" && /^0x[0-9a-f]{1,16}$/i.test(tag) ? BigInt(tag) : v;
  });
}

/** A booted virt board's state with `models` as given, as board.json text. */
function stateText(models: string): string {
  const text = stateJson(bootState(VIRT));
  return text.replace(/"models":\{\}/, `"models":${models}`);
}

describe("tagged bigints in board.json", () => {
  const odd = [
    `{"9010000.pl031":{"a":{"$bigint":"0xFFFFffffFFFFffff"},"list":[{"$bigint":"0x0"},[{"$bigint":"0x12"}],3,null]}}`,
    `{"9010000.pl031":{"bad":{"$bigint":"0x"},"long":{"$bigint":"0x11112222333344445"},"num":{"$bigint":17},"nested":{"$bigint":{"$bigint":"0x5"}}}}`,
    `{"9010000.pl031":{"extra":{"$bigint":"0x7","other":{"$bigint":"0x8"}},"__proto__":{"$bigint":"0x9"},"p":{"__proto__":{"x":1}}}}`,
  ];
  for (const models of odd) {
    test(`revived as a reviver would: ${models.slice(20, 80)}...`, () => {
      const text = stateText(models);
      expect(text).toContain(models); // the odd values are really in the file
      const got = parseState(text, "board.json", "dir");
      const want = reference(text) as typeof got;
      expect(got).toEqual(want);
      expect(Object.getPrototypeOf(got.models["9010000.pl031"])).toBe(Object.prototype);
      expect(Object.keys(got.models["9010000.pl031"] as object)).toEqual(Object.keys(want.models["9010000.pl031"] as object));
    });
  }

  test("the board's own addresses come back as bigints", () => {
    const s = parseState(stateJson(bootState(VIRT)), "board.json", "dir");
    expect(s.board.devices.find((d) => d.name === "9010000.pl031")!.regions[0]!.base).toBe(0x0901_0000n);
  });

  test("a bad tag where the board needs an address is damage naming the field", () => {
    const text = stateJson(bootState(VIRT)).replace(`{"$bigint":"0x9010000"}`, `{"$bigint":"9010000"}`);
    expect(() => parseState(text, "board.json", "dir")).toThrow(/regions\[0\]\.base is an object, expected a 64-bit address/);
  });

  test("nesting too deep to walk is damage (not valid JSON), not a JavaScript error", () => {
    const deep = stateText(`{"9010000.pl031":{"x":${"[".repeat(200_000)}${"]".repeat(200_000)}}}`);
    let err: unknown;
    try {
      parseState(deep, "board.json", "dir");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDamagedError);
    expect((err as StateDamagedError).problem).toBe("not-json");
  });
});
