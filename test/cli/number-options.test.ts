// The class, not the examples: EVERY option of the command table that takes a number, a size or a period refuses
// exponents, hex floats and (except periods, whose fractions are documented) fractions, and echoes a refused value
// exactly as typed (cac once read `--timeout 1e3` as 1 s and printed 2^64-1 as 18446744073709552000). Options that
// take names or words are listed below; any other value-taking option added to the table is held to this rule.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { COMMANDS, GLOBAL_OPTIONS, type OptionSpec } from "../../src/cli/command-table.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const PL031 = "9010000.pl031";
const DMA = "2c0a0000.dma";

/** Long names of options whose value is a name, a path or a word, not a number. */
const WORD_OPTIONS = new Set(["sim-state", "sim-board", "iommu-mode", "driver", "user", "group", "execute", "pattern", "inject", "output", "device", "buffer", "dump", "regs", "events", "junit", "only", "bus", "compatible", "to", "from", "group-of"]);

/** A command line that gets as far as parsing its options (devices bound, addresses valid). */
const BASE: Readonly<Record<string, readonly string[]>> = {
  read: ["read", PL031, "0:0"],
  write: ["write", PL031, "0:0x4", "1"],
  irq: ["irq", PL031, "0"],
  "dma-test": ["dma-test", DMA],
  // The options are parsed before the device is looked at: an unknown device name is never reached.
  "blk-test": ["blk-test", "a000000.virtio_mmio", "--sector", "0"],
  "blk-test --sector": ["blk-test", "a000000.virtio_mmio"],
  pl330: ["pl330", "disasm", "--device", DMA],
  "pl330 --base": ["pl330", "asm", "/dev/null"],
  "pl330 --length": ["pl330", "disasm", "--device", DMA],
  "pl330 --events": ["pl330", "exec", DMA, "/dev/null"],
  bind: ["bind", PL031],
  unbind: ["unbind", "9000000.pl011"],
  poll: ["poll", PL031, "0:0x0", "0:0x1"],
  expect: ["expect", PL031, "0:0x0", "0:0x1"],
  watch: ["watch", PL031, "0:0"],
  "udev-rule": ["udev-rule", PL031, "--group", "0"],
};

const state = tempSimState();
const env = simEnv(state.dir);
beforeAll(() => {
  for (const d of [PL031, DMA]) {
    const r = runCli(["bind", d], { env });
    if (r.code !== 0) throw new Error(r.stderr);
  }
});
afterAll(() => state.dispose());

const long = (o: OptionSpec) => /--([a-z-]+)/.exec(o.flags)![1]!;
const placeholder = (o: OptionSpec) => /<([^>]+)>/.exec(o.flags)?.[1];

const numeric = [
  ...GLOBAL_OPTIONS.map((o) => ({ command: undefined as string | undefined, o })),
  ...COMMANDS.flatMap((c) => c.options.map((o) => ({ command: c.name as string | undefined, o }))),
].filter(({ o }) => placeholder(o) !== undefined && !WORD_OPTIONS.has(long(o)));

test("the sweep finds the number options (it would pass vacuously otherwise)", () => {
  expect(numeric.map(({ command, o }) => `${command} --${long(o)}`)).toEqual(
    expect.arrayContaining(["read --width", "irq --count", "irq --timeout", "dma-test --size", "dma-test --timeout", "pl330 --offset"]),
  );
});

describe("every number option refuses other notations and echoes the value as typed", () => {
  for (const { command, o } of numeric) {
    const name = `--${long(o)}`;
    const base = BASE[`${command} ${name}`] ?? BASE[command ?? ""];
    const period = placeholder(o) === "period";
    const values = period ? ["1e3", "1e3s", "0x1p3"] : ["1e3", "1.5", "0x1p3", "99999999999999999999"];
    test(`${command ?? "(global)"} ${name}: ${values.join(", ")}`, () => {
      expect(base).toBeDefined(); // a new command with a number option needs a BASE line here
      for (const v of values) {
        const r = runCli([...base!, name, v], { env });
        expect({ v, code: r.code }).toEqual({ v, code: 2 });
        expect(r.stderr).toContain(`'${v}'`);
        if (v !== "99999999999999999999") expect(r.stderr).toMatch(/exponent notation|hex float notation|fractions/);
      }
    });
  }
});
