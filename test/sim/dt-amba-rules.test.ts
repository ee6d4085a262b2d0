// The AMBA rules of a device-tree board, checked against what Linux 6.12 gives (drivers/of/platform.c,
// drivers/amba/bus.c, drivers/vfio/platform/vfio_amba.c): an AMBA device is VFIO region 0 only and at most 9
// interrupts, a PrimeCell node whose reg does not translate is no device; and interrupt flags 0 (IRQ_TYPE_NONE) give an
// edge line (vfio-platform masks only level ones). Fixture: test/fixtures/dt/amba-rules.dts (needs dtc).
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import type { BoardSpec, DeviceSpec } from "../../src/sim/boards/board-spec.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/dt/amba-rules.dts");
const dtc = Bun.which("dtc") !== null;

function dev(b: BoardSpec, name: string): DeviceSpec {
  const d = b.devices.find((x) => x.name === name);
  if (!d) throw new Error(`no ${name} in ${b.devices.map((x) => x.name).join(", ")}`);
  return d;
}

describe.skipIf(!dtc)("AMBA devices and IRQ_TYPE_NONE on a device-tree board (amba-rules.dts; needs dtc)", () => {
  const b = () => boardSpecOf(FIXTURE);

  test("an AMBA device has reg[0] only (vfio-amba's one resource); a platform device keeps every reg", () => {
    expect(dev(b(), "3000.dma").regions).toEqual([{ base: 0x3000n, size: 0x1000 }]);
    expect(dev(b(), "5000.timer").regions.map((g) => g.base)).toEqual([0x5000n, 0xa000n]);
  });

  test("an AMBA device has at most AMBA_NR_IRQS = 9 interrupts, the first nine of the node's", () => {
    const irqs = dev(b(), "3000.dma").irqs;
    expect(irqs.map((i) => i.hwirq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => 32 + n));
    // The PL330 model sizes its event lines from them: irq_abort plus 8 event lines.
    expect(dev(b(), "3000.dma").modelOptions?.["eventIrqLines"]).toBe(8);
  });

  test("a PrimeCell node without a translatable reg is no device (of_amba_device_create gives up)", () => {
    const names = b().devices.map((d) => d.name);
    expect(names.some((n) => n.includes("noreg"))).toBe(false);
    expect(names).toContain("4000.watchdog");
  });

  test("flags 0 (IRQ_TYPE_NONE) and edge flags give edge lines, level flags level ones", () => {
    expect(dev(b(), "5000.timer").irqs).toEqual([
      { trigger: "edge", hwirq: 32 + 20 }, // 0: IRQ_TYPE_NONE
      { trigger: "edge", hwirq: 32 + 21 }, // 1: IRQ_TYPE_EDGE_RISING
      { trigger: "level", hwirq: 32 + 22 }, // 8: IRQ_TYPE_LEVEL_LOW
    ]);
    // A one-cell controller's specifier carries no flags: NONE, an edge line.
    expect(dev(b(), "7000.dev").irqs).toEqual([{ trigger: "edge", hwirq: 5 }]);
  });
});

describe("the SMMU profile an arm,mmu-400 node gets (docs/boards.md)", () => {
  test("MMU-400 is an SMMU v1 (arm-smmu's ARM_SMMU_V1): mmu400-s1, AArch32 long-descriptor tables, not an SMMUv2 profile", async () => {
    const { smmuProfileOf } = await import("../../src/sim/boards/device-tree/dt-iommu.ts");
    const { SMMU_PROFILES } = await import("../../src/sim/iommu/smmu-profile.ts");
    expect(smmuProfileOf(["arm,mmu-400", "arm,smmu-v1"])).toBe("mmu400-s1");
    expect(SMMU_PROFILES["mmu400-s1"].format).toBe("aarch32-l");
    const doc = await Bun.file(join(import.meta.dir, "../../docs/boards.md")).text();
    expect(doc).toContain("`arm,mmu-400` -> `mmu400-s1`");
    expect(doc).not.toMatch(/mmu-400`? -> an SMMUv2/);
  });
});
