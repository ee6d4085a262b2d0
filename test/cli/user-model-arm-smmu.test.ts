// A user's device model behind an ARM SMMU architecture v1/v2 (an MMU-401, stage 1) from a board file: its DMA is
// translated by the arm-smmu model, and a fault is logged as Linux 6.12's arm-smmu driver logs an unhandled context
// fault, with the stream ID the board gives the device first (DeviceSpec.iommu.streamIds[0] = 5 here).
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, runCli, simEnv, tempSimState } from "../helpers/cli.ts";
import { COPY_ENGINE } from "../helpers/user-model-board.ts";

const BOARD = "examples/copy-engine/board-mmu401.json";
const state = tempSimState();
afterAll(() => state.dispose());
const cli = (...args: string[]) => runCli(args, { env: simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: BOARD }) });

describe("the copy engine behind an MMU-401 (board file with smmus + the device's iommu)", () => {
  test("list names the arm-smmu and both stream IDs of the master; bind hands it to vfio-platform", () => {
    const list = cli("list");
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${COPY_ENGINE}: behind 7fb00000.iommu, group 6, 2 stream IDs (0x5 0x6)`);
    const r = cli("bind", COPY_ENGINE);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`${COPY_ENGINE}: bound to vfio-platform (was unbound), group 6`);
  });

  test("copy.run: the copy is translated by the MMU-401 and verified; no fault is logged", () => {
    const r = cli("run", COPY_ENGINE, join(REPO, "examples/copy-engine/copy.run"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("dma dst: incrementing, 4096 bytes at offset 0x0 as expected");
    expect(cli("log").stdout).not.toContain("Unhandled context fault");
  });

  test("fault.run: the unmapped destination is an arm-smmu context fault (translation, write) on stream ID 5", () => {
    const r = cli("run", COPY_ENGINE, join(REPO, "examples/copy-engine/fault.run"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const latched = /0:0x00000020\.l = (0x[0-9a-f]+) as expected/.exec(r.stdout);
    expect(latched).not.toBeNull();
    const iova = BigInt(latched![1]!);
    const log = cli("log");
    expect(log.code).toBe(0);
    const line = /arm-smmu 7fb00000\.iommu: Unhandled context fault: fsr=0x([0-9a-f]+), iova=0x([0-9a-f]+), fsynr=0x([0-9a-f]+), cbfrsynra=0x([0-9a-f]+), cb=\d+/.exec(log.stdout);
    expect(line).not.toBeNull();
    expect(BigInt(`0x${line![2]}`)).toBe(iova);
    expect(parseInt(line![4]!, 16)).toBe(5); // the device's first stream ID, not the second nor 0
    expect(parseInt(line![1]!, 16) & 0x2).toBe(0x2); // FSR.TF: a translation fault
    expect(parseInt(line![3]!, 16) & 0x10).toBe(0x10); // FSYNR0.WNR: a write
    expect(log.stdout).toContain("arm-smmu 7fb00000.iommu: FSR    = ");
    expect(log.stdout).toContain("SID=0x5");
    const decoded = cli("log", "--smmu");
    expect(decoded.code).toBe(0);
    expect(decoded.stdout).toContain("arm-smmu 7fb00000.iommu: translation fault");
    expect(decoded.stdout).toContain("write, data, unprivileged, stream 0x5");
    expect(decoded.stdout).toContain(COPY_ENGINE);
  });
});
