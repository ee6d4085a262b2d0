// The ARM SMMU architecture v1/v2 on a board that lists its SMMUs (a Juno r2-shaped fixture): one IOMMU group per
// master holding all its stream IDs, different SMMUs in different groups, type1 and iommufd info as Linux 6.12's
// arm-smmu presents a domain (page sizes from the SMMU's formats and the CPU page, IOVA ranges from the input size with
// the MSI window at 0x8000000 + 1 MiB carved out), and the sysfs view of which SMMU a device sits behind.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withIommuGroups, BoardIommuError } from "../../src/sim/boards/board-iommu.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { beCells, deviceIommu } from "../../src/host/device-iommu.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { Ratelimit } from "../../src/sim/kernel/dev-printk.ts";
import { Smmu } from "../../src/sim/iommu/smmu.ts";
import { domainPgsizes, smmuConfig, type1Pgsizes } from "../../src/sim/iommu/smmu-profile.ts";
import { StateDamagedError } from "../../src/sim/state/state-errors.ts";
import { StateStore } from "../../src/sim/state/state-store.ts";
import { Type1Domain } from "../../src/sim/vfio/type1-domain.ts";
import { openDevice } from "../../src/vfio/session.ts";
import { JUNO_DMA, JUNO_DMA_SMMU, JUNO_HDLCD1_SMMU, JUNO_R2 } from "../fixtures/juno-r2-board.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { MASTER_MODEL } from "../helpers/sim-smmu.ts";

const HDLCD = "7ff50000.hdlcd";
/** Juno plus an HDLCD-like bus master behind the second MMU-401 (stream ID 0 there too). */
const JUNO_2SMMU: BoardSpec = {
  ...JUNO_R2,
  devices: [
    ...JUNO_R2.devices,
    {
      name: HDLCD,
      bus: "platform",
      compatible: ["arm,hdlcd"],
      regions: [{ base: 0x7ff5_0000n, size: 0x1000 }],
      irqs: [{ trigger: "level", hwirq: 93 + 32 }],
      model: MASTER_MODEL,
      iommu: { smmu: JUNO_HDLCD1_SMMU, streamIds: [0] },
    },
  ],
};

let t: TestBoard | undefined;
afterEach(() => {
  t?.dispose();
  t = undefined;
});

function bind(name: string, bus: "amba" | "platform"): void {
  const dir = `/sys/bus/${bus}/devices/${name}`;
  t!.b.fs.writeFile(`${dir}/driver_override`, bus === "amba" ? "vfio-amba\n" : "vfio-platform\n");
  if (t!.b.fs.exists(`${dir}/driver`)) t!.b.fs.writeFile(`${dir}/driver/unbind`, name);
  t!.b.fs.writeFile(`/sys/bus/${bus}/drivers_probe`, name);
}

describe("groups on a board with smmus", () => {
  test("every master behind an SMMU gets a group of its own, numbered in board order; a device without iommus none", () => {
    const board = withIommuGroups(JUNO_2SMMU);
    expect(board.devices.map((d) => [d.name, d.iommuGroup])).toEqual([
      ["7ff80000.serial", undefined],
      [JUNO_DMA, 0],
      [HDLCD, 1],
    ]);
    t = makeSimBoard(JUNO_2SMMU);
    expect(t.b.fs.readdir("/sys/kernel/iommu_groups").sort()).toEqual(["0", "1"]);
    expect(t.b.fs.readdir("/sys/kernel/iommu_groups/0/devices")).toEqual([JUNO_DMA]);
    expect(t.b.fs.readdir("/sys/kernel/iommu_groups/1/devices")).toEqual([HDLCD]);
  });

  test("sysfs says which SMMU and which stream IDs: the iommu link and of_node/iommus, read back by the host layer", () => {
    t = makeSimBoard(JUNO_2SMMU);
    expect(t.b.fs.readlink(`/sys/bus/amba/devices/${JUNO_DMA}/iommu`)).toBe(`../${JUNO_DMA_SMMU}/iommu/smmu.0x000000007fb00000`);
    const dma = deviceIommu(t.b, `/sys/bus/amba/devices/${JUNO_DMA}`)!;
    expect(dma).toMatchObject({ name: JUNO_DMA_SMMU, streamIds: [0, 1, 2, 3, 4, 5, 6, 7, 8], coherentWalk: true });
    expect(deviceIommu(t.b, `/sys/bus/platform/devices/${HDLCD}`)).toMatchObject({ name: JUNO_HDLCD1_SMMU, streamIds: [0], coherentWalk: false });
    expect(deviceIommu(t.b, "/sys/bus/amba/devices/7ff80000.serial")).toBeUndefined();
    expect(listDevices(t.b).find((d) => d.name === JUNO_DMA)).toMatchObject({ iommuGroup: 0, iommu: { name: JUNO_DMA_SMMU } });
  });

  test("a device naming an SMMU the board lacks is refused before any state exists", () => {
    const bad: BoardSpec = { ...JUNO_R2, devices: JUNO_R2.devices.map((d) => (d.iommu ? { ...d, iommu: { smmu: "2b600000.iommu", streamIds: [0] } } : d)) };
    expect(() => withIommuGroups(bad)).toThrow(BoardIommuError);
    expect(() => withIommuGroups(bad)).toThrow("devices[1].iommu.smmu is '2b600000.iommu', expected one of the board's smmus (7fb00000.iommu, 7fb10000.iommu)");
    const noIds: BoardSpec = { ...JUNO_R2, devices: JUNO_R2.devices.map((d) => (d.iommu ? { ...d, iommu: { smmu: JUNO_DMA_SMMU, streamIds: [] } } : d)) };
    expect(() => withIommuGroups(noIds)).toThrow("devices[1].iommu.streamIds is [], expected one or more 16-bit stream IDs");
  });
});

