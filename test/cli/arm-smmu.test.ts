// The ARM SMMU v1/v2 through the CLI on a Juno r2-shaped board (test/fixtures/juno-r2-board.ts): `list` shows the
// PL330 behind 7fb00000.iommu with its nine stream IDs; a copy verifies through the MMU-401 model; `--inject
// readonly-dst` gives the data write error and an arm-smmu permission write fault logged as Linux 6.12 logs it, with
// the faulting channel's stream ID; `log --smmu` names the device and the channel.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { createSimBoundary } from "../../src/sim/index.ts";
import { JUNO_DMA, JUNO_R2 } from "../fixtures/juno-r2-board.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

let state: { dir: string; dispose: () => void };
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, { env });

beforeAll(() => {
  state = tempSimState("vfio-plat-juno-");
  createSimBoundary({ stateDir: state.dir, os: createRealBoundary(), board: JUNO_R2 }).dispose();
  env = simEnv(state.dir);
});
afterAll(() => state.dispose());

/** The three dev_err lines of arm_smmu_print_context_fault_info for a write permission fault at stage 1, level 3. */
function contextFaultLines(sid: number, iova: string): string[] {
  return [
    `arm-smmu 7fb00000.iommu: Unhandled context fault: fsr=0x408, iova=${iova}, fsynr=0x13, cbfrsynra=0x${sid.toString(16)}, cb=0`,
    `arm-smmu 7fb00000.iommu: FSR    = 00000408 [Format=2 PF], SID=0x${sid.toString(16)}`,
    "arm-smmu 7fb00000.iommu: FSYNR0 = 00000013 [S1CBNDX=0 WNR PLVL=3]",
  ];
}

describe("a PL330 behind an MMU-401 (Juno r2 fixture)", () => {
  test("list: on amba with dma-pl330, behind 7fb00000.iommu in one group with 9 stream IDs", () => {
    const r = cli("list");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^7ff00000\.dma-controller +amba +dma-pl330 +0 +- +arm,pl330\|arm,primecell/m);
    expect(r.stdout).toContain("7ff00000.dma-controller: behind 7fb00000.iommu, group 0, 9 stream IDs (0x0 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8)\n");
    const d = JSON.parse(cli("list", "--json").stdout).devices.find((x: { name: string }) => x.name === JUNO_DMA);
    expect(d).toMatchObject({ bus: "amba", driver: "dma-pl330", iommu_group: 0, iommu: { name: "7fb00000.iommu", stream_ids: [0, 1, 2, 3, 4, 5, 6, 7, 8] } });
  });

  test("bind, then a copy is verified through the SMMU", () => {
    expect(cli("bind", JUNO_DMA).code).toBe(0);
    const r = cli("dma-test", JUNO_DMA, "--size", "1M");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 MiB copied and verified on 7ff00000\.dma-controller channel 0 .* 0 mismatches/);
    expect(cli("log", "--smmu").stdout).toBe("");
  });

  test("info: the MMU-401 domain's page sizes and IOVA ranges (type1), and the IOAS's alignment and ranges (iommufd)", () => {
    const ranges = "IOVA ranges 0x0-0x7ffffff, 0x8100000-0xffffffffff";
    expect(cli("info", JUNO_DMA).stdout).toEndWith(`  IOMMU: page sizes 4K 2M 1G (0x40201000); ${ranges}\n`);
    const doc = JSON.parse(cli("info", JUNO_DMA, "--json").stdout);
    expect(doc.iommu).toEqual({
      page_sizes: "0x40201000",
      iova_alignment: "0x1000",
      iova_ranges: [
        { start: "0x0", end: "0x7ffffff" },
        { start: "0x8100000", end: "0xffffffffff" },
      ],
    });
    const viaCdev = runCli(["info", JUNO_DMA], { env: simEnv(state.dir, { VFIO_PLAT_IOMMU_MODE: "iommufd" }) });
    expect(viaCdev.stdout).toEndWith(`  IOMMU: IOVA alignment 4K; ${ranges}\n`);
  });

  for (const channel of [0, 5]) {
    test(`--inject readonly-dst on channel ${channel}: data write error and a permission write fault with stream ID ${channel}; log --smmu names the channel`, () => {
      const before = JSON.parse(cli("log", "--smmu", "--json").stdout).records.length;
      const r = cli("dma-test", JUNO_DMA, "--size", "64K", "--inject", "readonly-dst", "--channel", String(channel));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`FTR${channel} 0x00020000: data write error`);
      expect(r.stdout).toContain(`SMMU fault (kernel log): arm-smmu 7fb00000.iommu: permission fault (fsr 0x408: PF): write, data, unprivileged, stream 0x${channel}`);
      expect(r.stdout).toContain("as expected");
      const doc = JSON.parse(cli("log", "--smmu", "--json").stdout);
      const lines = doc.records.slice(before).map((x: { message: string }) => x.message);
      const iova = /iova=(0x[0-9a-f]+)/.exec(lines[0])?.[1] ?? "?";
      expect(lines).toEqual(contextFaultLines(channel, iova));
      expect(doc.records.slice(before).map((x: { level: number }) => x.level)).toEqual([3, 3, 3]); // dev_err
      expect(doc.faults.at(-1)).toMatchObject({ smmu: "7fb00000.iommu", kind: "permission", stream_id: channel, access: "write", device: JUNO_DMA, thread: `channel ${channel}` });
      const text = cli("log", "--smmu").stdout.trim().split("\n");
      expect(text.at(-1)).toBe(
        `fault: arm-smmu 7fb00000.iommu: permission fault (fsr 0x408: PF): write, data, unprivileged, stream 0x${channel}, iova ${iova}, cb 0 — ${JUNO_DMA} channel ${channel}`,
      );
    });
  }
});

describe("a channel's instruction fetch carries the channel's stream ID", () => {
  test("--inject unmapped-program on channel 6: a privileged instruction translation fault with SID 6, named channel 6", () => {
    const before = JSON.parse(cli("log", "--smmu", "--json").stdout).records.length;
    const r = cli("dma-test", JUNO_DMA, "--size", "4K", "--inject", "unmapped-program", "--channel", "6");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FTR6 0x00010000: instruction fetch error");
    const doc = JSON.parse(cli("log", "--smmu", "--json").stdout);
    const [first, fsr, fsynr] = doc.records.slice(before).map((x: { message: string }) => x.message);
    expect(first).toMatch(/^arm-smmu 7fb00000\.iommu: Unhandled context fault: fsr=0x402, iova=0x[0-9a-f]{8,}, fsynr=0x6[0-3], cbfrsynra=0x6, cb=0$/);
    expect(fsr).toBe("arm-smmu 7fb00000.iommu: FSR    = 00000402 [Format=2 TF], SID=0x6");
    expect(fsynr).toMatch(/^arm-smmu 7fb00000\.iommu: FSYNR0 = 0000006[0-3] \[S1CBNDX=0 IND PNU PLVL=[0-3]\]$/);
    expect(doc.faults.at(-1)).toMatchObject({ kind: "translation", stream_id: 6, access: "read", device: JUNO_DMA, thread: "channel 6" });
  });
});
