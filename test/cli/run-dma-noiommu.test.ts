// `run`'s dma verbs on a noiommu container (virt-noiommu's PL330): `dma map` without `at` lands the buffer at its
// physical address (in the board's RAM, pinned in a huge page), the script's variable holds that address, the program
// fills and checks it; `dma map ... at` is refused before any line runs (exit 2) with the reason.
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const DMA = "2c0a0000.dma";
const root = process.getuid?.() === 0;

describe.skipIf(!root)(`run's dma verbs on noiommu${root ? "" : " (skipped: opening a noiommu group needs root, CAP_SYS_RAWIO)"}`, () => {
  const state = tempSimState();
  afterAll(state.dispose);
  const env = simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: "virt-noiommu" });

  test("dma map lands at a physical address in RAM that the script's variable holds; fill and expect work", () => {
    expect(runCli(["bind", DMA], { env }).code).toBe(0);
    const r = runCli(["--json", "run", DMA, "-e", "dma map a 4k; dma fill a incrementing; dma expect a incrementing 0 0x1000; dma map b 4k read"], { env });
    // virt-noiommu's PL330 has no reset function: the buffers are freed at the end with one JSON notice saying so.
    expect(r.stderr.trim().split("\n").map((l) => JSON.parse(l).notice)).toEqual([
      { code: "DMA_IN_FLIGHT", device: DMA, message: expect.stringContaining("it has no reset function") },
    ]);
    expect(r.code).toBe(0);
    const recs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const maps = recs.filter((x) => x.type === "dma-map");
    expect(maps.map((m) => m.physical)).toEqual([true, true]);
    const [a, b] = maps.map((m) => BigInt(m.iova));
    for (const pa of [a!, b!]) expect(pa >= 0x4000_0000n && pa < 0xc000_0000n).toBe(true);
    expect(a).not.toBe(b);
    expect(recs.at(-1)).toMatchObject({ type: "end", reason: "done" });
    const text = runCli(["run", DMA, "-e", "dma map a 4k"], { env });
    expect(text.stdout).toMatch(/^dma a: \d+ bytes at physical address 0x[0-9a-f]+ \(rw, not enforced: noiommu\) = \$a$/m);
  });

  test("freeing buffers of a device that cannot be reset: one warning line however many buffers, none without buffers", () => {
    const r = runCli(["run", DMA, "-e", "dma map a 4k; dma unmap a; dma map b 4k; dma map c 4k"], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `vfio-plat: warning: freed ${DMA}'s DMA buffers without stopping the device (it has no reset function): with no IOMMU, DMA still in flight may write into memory the kernel reuses; stop it through its registers before unmapping\n`,
    );
    const none = runCli(["run", DMA, "-e", "read 0:0x0"], { env });
    expect(none.code).toBe(0);
    expect(none.stderr).toBe("");
  });

  test("with a reset function (a board file says so) the device is reset instead: no warning", () => {
    const file = join(state.dir, "reset-board.json");
    writeFileSync(file, JSON.stringify({ "vfio-plat-board": 1, from: "virt-noiommu", devices: [{ name: DMA, reset: true }] }));
    const st = tempSimState();
    try {
      const env2 = simEnv(st.dir, { VFIO_PLAT_SIM_BOARD: file });
      expect(runCli(["bind", DMA], { env: env2 }).code).toBe(0);
      const r = runCli(["run", DMA, "-e", "dma map a 4k; dma unmap a; dma map b 4k"], { env: env2 });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    } finally {
      st.dispose();
    }
  });

  test("dma map at a chosen address is refused before line 1 runs (exit 2), saying why", () => {
    const r = runCli(["run", DMA, "-e", "dma map x 4k; dma map a 4k at 0x40000000"], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("line 2: dma map a at 0x40000000: on a noiommu container the device sees the buffer at its physical address");
    expect(r.stderr).toContain("leave out 'at'");
  });
});