describe("IOMMU_CAP_CACHE_COHERENCY (vfio registers a device behind an IOMMU only with it)", () => {
  test("behind the non-coherent 7fb10000.iommu a non-coherent master cannot bind to VFIO (EINVAL); a dma-coherent one can", () => {
    const coherentTwin = { ...JUNO_2SMMU.devices[2]!, name: "7ff60000.hdlcd", regions: [{ base: 0x7ff6_0000n, size: 0x1000 }], dmaCoherent: true };
    t = makeSimBoard({ ...JUNO_2SMMU, devices: [...JUNO_2SMMU.devices, coherentTwin] });
    bind(HDLCD, "platform"); // drivers_probe succeeds even when the probe fails, as on Linux
    expect(t.b.fs.exists(`/sys/bus/platform/devices/${HDLCD}/driver`)).toBe(false);
    expect(t.b.fs.readRecords("/dev/kmsg").at(-1)).toMatch(/^3,\d+,\d+,-;vfio-platform 7ff50000\.hdlcd: probe with driver vfio-platform failed with error -22$/);
    bind("7ff60000.hdlcd", "platform");
    expect(t.b.fs.readlink("/sys/bus/platform/devices/7ff60000.hdlcd/driver")).toEndWith("/vfio-platform");
    // The PL330 is not dma-coherent either, but 7fb00000.iommu walks coherently.
    bind(JUNO_DMA, "amba");
    expect(t.b.fs.readlink(`/sys/bus/amba/devices/${JUNO_DMA}/driver`)).toEndWith("/vfio-amba");
  });
});

describe("domain page sizes and input sizes (arm_smmu_init_domain_context + io-pgtable-arm + vfio type1)", () => {
  test("the granule is the CPU page when the SMMU has it, else the largest smaller one", () => {
    const mmu401 = 0x1000n | 0x20_0000n | 0x4000_0000n | 0x1_0000n | 0x2000_0000n;
    expect(domainPgsizes(mmu401, 4096)).toBe(0x4020_1000n);
    expect(domainPgsizes(mmu401, 65536)).toBe(0x2001_0000n);
    expect(domainPgsizes(mmu401, 16384)).toBe(0x4020_1000n); // no 16K granule: 4K is the largest below
    expect(domainPgsizes(0x1_0000n | 0x2000_0000n, 4096)).toBe(0x2001_0000n); // only larger: the smallest of them
    // type1 folds sizes below the CPU page into it.
    expect(type1Pgsizes(0x4020_1000n, 65536)).toBe(0x4021_0000n);
    expect(type1Pgsizes(0x2001_0000n, 65536)).toBe(0x2001_0000n);
  });

  test("per profile: MMU-401 40-bit stage 1; MMU-400 AArch32 tables cap stage 1 at 32 bits; MMU-500 48", () => {
    expect(smmuConfig({ profile: "mmu401-s1", name: "x" }, 4096, "b")).toMatchObject({ ias: 40, pgsizes: 0x4020_1000n });
    expect(smmuConfig({ profile: "mmu400-s1", name: "x" }, 4096, "b")).toMatchObject({ ias: 32, pgsizes: 0x4020_1000n });
    expect(smmuConfig({ profile: "mmu400-s1", name: "x" }, 65536, "b")).toMatchObject({ pgsizes: 0x4020_1000n });
    expect(smmuConfig({ profile: "mmu500-s1", name: "x" }, 16384, "b")).toMatchObject({ ias: 48, pgsizes: 0x200_4000n });
    expect(smmuConfig({ profile: "smmuv2-s1", name: "x", ias: 44 }, 4096, "b")).toMatchObject({ ias: 44 });
  });

  for (const [label, pageSize, pgsizes] of [
    ["4 KiB", 4096, 0x4020_1000n],
    ["64 KiB", 65536, 0x2001_0000n],
  ] as const) {
    test(`type1 GET_INFO on the Juno fixture (${label} pages): iova_pgsizes ${pgsizes.toString(16)}, ranges up to 2^40 minus the MSI window`, () => {
      t = makeSimBoard({ ...JUNO_R2, pageSize });
      bind(JUNO_DMA, "amba");
      const s = openDevice(t.b, { sysfsPath: `/sys/bus/amba/devices/${JUNO_DMA}`, name: JUNO_DMA, iommuMode: "group" });
      try {
        const info = s.container!.iommuInfo();
        expect(info.pageSizes).toBe(pgsizes);
        expect(info.iovaRanges).toEqual([
          { start: 0n, end: 0x7ff_ffffn },
          { start: 0x810_0000n, end: (1n << 40n) - 1n },
        ]);
      } finally {
        s.close();
      }
    });
  }

  test("iommufd: IOAS_IOVA_RANGES once the Juno PL330 is attached: the same ranges, alignment the domain's smallest page", () => {
    t = makeSimBoard({ ...JUNO_R2, smmus: [{ ...JUNO_R2.smmus![0]!, profile: "mmu400-s1" }, JUNO_R2.smmus![1]!] });
    bind(JUNO_DMA, "amba");
    const s = openDevice(t.b, { sysfsPath: `/sys/bus/amba/devices/${JUNO_DMA}`, name: JUNO_DMA, iommuMode: "iommufd" });
    try {
      const r = s.ioas!.iovaRanges();
      expect(r.alignment).toBe(0x1000n);
      expect(r.ranges).toEqual([
        { start: 0n, end: 0x7ff_ffffn },
        { start: 0x810_0000n, end: 0xffff_ffffn },
      ]);
    } finally {
      s.close();
    }
  });
});

