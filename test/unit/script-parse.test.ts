// The `run` script language is parsed completely before the device is opened; every error names its line.
import { expect, test } from "bun:test";
import { parseScript } from "../../src/cli/script/parse-script.ts";
import { UsageError } from "../../src/cli/usage-error.ts";

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

test("dma verbs: map (size, permission, fixed IOVA), fill, expect (whole or a range), unmap", () => {
  const s = parseScript(`dma map src 4096 read at 0x100000
dma map dst 8k
dma map buf 0x2000 write
dma fill src random:7
dma fill dst 0x5a
dma expect dst incrementing
dma expect dst zeros 2048 2k
dma unmap src`);
  expect(s.map((l) => l.step)).toEqual([
    { op: "dma-map", name: "src", size: 4096, perm: "read", iova: 0x100000n },
    { op: "dma-map", name: "dst", size: 8192, perm: "rw" },
    { op: "dma-map", name: "buf", size: 0x2000, perm: "write" },
    { op: "dma-fill", name: "src", pattern: { kind: "random", seed: 7 } },
    { op: "dma-fill", name: "dst", pattern: { kind: "byte", value: 0x5a } },
    { op: "dma-expect", name: "dst", pattern: { kind: "incrementing" } },
    { op: "dma-expect", name: "dst", pattern: { kind: "zeros" }, offset: 2048, length: 2048 },
    { op: "dma-unmap", name: "src" },
  ]);
  // A mapped buffer's IOVA is a variable like any other.
  expect(parseScript("write 0:0x80 $src+0x10")[0]!.step).toMatchObject({ value: { variable: "src", add: 0x10n } });
});

test.each([
  ["dma", /unknown dma action ''/],
  ["dma copy a b", /unknown dma action 'copy'/],
  ["dma map", /needs a buffer name/],
  ["dma map 1x 4096", /needs a buffer name/],
  ["dma map a", /needs a size/],
  ["dma map a 0", /size/],
  ["dma map a 4096 execute", /unexpected 'execute'/],
  ["dma map a 4096 at", /needs an IOVA/],
  ["dma map a 4096 rw at 0x1000 extra", /unexpected 'extra'/],
  ["dma fill a", /needs a name and a pattern/],
  ["dma fill a stripes", /unknown pattern 'stripes'/],
  ["dma fill a 0x100", /unknown pattern/],
  ["dma fill a random:x", /random seed/],
  ["dma expect a ones 16", /OFFSET LENGTH/],
  ["dma expect a ones 0 0", /length/],
  ["dma unmap", /needs a name/],
])("%p is refused", (text, re) => {
  expect(() => parseScript(text)).toThrow(UsageError);
  expect(() => parseScript(text)).toThrow(re);
});

test("mask/unmask eventfd verbs: install, remove with off, signal, expect-none with and without a period", () => {
  const s = parseScript("irq unmask-fd 0; irq mask-fd 2 off; irq signal-unmask 0; irq signal-mask 1; irq expect-none 0 1500ms; irq expect-none 3".split(";").join("\n"));
  expect(s.map((l) => l.step)).toEqual([
    { op: "irq-virqfd", action: "unmask", index: 0, off: false },
    { op: "irq-virqfd", action: "mask", index: 2, off: true },
    { op: "irq-signal", action: "unmask", index: 0 },
    { op: "irq-signal", action: "mask", index: 1 },
    { op: "irq", action: "expect-none", index: 0, timeoutMs: 1500 },
    { op: "irq", action: "expect-none", index: 3 },
  ]);
});

test.each([
  ["irq unmask-fd 0 on", /unexpected 'on'/],
  ["irq mask-fd 0 off off", /unexpected 'off'/],
  ["irq signal-unmask 0 off", /unexpected 'off'/],
  ["irq signal-unmask -1", /signs are not accepted/],
  ["irq unmask-fds 0", /unknown irq action 'unmask-fds'/],
  ["irq trigger 0 1s", /takes no timeout/],
])("eventfd verb %p is refused", (text, re) => {
  expect(() => parseScript(text)).toThrow(UsageError);
  expect(() => parseScript(text)).toThrow(re);
});

test("an unknown irq action is named before its index is looked at", () => {
  expect(() => parseScript("irq poke x")).toThrow(/unknown irq action 'poke'/);
});
