// The ARM SMMU v1/v2 through the CLI on the REAL Juno r2 device tree (the kernel's arm/juno-r2.dtb, built by
// scripts/boards/dtbs.ts; CI builds it, and dt-real-boards.test.ts fails CI when it is missing): the steps of
// arm-smmu.test.ts (a Juno-shaped fixture) on the tree itself: list, bind, a 64 MiB copy verified through the MMU-401
// model, --inject readonly-dst with channel 0's stream ID in Linux 6.12's context-fault lines, log --smmu, info, doctor.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { builtDtbDir } from "../../scripts/boards/dtbs.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const dtbs = builtDtbDir();
const DMA = "7ff00000.dma-controller";
const SMMU = "7fb00000.iommu";
let state: { dir: string; dispose: () => void };
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, { env });

describe.skipIf(!dtbs)("the real juno-r2.dtb on the CLI (a skip means the DTBs are not built: bun scripts/boards/dtbs.ts)", () => {
  beforeAll(() => {
    state = tempSimState("vfio-plat-juno-real-");
    env = simEnv(state.dir, { VFIO_PLAT_SIM_BOARD: join(dtbs!, "arm/juno-r2.dtb") });
  });
  afterAll(() => state.dispose());

  test("list: the PL330 on amba with dma-pl330, behind 7fb00000.iommu, alone in its group with 9 stream IDs", () => {
    const r = cli("list");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const row = r.stdout.split("\n").find((l) => l.startsWith(`${DMA} `))!;
    const [, bus, driver, group, node, compatible] = row.trim().split(/\s+/);
    expect([bus, driver, node, compatible]).toEqual(["amba", "dma-pl330", "-", "arm,pl330|arm,primecell"]);
    expect(r.stdout).toContain(`${DMA}: behind ${SMMU}, group ${group}, 9 stream IDs (0x0 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8)\n`);
    const doc = JSON.parse(cli("list", "--json").stdout);
    const d = doc.devices.find((x: { name: string }) => x.name === DMA);
    expect(d).toMatchObject({ bus: "amba", driver: "dma-pl330", iommu_group: Number(group), iommu: { name: SMMU, stream_ids: [0, 1, 2, 3, 4, 5, 6, 7, 8] } });
    expect(doc.devices.filter((x: { iommu_group: number | null }) => x.iommu_group === Number(group)).length).toBe(1);
    // The MMU-401s are devices of their own, bound to arm-smmu; the disabled MMU-400 (2b400000) is absent.
    const names = doc.devices.map((x: { name: string }) => x.name);
    expect(doc.devices.find((x: { name: string }) => x.name === SMMU)).toMatchObject({ bus: "platform", driver: "arm-smmu" });
    expect(names).not.toContain("2b400000.iommu");
  }, 30_000);

  test("bind, then a 64 MiB copy is verified through the MMU-401 model and logs no fault", () => {
    const b = cli("bind", DMA);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain("(was dma-pl330)");
    const r = cli("dma-test", DMA, "--size", "64M");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/64 MiB copied and verified on 7ff00000\.dma-controller channel 0 .* 0 mismatches/);
    expect(cli("log", "--smmu").stdout).toBe("");
  }, 30_000);

  test("info: the nine level interrupts, and the MMU-401 domain's page sizes and IOVA ranges (type1 and iommufd)", () => {
    const info = cli("info", DMA).stdout;
    expect(info).toContain("9 interrupt(s)");
    expect(info.match(/ level /g)?.length).toBe(9);
    // 40-bit input addresses (IAS of the MMU-401's stage 1 on Juno), minus the software MSI window at 0x8000000.
    const ranges = "IOVA ranges 0x0-0x7ffffff, 0x8100000-0xffffffffff";
    expect(info).toEndWith(`  IOMMU: page sizes 4K 2M 1G (0x40201000); ${ranges}\n`);
    const viaCdev = runCli(["info", DMA], { env: { ...env, VFIO_PLAT_IOMMU_MODE: "iommufd" } });
    expect(viaCdev.stdout).toEndWith(`  IOMMU: IOVA alignment 4K; ${ranges}\n`);
  }, 30_000);

  test("--inject readonly-dst: data write error and an arm-smmu permission write fault with channel 0's stream ID; log --smmu names channel 0", () => {
    const r = cli("dma-test", DMA, "--size", "64M", "--inject", "readonly-dst");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FTR0 0x00020000: data write error");
    expect(r.stdout).toContain(`SMMU fault (kernel log): arm-smmu ${SMMU}: permission fault (fsr 0x408: PF): write, data, unprivileged, stream 0x0`);
    expect(r.stdout).toContain("as expected");
    const doc = JSON.parse(cli("log", "--smmu", "--json").stdout);
    const lines = doc.records.map((x: { message: string }) => x.message);
    const iova = /iova=(0x[0-9a-f]+)/.exec(lines[0])?.[1] ?? "?";
    expect(lines).toEqual([
      `arm-smmu ${SMMU}: Unhandled context fault: fsr=0x408, iova=${iova}, fsynr=0x13, cbfrsynra=0x0, cb=0`,
      `arm-smmu ${SMMU}: FSR    = 00000408 [Format=2 PF], SID=0x0`,
      `arm-smmu ${SMMU}: FSYNR0 = 00000013 [S1CBNDX=0 WNR PLVL=3]`,
    ]);
    expect(doc.faults).toHaveLength(1);
    expect(doc.faults[0]).toMatchObject({ smmu: SMMU, kind: "permission", stream_id: 0, access: "write", device: DMA, thread: "channel 0" });
    expect(cli("log", "--smmu").stdout.trim().split("\n").at(-1)).toBe(
      `fault: arm-smmu ${SMMU}: permission fault (fsr 0x408: PF): write, data, unprivileged, stream 0x0, iova ${iova}, cb 0 — ${DMA} channel 0`,
    );
  }, 30_000);

  test("doctor: the PL330 is coherent through its IOMMU's table walk; an unprobed HDLCD has no group yet (it joins at its first probe)", () => {
    const dma = cli("doctor", DMA);
    expect(dma.code).toBe(0);
    expect(dma.stdout).toContain(`[ok]   ${DMA} is bound to vfio-amba`);
    expect(dma.stdout).toContain(`[ok]   its IOMMU ${SMMU} walks page tables coherently (dma-coherent on the IOMMU's node)`);
    const hdlcd = cli("doctor", "7ff50000.hdlcd");
    expect(hdlcd.stdout).toContain("[info] 7ff50000.hdlcd shows no IOMMU group yet: its device tree names an IOMMU (iommus)");
    expect(hdlcd.stdout).not.toContain("[FAIL]");
  }, 30_000);

  test("bind of that HDLCD fails as on Linux 6.12: no IOMMU_CAP_CACHE_COHERENCY, -EINVAL, call_driver_probe's dev_err line", () => {
    const r = cli("bind", "7ff50000.hdlcd");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("the probe failed; see dmesg");
    const log = cli("log").stdout.trimEnd().split("\n");
    expect(log.at(-1)).toMatch(/^\[\s*\d+\.\d+\] vfio-platform 7ff50000\.hdlcd: probe with driver vfio-platform failed with error -22$/);
    expect(JSON.parse(cli("list", "--json").stdout).devices.find((d: { name: string }) => d.name === "7ff50000.hdlcd").driver).toBeNull();
    // The probe gave it its group: now doctor sees the SMMU and names the coherency problem.
    expect(cli("doctor", "7ff50000.hdlcd").stdout).toContain("[warn] not marked dma-coherent, and its IOMMU 7fb10000.iommu is not dma-coherent");
  }, 30_000);
});

