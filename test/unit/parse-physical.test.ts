// Physical addresses as typed (src/cli/parse/physical.ts): `@` or --phys, widths as for offsets, no REGION: part,
// never a register name; which first word stands in for DEVICE (an '@' address, or with --phys a 0x number), and
// the command-line check counting it as DEVICE for the commands whose usage starts `<device> <address>`.
import { describe, expect, test } from "bun:test";
import { omitsDevice, parsePhysical, splitDevice } from "../../src/cli/parse/physical.ts";
import { parseAddress } from "../../src/cli/named-address.ts";
import { checkScanned, scanArgv } from "../../src/cli/parse/argv.ts";
import { COMMANDS, GLOBAL_OPTIONS } from "../../src/cli/command-table.ts";
import { UsageError } from "../../src/cli/usage-error.ts";

describe("parsePhysical", () => {
  test.each([
    ["@0x09010ff0", 0x0901_0ff0n, 4, "default"],
    ["@0x09010ff0.b", 0x0901_0ff0n, 1, "suffix"],
    ["@0x8_7ff0_0000.q", 0x8_7ff0_0000n, 8, "suffix"],
    ["0x1000.w", 0x1000n, 2, "suffix"],
    ["@4096", 4096n, 4, "default"],
  ] as const)("%p is %p, %p bytes (%p)", (text, address, width, widthFrom) => {
    expect(parsePhysical(text)).toEqual({ address, width, widthFrom });
  });

  test("--width applies as to an offset, and must agree with a suffix", () => {
    expect(parsePhysical("@0x1000", "16")).toEqual({ address: 0x1000n, width: 2, widthFrom: "option" });
    expect(() => parsePhysical("@0x1000.b", "16")).toThrow(/conflicting widths/);
  });

  test.each(["@0:0x10", "@RTCDR", "@", "@0x1002", "@0x1001.w", "@0x20h"])("%p is refused", (text) => {
    expect(() => parsePhysical(text)).toThrow(UsageError);
  });
});

describe("parseAddress", () => {
  test("'@' marks a physical address; --phys makes a bare number one; without either it is an offset", () => {
    expect(parseAddress("@0x10")).toEqual({ phys: { address: 0x10n, width: 4, widthFrom: "default" } });
    expect(parseAddress("0x10", undefined, true)).toEqual({ phys: { address: 0x10n, width: 4, widthFrom: "default" } });
    expect(parseAddress("0x10")).toEqual({ access: { offset: 0x10n, width: 4, widthFrom: "default" } });
  });
});

describe("DEVICE left out", () => {
  test("an '@' address, or with --phys a 0x number, stands in for DEVICE; device names never do", () => {
    expect(omitsDevice(["@0x10"], false)).toBe(true);
    expect(omitsDevice(["0x10"], true)).toBe(true);
    expect(omitsDevice(["0x10"], false)).toBe(false);
    for (const name of ["9010000.pl031", "0000:00:02.0", "arm,pl031", "*.pl031"]) expect(omitsDevice([name, "0x10"], true)).toBe(false);
    expect(splitDevice(["@0x10", "4"], false)).toEqual({ rest: ["@0x10", "4"] });
    expect(splitDevice(["9010000.pl031", "@0x10"], false)).toEqual({ device: "9010000.pl031", rest: ["@0x10"] });
  });

  const check = (argv: string[]) => () => checkScanned(scanArgv(argv, COMMANDS, GLOBAL_OPTIONS));
  test("the command-line check counts a physical address as DEVICE for read, write, poll and expect only", () => {
    expect(check(["read", "@0x09010ff0", "4"])).not.toThrow();
    expect(check(["write", "--phys", "0x09010010", "1"])).not.toThrow();
    expect(check(["expect", "@0x09010ff0", "0xd"])).not.toThrow();
    expect(check(["read", "@0x09010ff0", "4", "5"])).toThrow(/too many arguments/);
    expect(check(["read", "0x09010ff0"])).toThrow(/missing required args for read: <address>/);
    expect(check(["run", "@0x09010ff0"])).not.toThrow(); // run's first word is its DEVICE, refused later by name
  });
});
