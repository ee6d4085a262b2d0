// The benchmark harness's own pieces, without timing anything: statistics on known input, goal verdicts, the table
// renderer (every row present, skipped rows with their reason), the results.json checker, and the C build (when a
// compiler exists). Speed goals are judged by `bun run bench`, never here.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildReferences, findCompiler } from "../../bench/lib/c-build.ts";
import { goalText, measure, verdict } from "../../bench/lib/goal.ts";
import { checkResults, RESULTS_SCHEMA, rowResult } from "../../bench/lib/results.ts";
import type { RowSpec } from "../../bench/lib/row.ts";
import { median, quantile, summarize } from "../../bench/lib/stats.ts";
import { formatSide, renderTable } from "../../bench/lib/table.ts";
import { GROUPS } from "../../bench/rows/index.ts";

describe("statistics", () => {
  test("median of odd and even counts, in any order", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  test("spread: min, max and interpolated quartiles", () => {
    const s = summarize([10, 1, 7, 4]);
    expect(s).toEqual({ n: 4, median: 5.5, min: 1, max: 10, q1: 3.25, q3: 7.75 });
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
  });
  test("refuses empty or non-finite input", () => {
    expect(() => summarize([])).toThrow(RangeError);
    expect(() => summarize([1, NaN])).toThrow(/finite/);
  });
});

describe("goals", () => {
  test("ratio, bandwidth and delta goals give PASS or MISS at their bounds", () => {
    expect(verdict({ kind: "ratio-max", value: 1.3 }, 1.3)).toBe("PASS");
    expect(verdict({ kind: "ratio-max", value: 1.3 }, 1.31)).toBe("MISS");
    expect(verdict({ kind: "ratio-min", value: 0.5 }, 0.49)).toBe("MISS");
    expect(verdict({ kind: "delta-max", value: 40, unit: "ms" }, 39)).toBe("PASS");
    // "faster" needs strictly less than the reference
    expect(verdict({ kind: "ratio-max", value: 1 }, 1)).toBe("MISS");
    expect(verdict({ kind: "ratio-max", value: 1 }, 0.9)).toBe("PASS");
  });
  test("the figure is a ratio, or a difference for delta goals", () => {
    expect(measure({ kind: "ratio-max", value: 2 }, 3, 2)).toBe(1.5);
    expect(measure({ kind: "delta-max", value: 40, unit: "ms" }, 75, 50)).toBe(25);
    expect(goalText({ kind: "delta-max", value: 40, unit: "ms" })).toBe("≤ +40 ms");
    expect(goalText({ kind: "ratio-min", value: 0.5 })).toBe("≥ 0.5×");
  });
});

const SPEC: RowSpec = { id: "x", what: "example row", vfioSide: "a", referenceSide: "b", unit: "ns", goal: { kind: "ratio-max", value: 1.3 } };

describe("rows, table and results.json", () => {
  test("a measured row carries both summaries, the ratio and the verdict", () => {
    const r = rowResult(SPEC, { kind: "measured", vfio: [12, 10, 14], reference: [10, 9, 11] });
    expect(r.vfio!.median).toBe(12);
    expect(r.reference!.median).toBe(10);
    expect(r.figure).toBeCloseTo(1.2);
    expect(r.verdict).toBe("PASS");
    expect(formatSide(r.vfio!, "us")).toBe("12.0 µs (10.0–14.0)");
  });

  test("the table has one line per row, skipped rows with their reason", () => {
    const rows = [
      rowResult(SPEC, { kind: "measured", vfio: [20], reference: [10] }),
      rowResult({ ...SPEC, id: "y", what: "second row" }, { kind: "skipped", reason: "no C compiler" }),
    ];
    const lines = renderTable(rows).split("\n");
    expect(lines).toHaveLength(4); // header, rule, two rows
    expect(lines[2]).toContain("example row");
    expect(lines[2]).toContain("2.00×");
    expect(lines[2]).toContain("MISS");
    expect(lines[3]).toContain("second row");
    expect(lines[3]).toContain("skipped: no C compiler");
  });

  test("a measured row's note is printed under the table, a skipped row's is not", () => {
    const rows = [
      rowResult(SPEC, { kind: "measured", vfio: [20], reference: [10], note: "bounded by the emulator" }),
      rowResult({ ...SPEC, id: "y", what: "second row" }, { kind: "measured", vfio: [10], reference: [10] }),
      rowResult({ ...SPEC, id: "z", what: "third row" }, { kind: "skipped", reason: "no C compiler" }),
    ];
    const lines = renderTable(rows).split("\n");
    expect(lines.slice(5)).toEqual(["", "notes:", "- example row: bounded by the emulator"]);
  });

  test("every row of the issue is in the bench's table, the lab row included", () => {
    const ids = GROUPS({ lab: false }).flatMap((g) => g.rows.map((r) => r.id));
    expect(ids).toEqual([
      "register-pread",
      "mmap-read32",
      "mmap-write32",
      "lab-register-pread",
      "lab-mmap-read32",
      "lab-cli-read",
      "lab-cli-read-bytecode",
      "irq-wake",
      "dma-board-clock",
      "dma-simulator",
      "dma-test-rss",
      "dma-test-wall",
      "pl330-poll-while-looping",
      "cli-start-time",
      "cli-start-rss",
      "cli-start-binary-time",
      "cli-start-binary-rss",
      "list",
    ]);
  });

  test("without --lab the lab row is skipped with the reason", async () => {
    const lab = GROUPS({ lab: false }).find((g) => g.name === "lab")!;
    const out = await lab.run({} as never);
    expect(out["lab-register-pread"]).toEqual({ kind: "skipped", reason: "lab not run (needs --lab)" });
    expect(out["lab-mmap-read32"]).toEqual({ kind: "skipped", reason: "lab not run (needs --lab)" });
    expect(out["lab-cli-read"]).toEqual({ kind: "skipped", reason: "lab not run (needs --lab)" });
    expect(out["lab-cli-read-bytecode"]).toEqual({ kind: "skipped", reason: "lab not run (needs --lab)" });
    const why = await GROUPS({ lab: false, why: "qemu-system-aarch64 not installed" }).find((g) => g.name === "lab")!.run({} as never);
    expect(why["lab-register-pread"]).toEqual({ kind: "skipped", reason: "qemu-system-aarch64 not installed" });
  });

  test("results.json checker accepts a well-formed document and names what is wrong", () => {
    const doc = {
      schema: RESULTS_SCHEMA,
      command: "bun run bench",
      date: new Date(0).toISOString(),
      host: { bun: "1.4.5", kernel: "6.1", cpu: "x", cpus: 1, arch: "x64" },
      rows: [rowResult(SPEC, { kind: "measured", vfio: [1], reference: [1] }), rowResult(SPEC, { kind: "skipped", reason: "r" })],
    };
    expect(checkResults(JSON.parse(JSON.stringify(doc)))).toEqual([]);
    const broken = JSON.parse(JSON.stringify(doc));
    delete broken.rows[1].reason;
    broken.rows[0].vfio.samples = [];
    broken.schema = 2;
    expect(checkResults(broken)).toEqual(["schema is 2, not 1", "row x: vfio samples missing", "row x: skipped without a reason"]);
  });
});

describe.skipIf(!findCompiler())("C reference programs (needs a C compiler: cc, gcc, clang or $CC)", () => {
  test("every bench/c program builds", () => {
    const out = mkdtempSync(join(tmpdir(), "vfio-plat-bench-cc-"));
    try {
      const built = buildReferences({ outDir: out })!;
      expect(Object.keys(built.programs).sort()).toEqual(["irq-signal", "irq-wait", "mmap-loop", "peak-rss", "pread-loop"]);
      // A program run with a bad argument count refuses with exit 2 (it exists and runs).
      expect(Bun.spawnSync([built.programs["pread-loop"]!]).exitCode).toBe(2);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
