// The pl330-poll-while-looping row measures on the board it is given (bench --sim-board): the default board's PL330,
// or the first PL330 of a real device tree (Juno r2's DMA-330 behind its MMU-401). One short sample each; the row's
// figures are not checked here (speed goals live in bench/), only that it measured on the named device.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchContext } from "../../bench/lib/context.ts";
import { pl330PollRows } from "../../bench/rows/pl330-poll.ts";
import { builtDtbDir } from "../../scripts/boards/dtbs.ts";
import { createRealBoundary } from "../../src/ffi/index.ts";

async function runRow(simBoard?: string) {
  const tmp = mkdtempSync(join(tmpdir(), "vfio-plat-bench-test-"));
  const b = createRealBoundary();
  const ctx: BenchContext = {
    c: undefined,
    samples: 1,
    quick: true,
    tmp,
    b,
    cli: [],
    bun: process.execPath,
    root: join(import.meta.dir, "../.."),
    ...(simBoard ? { simBoard } : {}),
    log: () => {},
  };
  try {
    return (await pl330PollRows.run(ctx))["pl330-poll-while-looping"]!;
  } finally {
    b.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe("pl330-poll-while-looping on a chosen board", () => {
  test("the default board: its PL330 2c0a0000.dma", async () => {
    const r = await runRow();
    expect(r.kind).toBe("measured");
    if (r.kind !== "measured") return;
    expect(r.note).toStartWith("2c0a0000.dma: ");
    expect(r.vfio).toHaveLength(1);
    expect(r.vfio[0]).toBeGreaterThan(0);
  }, 30_000);

  const dtbs = builtDtbDir();
  test.skipIf(!dtbs)("the real juno-r2.dtb: the DMA-330 7ff00000.dma-controller behind the MMU-401 (skipped: run bun scripts/boards/dtbs.ts)", async () => {
    const dtb = join(dtbs!, "arm/juno-r2.dtb");
    const r = await runRow(dtb);
    expect(r.kind).toBe("measured");
    if (r.kind !== "measured") return;
    expect(r.note).toStartWith(`7ff00000.dma-controller on ${dtb}: `);
    expect(r.vfio[0]).toBeGreaterThan(0);
  }, 30_000);
});
