// Policy: an option the table marks repeatable (`pl330 exec --buffer a=4k --buffer b=4k`) collects every value, in the
// order given, whatever the spelling (`--buffer x`, `--buffer=x`); each value is converted by the option's kind; an
// option not marked repeatable is still refused when given twice.
import { expect, test } from "bun:test";
import { COMMANDS, GLOBAL_OPTIONS } from "../../src/cli/command-table.ts";
import { checkScanned, convertOptions, scanArgv } from "../../src/cli/parse/argv.ts";

const scan = (...argv: string[]) => scanArgv(argv, COMMANDS, GLOBAL_OPTIONS);
const pl330 = COMMANDS.find((c) => c.name === "pl330")!;

test("repeatable options collect their values in order, both spellings", () => {
  const s = scan("pl330", "exec", "dev", "p.s", "--buffer", "a=4k", "--dump", "a", "--buffer=b=8k:random", "--buffer", "c=1");
  checkScanned(s);
  expect(s.options.buffer).toEqual(["a=4k", "b=8k:random", "c=1"]);
  const o = convertOptions(pl330.options, s.options);
  expect(o.buffer).toEqual(["a=4k", "b=8k:random", "c=1"]);
  expect(o.dump).toEqual(["a"]);
});

test("a repeatable option given once is a list of one; not given, absent", () => {
  const once = convertOptions(pl330.options, scan("pl330", "exec", "d", "p", "--buffer", "x=1").options);
  expect(once.buffer).toEqual(["x=1"]);
  expect(convertOptions(pl330.options, scan("pl330", "exec", "d", "p").options).buffer).toBeUndefined();
});

test("beside them, an option that is not repeatable is still refused twice", () => {
  const s = scan("pl330", "exec", "d", "p", "--buffer", "x=1", "--channel", "1", "--buffer", "y=1", "--channel", "2");
  expect(() => checkScanned(s)).toThrow(/option --channel given twice \('--channel 1', then '--channel 2'\)/);
});
