// The typed command layer: each option's value kind in the table (src/cli/command-options.ts) decides how the scanner
// converts and checks it, once, with the one-line refusals docs/errors.md lists; defaults are converted the same way;
// handlers see camelCase long keys only. The type assertions below are checked by `tsc` (a key or a value the table
// does not allow is a compile error, so an unused @ts-expect-error fails the type-check).
import { describe, expect, test } from "bun:test";
import { COMMANDS, GLOBAL_OPTIONS, IMPLICIT_OPTIONS } from "../../src/cli/command-table.ts";
import { COMMAND_OPTIONS, type GlobalOptionValues, type OptionsOf } from "../../src/cli/command-options.ts";
import { checkScanned, convertOptions, scanArgv } from "../../src/cli/parse/argv.ts";
import { iommuModeOf } from "../../src/cli/parse/iommu-mode.ts";
import { UsageError } from "../../src/cli/usage-error.ts";

const GLOBALS = [...GLOBAL_OPTIONS, ...IMPLICIT_OPTIONS];

/** The options a command's handler would receive for `argv`. */
function typed(argv: string[]): Record<string, unknown> {
  const s = scanArgv(argv, COMMANDS, GLOBALS);
  checkScanned(s);
  return convertOptions(s.command!.options, s.options);
}

function refusal(argv: string[]): UsageError {
  try {
    typed(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
}

describe("values are converted once, by their kind", () => {
  test("integers, sizes and periods become numbers; words stay as typed", () => {
    const o = typed(["dma-test", "d", "--size", "4k", "--iterations", "0x10", "--channel", "7", "--timeout", "1.5s", "--inject", "short-copy"]);
    expect(o).toMatchObject({ size: 4096, iterations: 16, channel: 7, timeout: 1500, inject: "short-copy" });
    expect(typed(["irq", "d", "--timeout", "200ms", "--count", "0"])).toMatchObject({ timeout: 200, count: 0 });
    expect(typed(["pl330", "disasm", "--device", "d", "--length", "1k", "--base", "0xffff_ffff"])).toMatchObject({
      device: "d",
      length: 1024,
      base: 0xffffffff,
    });
    expect(typed(["read", "d", "0:0", "--width", "16"]).width).toBe("16");
  });

  test("defaults come from the table, converted like typed values", () => {
    expect(typed(["dma-test", "d"])).toEqual({ size: 64 * 1024 * 1024, iterations: 1, channel: 0, pattern: "incrementing", timeout: 5000 });
    expect(typed(["irq", "d"])).toEqual({ count: 1 });
    expect(typed(["pl330", "disasm", "f"])).toEqual({ region: 0, offset: 0 });
  });

  test("handlers see long keys only, booleans for flags", () => {
    expect(typed(["read", "d", "0:0", "-x"])).toEqual({ swap: true });
    expect(typed(["run", "d", "-e", "read 0:0"])).toEqual({ execute: "read 0:0" });
    expect(typed(["write", "d", "0:0", "1", "--dry-run"])).toEqual({ dryRun: true });
  });

  test("global options: --color forms, --iommu-mode as an enum", () => {
    const g = (...argv: string[]) => convertOptions(GLOBALS, scanArgv(argv, COMMANDS, GLOBALS).options);
    expect(g("--color", "list").color).toBe(true);
    expect(g("--no-color", "list").color).toBe(false);
    expect(g("--color=never", "list").color).toBe("never");
    expect(g("--iommu-mode", "iommufd", "list").iommuMode).toBe("iommufd");
    expect(() => g("--iommu-mode", "cdev", "list")).toThrow("invalid --iommu-mode 'cdev': expected auto, group, iommufd");
  });
});

describe("refusals name the option and the value, as docs/errors.md lists them", () => {
  const cases: [string[], string][] = [
    [["irq", "d", "--count", "1e3"], "invalid --count '1e3': exponent notation is not accepted"],
    [["dma-test", "d", "--channel", "8"], "invalid --channel '8': out of range"],
    [["dma-test", "d", "--size", "2G"], "invalid --size '2G': out of range"],
    [["dma-test", "d", "--timeout", "0"], "invalid --timeout '0': must be greater than zero"],
    [["bind", "d", "--wait", "5x"], "invalid --wait '5x'"],
    [["dma-test", "d", "--inject", "everything"], "invalid --inject 'everything': expected readonly-dst, unmapped-src, unmapped-program, short-copy, shifted-dst"],
    [["pl330", "asm", "f", "--base", "0x100000000"], "invalid --base '0x100000000': out of range"],
  ];
  for (const [argv, says] of cases) test(argv.join(" "), () => expect(refusal(argv).message).toContain(says));

  test("a word option's hint spells the accepted words the way the option is written", () => {
    expect(refusal(["dma-test", "d", "--inject", "x"]).hint).toBe("write --inject readonly-dst|unmapped-src|unmapped-program|short-copy|shifted-dst");
  });

  test("VFIO_PLAT_IOMMU_MODE is checked like the option; the option wins; empty means auto", () => {
    expect(iommuModeOf(undefined, { VFIO_PLAT_IOMMU_MODE: "group" })).toBe("group");
    expect(iommuModeOf("iommufd", { VFIO_PLAT_IOMMU_MODE: "cdev" })).toBe("iommufd");
    expect(iommuModeOf(undefined, { VFIO_PLAT_IOMMU_MODE: "" })).toBe("auto");
    expect(() => iommuModeOf(undefined, { VFIO_PLAT_IOMMU_MODE: "cdev" })).toThrow("invalid VFIO_PLAT_IOMMU_MODE 'cdev': expected auto, group, iommufd");
  });
});

describe("the table", () => {
  test("every command's options are its entry in COMMAND_OPTIONS, and every entry is a command", () => {
    expect(COMMANDS.map((c): string => c.name).sort()).toEqual(Object.keys(COMMAND_OPTIONS).sort());
    for (const c of COMMANDS) expect(c.options).toBe(COMMAND_OPTIONS[c.name]);
  });

  test("--help states what the table says: each option's description names its default and every word of an enum", () => {
    for (const o of [...GLOBALS, ...COMMANDS.flatMap((c) => c.options)]) {
      const v = o as { value?: { kind: string; choices?: readonly string[] }; default?: string };
      if (v.default !== undefined) expect(o.description).toMatch(new RegExp(`default ${v.default}\\b|${v.default} \\(default\\)`));
      for (const word of v.value?.kind === "enum" ? v.value.choices! : []) expect(o.description).toContain(word);
    }
  });

  test("every default is a value its own kind accepts (a bad default would fail every run)", () => {
    for (const c of COMMANDS) {
      for (const o of c.options) {
        if (o.default === undefined) continue;
        expect(o.value).toBeDefined();
        expect(() => convertOptions([o], {})).not.toThrow();
      }
    }
  });
});

// Compile-time: the table's types. `tsc --noEmit` fails if any of these stops being an error (or starts being one).
export function typeChecks(o: OptionsOf<"dma-test">, r: OptionsOf<"read">, g: GlobalOptionValues): void {
  const size: number = o.size; // a default makes the key required
  const inject: "readonly-dst" | "unmapped-src" | "unmapped-program" | "short-copy" | "shifted-dst" | undefined = o.inject;
  const swap: boolean | undefined = r.swap;
  const color: "always" | "never" | "auto" | boolean | undefined = g.color;
  // @ts-expect-error a key that is not an option of read
  void r.swpa;
  // @ts-expect-error --inject is one of its words, not any string
  const bad: OptionsOf<"dma-test">["inject"] = "everything";
  // @ts-expect-error --width is read's option, not dma-test's
  void o.width;
  // @ts-expect-error --no-color sets color, it has no key of its own
  void g.noColor;
  void size, inject, swap, color, bad;
}
