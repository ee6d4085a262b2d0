// The command-line scanner keeps every value exactly as typed and refuses what is ambiguous: repeated options (also
// through an alias or a negation), unknown options, values on flags, missing values, wrong argument counts.
import { describe, expect, test } from "bun:test";
import { COMMANDS, GLOBAL_OPTIONS, IMPLICIT_OPTIONS } from "../../src/cli/command-table.ts";
import { checkScanned, scanArgv, usageArgs } from "../../src/cli/parse/argv.ts";
import { UsageError } from "../../src/cli/usage-error.ts";

const scan = (...argv: string[]) => scanArgv(argv, COMMANDS, [...GLOBAL_OPTIONS, ...IMPLICIT_OPTIONS]);

function refusal(...argv: string[]): string {
  try {
    checkScanned(scan(...argv));
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
}

describe("values stay as typed", () => {
  test("numbers are never converted (2^64-1, 1e3, 0x10, 010)", () => {
    const s = scan("dma-test", "d", "--size", "18446744073709551615", "--iterations", "1e3", "--channel", "010");
    expect(s.options.size).toBe("18446744073709551615");
    expect(s.options.iterations).toBe("1e3");
    expect(s.options.channel).toBe("010");
    const r = scan("read", "dev", "0xffffffffffffffff", "1e3");
    expect(r.positionals).toEqual(["dev", "0xffffffffffffffff", "1e3"]);
  });

  test("a flag followed by a word does not swallow it (mri pushed it as a number)", () => {
    const s = scan("read", "dev", "-x", "0x10");
    expect(s.positionals).toEqual(["dev", "0x10"]);
    expect(s.options.swap).toBe(true);
    expect(s.options.x).toBe(true);
  });

  test("--opt=value, short option with the next word, glued short value, '-' as a value and as a word", () => {
    expect(scan("irq", "d", "--timeout=5s").options.timeout).toBe("5s");
    expect(scan("run", "d", "-e", "read 0:0").options.execute).toBe("read 0:0");
    expect(scan("run", "d", "-eread 0:0").options.e).toBe("read 0:0");
    expect(scan("pl330", "asm", "f.s", "--output", "-").options.output).toBe("-");
    expect(scan("run", "d", "-").positionals).toEqual(["d", "-"]);
  });

  test("a negative number is a value (refused later by the number parser, not as 'no value')", () => {
    expect(scan("irq", "d", "--timeout", "-5").options.timeout).toBe("-5");
  });

  test("a negative number is a word, not an unknown option (the number parser explains signs)", () => {
    expect(scan("irq", "d", "-1").positionals).toEqual(["d", "-1"]);
    expect(scan("irq", "d", "-1").error).toBeUndefined();
  });

  test("everything after -- is a word", () => {
    const s = scan("read", "--", "--json", "0");
    expect(s.positionals).toEqual(["--json", "0"]);
    expect(s.options.json).toBeUndefined();
  });

  test("global options go before or after the command", () => {
    const s = scan("--sim-state", "/tmp/x", "read", "dev", "0", "--json");
    expect(s.command?.name).toBe("read");
    expect(s.options.simState).toBe("/tmp/x");
    expect(s.options.json).toBe(true);
  });

  test("--color, --color=WHEN and --no-color are one option", () => {
    expect(scan("list", "--color").options.color).toBe(true);
    expect(scan("list", "--color=never").options.color).toBe("never");
    expect(scan("list", "--no-color").options.color).toBe(false);
  });
});

describe("refused", () => {
  test("an option given twice, in any spelling", () => {
    expect(refusal("read", "d", "0", "--width", "32", "--width", "16")).toContain("option --width given twice");
    expect(refusal("run", "d", "-e", "a", "--execute", "b")).toContain("option --execute given twice");
    expect(refusal("list", "--json", "--json")).toContain("option --json given twice");
    expect(refusal("list", "--color", "--no-color")).toContain("option --color given twice");
    expect(refusal("read", "d", "0", "-xx")).toContain("option --swap given twice");
  });

  test("unknown options, values on flags, missing values, bad --color words", () => {
    expect(refusal("list", "--bogus")).toBe("unknown option '--bogus'");
    expect(refusal("list", "-Z")).toBe("unknown option '-Z'");
    expect(refusal("list", "--json=1")).toContain("option --json takes no value");
    expect(refusal("irq", "d", "--timeout")).toBe("option --timeout needs a value");
    expect(refusal("bind", "d", "--driver", "--force")).toBe("option --driver needs a value");
    expect(refusal("list", "--color=yes")).toContain("invalid --color 'yes'");
    expect(refusal("list", "--width", "8")).toBe("unknown option '--width'");
    // Before the command word, the option is the problem (not a command named after its value).
    expect(refusal("-e", "x", "list")).toBe("unknown option '-e'");
    expect(refusal("--bogus", "frob")).toBe("unknown option '--bogus'");
    expect(refusal("frob", "--bogus")).toBe("unknown command 'frob'");
  });

  test("unknown command, missing and extra positional words", () => {
    expect(refusal("frob")).toBe("unknown command 'frob'");
    expect(refusal("read", "d")).toContain("missing required args for read: <address>");
    expect(refusal("reset", "d", "extra")).toContain("too many arguments for reset: 'extra'");
  });

  test("a well-formed command line passes", () => {
    expect(() => checkScanned(scan("write", "d", "0:0x10", "1", "--width", "32", "--readback"))).not.toThrow();
  });
});

test("usageArgs reads cac usage strings", () => {
  expect(usageArgs("read <device> <address> [count]")).toEqual([
    { name: "device", optional: false, variadic: false },
    { name: "address", optional: false, variadic: false },
    { name: "count", optional: true, variadic: false },
  ]);
  expect(usageArgs("x [...files]")).toEqual([{ name: "files", optional: true, variadic: true }]);
});

describe("every option of the table, given twice, is refused (the class, not examples)", () => {
  for (const c of COMMANDS) {
    const words = usageArgs(c.usage).filter((a) => !a.optional).map((a) => `some-${a.name}`);
    for (const o of [...c.options, ...GLOBAL_OPTIONS, ...IMPLICIT_OPTIONS]) {
      if ("repeatable" in o && o.repeatable) continue; // collects a list (parse-argv-repeatable.test.ts)
      const flags = o.flags.split(/[\s,]+/).filter((t) => t.startsWith("-"));
      const value = /<[^>]+>/.test(o.flags) ? ["v"] : [];
      // Every pair of spellings: --x --x, -x --x, --x -x.
      for (const a of flags) {
        for (const b of flags) {
          const argv = [c.name, ...words, a, ...value, b, ...value];
          test(argv.join(" "), () => expect(refusal(...argv)).toContain("given twice"));
        }
      }
    }
  }
});
