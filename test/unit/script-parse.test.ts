// The `run` script language is parsed completely before the device is opened; every error names its line.
import { expect, test } from "bun:test";
import { parseScript } from "../../src/cli/script/parse-script.ts";
import { UsageError } from "../../src/vfio/errors.ts";

test("all verbs, comments and blank lines", () => {
  const s = parseScript(`# alarm in two seconds
read 0:0x0 as now
write 0:0x4 $now+2
write 0:0x10.l 1:0x1

irq arm 0
irq wait 0 3s   # the alarm
expect 0:0x14 1
sleep 100ms
reset`);
  expect(s.map((l) => l.line)).toEqual([2, 3, 4, 6, 7, 8, 9, 10]);
  expect(s[0]!.step).toMatchObject({ op: "read", as: "now" });
  expect(s[1]!.step).toMatchObject({ op: "write", value: { variable: "now", add: 2n } });
  expect(s[2]!.step).toMatchObject({ op: "write", value: { literal: 1n }, mask: 1n });
  expect(s[4]!.step).toEqual({ op: "irq", action: "wait", index: 0, timeoutMs: 3000 });
  expect(s[6]!.step).toEqual({ op: "sleep", ms: 100 });
});

test.each([
  ["frob 1", /line 1: unknown verb 'frob'/],
  ["read", /line 1: read needs an address/],
  ["\nwrite 0:0x4", /line 2: write needs an address and a value/],
  ["irq poke 0", /unknown irq action 'poke'/],
  ["irq arm 0 5s", /takes no timeout/],
  ["read 0:0x0 4 as x", /single register/],
  ["sleep", /sleep needs a period/],
  ["write 0:010 1", /ambiguous/],
  ["write 0:0x0 $1x", /.+/],
])("%p is refused", (text, re) => {
  expect(() => parseScript(text)).toThrow(UsageError);
  expect(() => parseScript(text)).toThrow(re);
});
