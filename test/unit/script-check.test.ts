// Policy: a `run` script is refused whole, with the line number, before its first step, for anything that would
// fail half-way: values and masks that break the `write` command's own rules, a variable or DMA buffer used before it
// exists, `irq wait` on an interrupt never armed. And the words for a refused fixed IOVA (unaligned, reserved, overlap).
import { describe, expect, test } from "bun:test";
import { checkScriptFlow } from "../../src/cli/script/check-script.ts";
import { dmaPlacementProblem, mappedLength } from "../../src/cli/script/dma-placement.ts";
import { parseScript } from "../../src/cli/script/parse-script.ts";
import { UsageError } from "../../src/cli/usage-error.ts";

function refused(text: string, re: RegExp): void {
  let err: unknown;
  try {
    checkScriptFlow(parseScript(text));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UsageError);
  expect((err as UsageError).message).toMatch(re);
}

describe("VALUE:MASK in scripts follows the write command's rule (parseWriteValue)", () => {
  test.each([
    ["write 0:0x4 0x10:0x1", /line 1: value 0x10 has bits outside mask 0x1 \(0x10\)/],
    ["expect 0:0x4 0x10:0x1", /line 1: value 0x10 has bits outside mask 0x1/],
    ["write 0:0x4 0x1:0", /line 1: mask '0' is zero/],
    ["expect 0:0x4 0:0", /line 1: mask '0' is zero/],
    ["write 0:0x4.b 0x100", /line 1: value '0x100' does not fit a 8-bit access/],
    ["expect 0:0x4.w 0x1:0x10000", /line 1: mask '0x10000' does not fit a 16-bit access/],
    ["read 0:0 as x\nwrite 0:0x4 $x:0", /line 2: mask '0' is zero/],
    ["read 0:0 as x\nwrite 0:0x4.b $x+0x100", /line 2: added value '0x100' does not fit a 8-bit access/],
    ["read 0:0 as x\nwrite 0:0x4 $x-0x1_0000_0000", /line 2: added value .* does not fit a 32-bit access/],
    ["write 0:0x4 0x1:0x1:0x1", /line 1: .*more than one ':'/],
    ["write 0:0x4 $", /line 1: invalid value '\$'/],
  ])("%p is refused", (text, re) => {
    expect(() => parseScript(text)).toThrow(UsageError);
    expect(() => parseScript(text)).toThrow(re);
  });

  test("values inside their mask and width are taken, literal and variable alike", () => {
    const s = parseScript("write 0:0x4.b 0x30:0xf0\nread 0:0 as x\nexpect 0:0x4 $x+4:0xff");
    expect(s[0]!.step).toMatchObject({ value: { literal: 0x30n }, mask: 0xf0n });
    expect(s[2]!.step).toMatchObject({ value: { variable: "x", add: 4n, text: "$x+4" }, mask: 0xffn });
  });
});

describe("flow: every name and interrupt exists before it is used", () => {
  test.each([
    ["write 0:0x4 1\nwrite 0:0x8 $t", /^line 2: variable \$t is not set by any line before this one$/],
    ["write 0:0x8 $t\nread 0:0 as t", /^line 1: variable \$t/],
    ["expect 0:0x8 $buf", /^line 1: variable \$buf/],
    ["dma fill a zeros", /^line 1: no DMA buffer 'a' is mapped/],
    ["dma map a 4k\ndma unmap a\ndma expect a zeros", /^line 3: no DMA buffer 'a' is mapped/],
    ["dma map a 4k\ndma map a 8k", /^line 2: DMA buffer 'a' is already mapped \(line 1\)/],
    ["irq wait 0 1s", /^line 1: irq wait 0: interrupt 0 is not armed$/],
    ["irq arm 1\nirq wait 0", /^line 2: irq wait 0: interrupt 0 is not armed/],
    ["irq arm 0\nirq disarm 0\nirq wait 0", /^line 3: irq wait 0/],
  ])("%p is refused", refused);

  test("irq wait before arm says how to fix it", () => {
    try {
      checkScriptFlow(parseScript("irq wait 2"));
      expect.unreachable();
    } catch (e) {
      expect((e as UsageError).hint).toBe("arm it first: irq arm 2");
    }
  });

  test("a well-formed script passes: variables from read and dma map, re-mapping after unmap, re-arming", () => {
    const ok = [
      "read 0:0 as now",
      "write 0:0x4 $now+2",
      "dma map src 4k at 0x10000",
      "dma map dst 4k",
      "write 0:0x8 $src",
      "dma fill src incrementing",
      "dma unmap src",
      "dma map src 4k at 0x10000",
      "irq arm 0",
      "irq wait 0 1s",
      "irq disarm 0",
      "irq arm 0",
      "irq wait 0",
      "expect 0:0x8 $dst",
    ].join("\n");
    expect(() => checkScriptFlow(parseScript(ok))).not.toThrow();
  });
});

describe("dma map placement: why the IOMMU refused, in words", () => {
  const window = { pageSize: 0x1000n, iovaRanges: [{ start: 0n, end: 0x7ff_ffffn }, { start: 0x810_0000n, end: 0xffff_ffff_ffffn }] };
  const live = [{ vaddr: 0n, iova: 0x2000n, size: 0x2000n, read: true, write: true }];
  test.each([
    [0x1001n, 0x1000n, /IOVA 0x1001 is not aligned to the IOMMU page size 0x1000 \(try 0x1000\)/],
    [0x800_0000n, 0x1000n, /IOVA 0x8000000-0x8000fff is outside the usable IOVA ranges .*reserved/],
    [0x7ff_f000n, 0x2000n, /outside the usable IOVA ranges/],
    [0x3000n, 0x1000n, /IOVA 0x3000-0x3fff overlaps the mapping at IOVA 0x2000-0x3fff/],
    [0x1000n, 0x2000n, /overlaps/],
  ])("IOVA %p, %p bytes is refused", (iova, length, re) => {
    expect(dmaPlacementProblem(window, live, iova, length)).toMatch(re);
  });
  test("free, aligned, usable ranges are accepted; the overlap names the buffer when known", () => {
    expect(dmaPlacementProblem(window, live, 0x4000n, 0x1000n)).toBeUndefined();
    expect(dmaPlacementProblem(window, live, 0x1000n, 0x1000n)).toBeUndefined();
    expect(dmaPlacementProblem({ pageSize: 0x1000n }, [], 0x800_0000n, 0x1000n)).toBeUndefined();
    expect(dmaPlacementProblem(window, live, 0x2000n, 0x1000n, () => "src")).toMatch(/overlaps buffer 'src'/);
  });
  test("a mapping takes whole IOMMU pages", () => {
    expect(mappedLength(1, window)).toBe(0x1000n);
    expect(mappedLength(0x1001, window)).toBe(0x2000n);
  });
});