describe("arm_smmu_context_fault's rate limit is one static state for every SMMU the driver owns", () => {
  test("six faults on each of two MMU-401s: ten reach the log, then the rest are suppressed", () => {
    const printed: string[] = [];
    const shared = new Map<string, Ratelimit>();
    const host = {
      printk: (records: { message: string }[]) => printed.push(...records.map((r) => r.message)),
      nowMs: () => 1000,
      memoryAt: () => new Uint8Array(0),
      isMapped: () => false,
      ratelimit: (func: string) => shared.get(func) ?? shared.set(func, new Ratelimit(func)).get(func)!,
    };
    const smmus = JUNO_R2.smmus!.map((s) => new Smmu(smmuConfig(s, 4096, "juno"), host));
    const tables = smmus.map(() => new Type1Domain(() => 100, 40));
    for (let i = 0; i < 6; i++) {
      smmus.forEach((s, j) => s.domainFor(tables[j]!).access({ address: 0x10_0000n, length: 4, write: true, instruction: false, privileged: false, nonSecure: true, streamId: 0 }));
    }
    const logged = smmus.flatMap((s) => s.faults.map((f) => f.logged));
    expect(logged.filter(Boolean).length).toBe(10);
    expect(printed.filter((l) => l.includes("Unhandled context fault")).length).toBe(10);
    expect(printed.filter((l) => l.startsWith("arm-smmu 7fb10000.iommu: Unhandled")).length).toBe(5); // interleaved
  });
});

describe("board.json keeps the SMMU topology, and a damaged one is named", () => {
  const DAMAGE: [string, (s: Record<string, any>) => void, string][] = [
    ["an unknown IOMMU kind", (s) => (s.board.iommu = "hypervisor"), 'board.iommu is "hypervisor", expected one of smmuv3, arm-smmu, none'],
    ["an unknown SMMU profile", (s) => (s.board.smmus[0].profile = "mmu-999"), 'board.smmus[0].profile is "mmu-999"'],
    ["a coherentWalk that is no boolean", (s) => (s.board.smmus[1].coherentWalk = "yes"), "board.smmus[1].coherentWalk is a string, expected true or false"],
    ["a device naming an SMMU the board lacks", (s) => (s.board.devices[1].iommu.smmu = "2b600000.iommu"), 'iommu.smmu is "2b600000.iommu", expected one of board.smmus'],
    ["a stream ID past 16 bits", (s) => (s.board.devices[1].iommu.streamIds[8] = 70000), "iommu.streamIds[8] is 70000, expected an integer 0..65535"],
    ["no stream IDs", (s) => (s.board.devices[1].iommu.streamIds = []), "iommu.streamIds is empty"],
  ];
  for (const [what, edit, says] of DAMAGE) {
    test(`${what}: StateDamagedError naming it`, () => {
      const dir = mkdtempSync(join(tmpdir(), "vfio-plat-smmu-state-"));
      try {
        const store = new StateStore(dir);
        store.ensure(withIommuGroups(JUNO_R2));
        expect(new StateStore(dir).read().board.smmus?.map((s) => s.name)).toEqual([JUNO_DMA_SMMU, JUNO_HDLCD1_SMMU]);
        const s = JSON.parse(readFileSync(store.file, "utf8"));
        edit(s);
        writeFileSync(store.file, JSON.stringify(s));
        let err: unknown;
        try {
          new StateStore(dir).read();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(StateDamagedError);
        expect((err as StateDamagedError).detail).toContain(says);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

test("DT cells: big-endian bytes; text that cannot be raw bytes (a UTF-8 decoded read) gives no cells rather than wrong ones", () => {
  expect(beCells("\x00\x00\x00\x2a\x00\x00\x04\x80")).toEqual([0x2a, 0x480]);
  expect(beCells("\x00\x00\x04\ufffd")).toBeUndefined();
  expect(beCells("\x00\x00\x04")).toBeUndefined();
  expect(beCells("")).toEqual([]);
});
