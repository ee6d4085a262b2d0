// Boards from real device trees: every arm/juno*.dtb and rockchip/rk3399*.dtb the kernel tree builds, and QEMU's
// dumpdtb of the lab's machine, built by scripts/boards/dtbs.ts (cached; built here on first use when the kernel
// tarball, cpp, dtc and QEMU are installed). In CI (CI=true) the DTBs must be there: their absence fails.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import type { BoardSpec, DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import { VIRT_NOIOMMU } from "../../src/sim/boards/virt.ts";
import { builtDtbDir, dtbToolsPresent, ensureDtbs, listDtbs, QEMU_VIRT_DTB } from "../../scripts/boards/dtbs.ts";

const inCi = process.env.CI === "true";
const available = builtDtbDir() !== undefined || dtbToolsPresent();
let dir = "";

function dev(b: BoardSpec, name: string): DeviceSpec {
  const d = b.devices.find((x) => x.name === name);
  if (!d) throw new Error(`no ${name} on ${b.name}`);
  return d;
}

test.skipIf(available || !inCi)("CI has the real DTBs (run bun scripts/boards/dtbs.ts --install)", () => {
  throw new Error("the real DTBs are not built and cannot be: install linux-source-6.12, cpp, device-tree-compiler, qemu-system-arm");
});

describe.skipIf(!available)("real DTBs from the kernel tree and QEMU (a skip means no linux-source-6.12, cpp, dtc or QEMU here)", () => {
  beforeAll(() => {
    dir = ensureDtbs();
  }, 600_000);

  test("every Juno and RK3399 DTB the kernel tree builds loads as a board", () => {
    const files = [...listDtbs(dir, "arm").filter((f) => /\/juno[^/]*\.dtb$/.test(f)), ...listDtbs(dir, "rockchip").filter((f) => /\/rk3399[^/]*\.dtb$/.test(f))];
    expect(files.filter((f) => f.includes("/juno")).length).toBeGreaterThanOrEqual(6);
    expect(files.filter((f) => f.includes("/rk3399")).length).toBeGreaterThanOrEqual(40);
    for (const f of files) {
      const b = boardSpecOf(f);
      expect(b.devices.length, f).toBeGreaterThan(10);
      expect(b.devices.some((d) => d.model === "pl330"), f).toBe(true);
      expect(new Set(b.devices.map((d) => d.name)).size, f).toBe(b.devices.length);
    }
  });

  test("juno-r2: the PL330 on amba, dma-pl330, behind 7fb00000.iommu with 9 stream IDs in one group", () => {
    const b = boardSpecOf(join(dir, "arm/juno-r2.dtb"));
    const dma = dev(b, "7ff00000.dma-controller");
    expect(dma).toMatchObject({ bus: "amba", nativeDriver: "dma-pl330", model: "pl330", compatible: ["arm,pl330", "arm,primecell"] });
    expect(dma.iommu).toEqual({ smmu: "7fb00000.iommu", streamIds: [0, 1, 2, 3, 4, 5, 6, 7, 8] });
    expect(dma.irqs).toEqual([88, 89, 90, 91, 92, 108, 109, 110, 111].map((spi) => ({ trigger: "level", hwirq: 32 + spi })));
    expect(dma.regions).toEqual([{ base: 0x7ff00000n, size: 0x1000 }]);
    const group = dma.iommuGroup!;
    expect(b.devices.filter((d) => d.iommuGroup === group)).toEqual([dma]);
    const smmu = b.smmus!.find((s) => s.name === "7fb00000.iommu")!;
    expect(smmu).toMatchObject({ compatible: ["arm,mmu-401", "arm,smmu-v1"], coherentWalk: true });
    expect(smmu.profile).toMatch(/^mmu401-/);
    expect(b.iommu).toBe("arm-smmu");
    expect(b.smmu?.name).toBe("7fb00000.iommu");
    // The disabled MMU-400 at 2b400000 is no device and no IOMMU.
    expect(b.devices.some((d) => d.name === "2b400000.iommu")).toBe(false);
    expect(dev(b, "7ff80000.serial").console).toBe("ttyAMA0");
  });

  test("rk3399-rockpro64: both PL330s with two interrupts each and no IOMMU group", () => {
    const b = boardSpecOf(join(dir, "rockchip/rk3399-rockpro64.dtb"));
    for (const [name, spis] of [["ff6d0000.dma-controller", [5, 6]], ["ff6e0000.dma-controller", [7, 8]]] as const) {
      const d = dev(b, name);
      expect(d).toMatchObject({ bus: "amba", nativeDriver: "dma-pl330", model: "pl330" });
      expect(d.irqs).toEqual(spis.map((spi) => ({ trigger: "level", hwirq: 32 + spi })));
      expect(d.iommuGroup).toBeUndefined();
      expect(d.modelOptions).toMatchObject({ eventIrqLines: 1, periphBurst: true });
    }
  });

  // QEMU's tree of the lab's machine against the built-in board. Differences, and why (docs/boards.md):
  // - the built-in boards add a PL330 (2c0a0000.dma) QEMU does not have, and "virt" has the edu PCI function (PCI is
  //   enumerated, not in the tree);
  // - the built-in "virt" puts its platform devices behind the SMMUv3 (groups 1-5) for rehearsal; QEMU routes only
  //   PCIe through it (iommu-map), so from the tree they have no IOMMU, as on the lab's real kernel: the tree's
  //   board is compared with virt-noiommu (no IOMMU, noiommu mode), device by device;
  // - QEMU has 32 virtio-mmio transports, a PL061, fw-cfg, flash, the PCIe host, PSCI, PMU, timer and gpio-keys
  //   nodes that the built-in boards leave out (the lab's kernel lists them too).
  test("QEMU's dumpdtb of the lab machine: every built-in virt device QEMU has is identical", () => {
    const b = boardSpecOf(join(dir, QEMU_VIRT_DTB));
    expect(b.iommu).toBe(VIRT_NOIOMMU.iommu);
    expect(b.cmdline).toEqual(VIRT_NOIOMMU.cmdline);
    expect(b.pageSize).toBe(VIRT_NOIOMMU.pageSize);
    const shared = VIRT_NOIOMMU.devices.filter((d) => d.name !== "2c0a0000.dma");
    expect(shared.length).toBe(5);
    for (const want of shared) {
      // The built-in board plugs a disk into the transport a -device virtio-blk-device fills; the tree's is empty.
      const { modelOptions, ...rest } = want;
      if (modelOptions?.["device"] === "blk") expect(dev(b, want.name)).toEqual({ ...rest, nativeProbeError: "ENODEV" });
      else expect(dev(b, want.name)).toEqual(want);
    }
    expect(b.devices.some((d) => d.name === "2c0a0000.dma")).toBe(false);
    expect(b.devices.filter((d) => d.model === "virtio-mmio").length).toBe(32);
    expect(dev(b, "9050000.smmuv3").nativeDriver).toBe("arm-smmu-v3");
  });
});
