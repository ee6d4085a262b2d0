// dma-test without an IOMMU, end to end on the simulated board: the PL330 of virt-noiommu copies between pinned
// buffers at physical addresses and verifies every byte (64 MiB in huge pages: one PL330 job); with the huge page pool
// emptied the buffers are locked small pages (scattered, as on a real machine), the report warns in one line and the
// copy takes one job per physically contiguous piece, still verified; --inject kinds that need an IOMMU are refused
// (exit 2) and the program-changing ones are caught by the verify (exit 8). An RK3399's PL330 takes the same path.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { builtDtbDir } from "../../scripts/boards/dtbs.ts";
import { openBoundary } from "../../src/open-boundary.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const DMA = "2c0a0000.dma";
const root = process.getuid?.() === 0;
const ROOT_NOTE = root ? "" : " (skipped: opening a noiommu group needs root, CAP_SYS_RAWIO)";
const HP = "/sys/kernel/mm/hugepages/hugepages-2048kB";

function noiommuBoard(board = "virt-noiommu", device = DMA) {
  const state = tempSimState();
  afterAll(state.dispose);
  const env = simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: board });
  return { state, env, bind: () => expect(runCli(["bind", device], { env }).code).toBe(0) };
}

describe.skipIf(!root)(`dma-test on virt-noiommu: physical addresses${ROOT_NOTE}`, () => {
  const { env, bind } = noiommuBoard();

  test("64 MiB in huge pages: one job, the report says physical addresses, verified byte for byte (exit 0)", () => {
    bind();
    const r = runCli(["dma-test", DMA, "--size", "64M"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/buffers \(physical addresses, noiommu: no IOMMU confines the DMAC\): src pa 0x[0-9a-f]+/);
    expect(r.stdout).toContain("pinned in 2 MiB huge pages; 1 PL330 job per copy");
    expect(r.stdout).toMatch(/dma-test: 64 MiB copied and verified on 2c0a0000\.dma channel 0 in [\d.]+ ms \([\d.]+ MiB\/s\), 0 mismatches/);
  });

  test("--json: the buffers' addresses are physical and inside the board's RAM (0x40000000 + 2 GiB)", () => {
    const r = runCli(["--json", "dma-test", DMA, "--size", "1M", "--pattern", "random"], { env });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(doc.buffers.addresses).toBe("physical");
    expect(doc.buffers.pages).toBe("huge");
    for (const k of ["src", "dst", "program"]) {
      const pa = BigInt(doc.buffers[k]);
      expect(pa >= 0x4000_0000n && pa < 0xc000_0000n).toBe(true);
    }
    expect(doc.results).toEqual([expect.objectContaining({ bytes: 1 << 20, verified: true })]);
  });

  test("without CAP_SYS_ADMIN pagemap hides the PFNs: refused (exit 4) with 'run as root', nothing copied", () => {
    const r = runCli(["dma-test", DMA, "--size", "4k"], { env: { ...env, VFIO_PLAT_SIM_CAP_SYS_ADMIN: "0" } });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/\/proc\/self\/pagemap hides the physical address of 0x[0-9a-f]+ \(PFN reads as 0\) \(PERMISSION\) — run as root \(CAP_SYS_ADMIN/);
  });

  for (const inject of ["readonly-dst", "unmapped-src", "unmapped-program"]) {
    test(`--inject ${inject} needs an IOMMU: refused with the reason (exit 2), nothing copied`, () => {
      const r = runCli(["dma-test", DMA, "--size", "4k", "--inject", inject], { env });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(`--inject ${inject} needs an IOMMU to fault the access: ${DMA} is in a noiommu container`);
    });
  }
});

describe.skipIf(!root)(`dma-test on virt-noiommu with no huge pages: locked small pages, one job per piece${ROOT_NOTE}`, () => {
  const { state, env, bind } = noiommuBoard();

  test("the pool emptied: a one-line warning, several PL330 jobs, every byte verified", async () => {
    bind();
    const b = await openBoundary({ sim: true, simStateDir: state.dir });
    b.fs.writeFile(`${HP}/nr_hugepages`, "0");
    b.dispose();
    const r = runCli(["dma-test", DMA, "--size", "256k", "--iterations", "2"], { env });
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^vfio-plat: warning: DMA buffer in locked small pages, which the kernel may still migrate .*huge page pool is short \(0 of \d+ 2097152-byte pages free\); reserve huge pages/),
    ]);
    const jobs = Number(/pinned in locked small pages; (\d+) PL330 jobs per copy/.exec(r.stdout)?.[1]);
    expect(jobs).toBeGreaterThan(1);
    expect(r.stdout).toMatch(/2 x 256 KiB copied and verified .* 0 mismatches/);
    const j = JSON.parse(runCli(["--json", "dma-test", DMA, "--size", "64k"], { env }).stdout.trim().split("\n").at(-1)!);
    expect(j.buffers.pages).toBe("locked");
    expect(j.buffers.pieces).toBeGreaterThan(1);
  });

  test("--inject short-copy across pieces: the verify finds the last beat uncopied (exit 8)", () => {
    const r = runCli(["dma-test", DMA, "--size", "64k", "--inject", "short-copy"], { env });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/first difference at offset 65528/);
  });
});

const dtbs = builtDtbDir();
describe.skipIf(!root || !dtbs)(`dma-test on an RK3399 (rockpro64 DTB: PL330s without an IOMMU)${ROOT_NOTE}${dtbs ? "" : " (skipped: DTBs not built; bun scripts/boards/dtbs.ts)"}`, () => {
  test("ff6d0000.dma-controller copies 1 MiB by physical address, verified", () => {
    const { env, bind } = noiommuBoard(join(dtbs!, "rockchip/rk3399-rockpro64.dtb"), "ff6d0000.dma-controller");
    bind();
    const r = runCli(["dma-test", "ff6d0000.dma-controller", "--size", "1M"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("physical addresses");
    expect(r.stdout).toMatch(/1 MiB copied and verified on ff6d0000\.dma-controller/);
  });
});