describe.skipIf(!dtbs)("a board file from juno-r2.dtb (a skip means the DTBs are not built: bun scripts/boards/dtbs.ts)", () => {
  let own: { dir: string; dispose: () => void };
  beforeAll(() => {
    own = tempSimState("vfio-plat-juno-file-");
  });
  afterAll(() => own.dispose());

  test("a 4-channel PL330 with a Secure manager and INS/PNS cleared: info shows it, a copy on channel 3 runs through the SMMU", () => {
    const file = join(own.dir, "juno4.json");
    const pl330 = { channels: 4, managerNonSecure: false, eventsNonSecure: "0x0", peripheralsNonSecure: "0x0" };
    writeFileSync(file, JSON.stringify({ "vfio-plat-board": 1, name: "juno4", from: join(dtbs!, "arm/juno-r2.dtb"), devices: [{ name: DMA, pl330 }] }));
    const e = simEnv(join(own.dir, "state"), { VFIO_PLAT_SIM_BOARD: file });
    expect(runCli(["bind", DMA], { env: e }).code).toBe(0);
    const info = runCli(["info", DMA], { env: e }).stdout;
    expect(info).toContain("PL330 r1p1: 4 channel(s), 32 event(s)");
    expect(info).toContain("manager Secure (DSR.DNS; Secure at reset, CR0), INS 0x00000000 (CR3), PNS 0x00000000 (CR4)");
    // CR0: 4 channels = num_chnls 3 in bits [6:4]; bit 2 (mgr_ns_at_rst) clear.
    const cr0 = Number(runCli(["read", DMA, "0:0xe00"], { env: e }).stdout.trim());
    expect((cr0 >>> 4) & 7).toBe(3);
    expect(cr0 & 4).toBe(0);
    const r = runCli(["dma-test", DMA, "--size", "1M", "--channel", "3"], { env: e });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("4 channels");
    expect(r.stdout).toMatch(/1 MiB copied and verified on 7ff00000\.dma-controller channel 3 .* 0 mismatches/);
    expect(runCli(["dma-test", DMA, "--size", "4K", "--channel", "4"], { env: e }).code).not.toBe(0);
  }, 30_000);

  test("sim-export of the DT board loads back to the same board: list and info equal, export again gives the same bytes", () => {
    const a = simEnv(join(own.dir, "a"), { VFIO_PLAT_SIM_BOARD: join(dtbs!, "arm/juno-r2.dtb") });
    const exported = join(own.dir, "juno-export.json");
    expect(runCli(["sim-export", exported], { env: a }).code).toBe(0);
    const b = simEnv(join(own.dir, "b"), { VFIO_PLAT_SIM_BOARD: exported });
    const again = join(own.dir, "juno-export-2.json");
    expect(runCli(["sim-export", again], { env: b }).code).toBe(0);
    expect(readFileSync(again, "utf8")).toBe(readFileSync(exported, "utf8"));
    expect(runCli(["list"], { env: b }).stdout).toBe(runCli(["list"], { env: a }).stdout);
    for (const e of [a, b]) expect(runCli(["bind", DMA], { env: e }).code).toBe(0);
    expect(runCli(["info", DMA], { env: b }).stdout).toBe(runCli(["info", DMA], { env: a }).stdout);
  }, 30_000);
});

