// The one exit-code table and the one signal table: a stop signal's exit status is 128 + its Linux number (the shell's
// convention), each signal has its row in the exit-code table, and the named statuses are the table's rows.
import { describe, expect, test } from "bun:test";
import { constants } from "node:os";
import { EXIT, EXIT_CODES, SIGNALS, STOP_SIGNALS, signalExit } from "../../src/cli/output/exit-codes.ts";

describe("signal table", () => {
  for (const s of SIGNALS) {
    test(`${s.name} is signal ${s.number} on Linux and exits ${128 + s.number}`, () => {
      expect(constants.signals[s.name]).toBe(s.number);
      expect(signalExit(s.name)).toBe(128 + (constants.signals[s.name] as number));
      const row = EXIT_CODES.find((e) => e.code === signalExit(s.name));
      expect(row?.name).toBe("INTERRUPTED");
      expect(row?.meaning).toContain(s.name);
    });
  }
  test("STOP_SIGNALS lists the table's signals once each", () => {
    expect([...STOP_SIGNALS].sort()).toEqual(SIGNALS.map((s) => s.name).sort());
  });
});

describe("exit-code table", () => {
  test("every named status is a row, and codes are unique", () => {
    const codes = EXIT_CODES.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, code] of Object.entries(EXIT)) {
      const row = EXIT_CODES.find((e) => e.code === code);
      expect(row).toBeDefined();
      if (!name.startsWith("SIG")) expect(row!.name).toBe(name);
    }
  });
});
