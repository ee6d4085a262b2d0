// Policy: human tables line up on screen: widths ignore ANSI colour codes, numbers can be right-aligned, and no line
// ends in spaces.
import { expect, test } from "bun:test";
import { Chalk } from "chalk";
import { displayWidth, formatTable } from "../../src/cli/output/table.ts";

const red = new Chalk({ level: 1 }).red;

test("columns are aligned, no trailing spaces", () => {
  expect(
    formatTable(
      [
        ["fff00000.dma", "vfio-platform", "7"],
        ["fe201000.serial", "uart-pl011", "12"],
      ],
      { header: ["DEVICE", "DRIVER", "GROUP"], align: ["left", "left", "right"] },
    ),
  ).toEqual([
    "DEVICE           DRIVER         GROUP",
    "fff00000.dma     vfio-platform      7",
    "fe201000.serial  uart-pl011        12",
  ]);
});

test("ANSI codes do not count towards the width", () => {
  const lines = formatTable([
    [red("ab"), "x"],
    ["abcd", "y"],
  ]);
  expect(displayWidth(lines[0]!)).toBe(7);
  expect(lines[0]).toBe(`${red("ab")}    x`);
  expect(lines[1]).toBe("abcd  y");
});

test("ragged rows and an empty last cell", () => {
  expect(formatTable([["a", "b", "c"], ["dd"], ["e", "", ""]], { gap: 1 })).toEqual(["a  b c", "dd", "e"]);
});