/** Lines that change from run to run: kernel-log timestamps and a copy's duration and rate. */
function steady(line: string): string {
  return line.replace(/^\[\s*\d+\.\d+\] /, "[T] ").replace(/ in [\d.]+ ms \([\d.]+ MiB\/s\)/, " in T");
}

describe.skipIf(!dtbs)("the README's Juno session is real output (a skip means the DTBs are not built: bun scripts/boards/dtbs.ts)", () => {
  test("every command of the block, run on a fresh state, prints what the README shows (timestamps and rates aside)", () => {
    const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
    const first = "  $ D=$(bun scripts/boards/dtbs.ts)";
    const at = readme.indexOf(first);
    expect(at).toBeGreaterThan(0);
    const lines = readme.slice(at).split("\n");
    const block = lines.slice(1, lines.indexOf("  ```")).map((l) => l.slice(2));
    const own = tempSimState("vfio-plat-juno-readme-");
    try {
      const e = simEnv(own.dir);
      const want: string[] = [];
      const got: string[] = [];
      let commands = 0;
      for (const line of block) {
        if (!line.startsWith("$ ")) {
          want.push(steady(line));
          continue;
        }
        const m = /^\$ vfio-plat --sim --sim-state \/tmp\/juno (.*?)(?: \| grep -E '(.*)')?$/.exec(line);
        expect(m, line).not.toBeNull();
        const args = m![1]!.split(" ").map((a) => a.replace("$D", dtbs!));
        const r = runCli(args, { env: e });
        let out = (r.stdout + r.stderr).trimEnd().split("\n");
        if (m![2]) out = out.filter((l) => new RegExp(m![2]!).test(l));
        got.push(...out.map(steady));
        commands++;
      }
      expect(commands).toBe(5);
      expect(got).toEqual(want);
    } finally {
      own.dispose();
    }
  }, 60_000);
});
