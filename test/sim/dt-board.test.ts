// Boards from a device tree, rule by rule, on small DTS fixtures compiled by dtc (test/fixtures/dt): names through
// `ranges`, populate's bus rules and skips, interrupts (GICv3 4 cells, interrupts-extended, interrupt-map), iommus to
// an enabled and a disabled SMMU, dma-coherent inheritance, PrimeCell IDs, PL330 options from the tree; and trees it
// cannot decode, each a BoardFileError naming the node and property.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoardFileError } from "../../src/sim/boards/board-errors.ts";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import type { BoardSpec, DeviceSpec } from "../../src/sim/boards/board-spec.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/dt");
const dtc = Bun.which("dtc") !== null;

function dev(b: BoardSpec, name: string): DeviceSpec {
  const d = b.devices.find((x) => x.name === name);
  if (!d) throw new Error(`no ${name} in ${b.devices.map((x) => x.name).join(", ")}`);
  return d;
}

describe.skipIf(!dtc)("a board from a device tree (rich-board.dts; needs dtc)", () => {
  const b = () => boardSpecOf(join(FIXTURES, "rich-board.dts"));

  test("the board is named after the file and described by the tree's model", () => {
    expect(b().name).toBe("rich-board");
    expect(b().description).toContain("vfio-plat rich test board");
  });

  test("devices are the nodes of_platform_populate creates, in its order, with Linux's names", () => {
    expect(b().devices.map((d) => d.name)).toEqual([
      "firmware:scmi", // /firmware's children first
      "ff720000.gpio",
      "7fb00000.iommu",
      "ff6d0000.dma-controller",
      "ff6e0000.dma-controller",
      "button",
      "soc@1c000000", // a bus without reg is a device named by its node
      "1c170000.rtc", // translated through soc's ranges
      "1c010008.2.leds", // mask 0x4: bit 2
      "soc@1c000000:nexus@100000",
      "1c100000.mmc", // empty ranges: identity
      "alias-bus", // its rtc@170000 is 1c170000.rtc again: refused, the first one stays
      "hidden-bus",
      "hidden-bus:thing@40", // no ranges: not translatable, named by the node chain
      "not-a-bus", // its child is not walked: not a bus compatible
    ]);
  });

  test("skipped: no compatible, disabled, operating-points-v2, the GIC and fixed clocks (initialised early)", () => {
    const names = b().devices.map((d) => d.name).join(" ");
    for (const n of ["1000.no-compatible", "7fb10000.iommu", "opp-table", "fee00000.interrupt-controller", "clock-24m", "child"]) {
      expect(names).not.toContain(n);
    }
  });

  test("a name taken twice keeps the first device", () => {
    expect(dev(b(), "1c170000.rtc").compatible).toEqual(["arm,pl031", "arm,primecell"]);
  });

  test("regions are translated reg entries; an untranslatable reg gives none", () => {
    expect(dev(b(), "1c170000.rtc").regions).toEqual([{ base: 0x1c170000n, size: 0x1000 }]);
    expect(dev(b(), "hidden-bus:thing@40").regions).toEqual([]);
  });

  test("interrupts: GICv3 4-cell SPIs, interrupts-extended per parent, an interrupt-map nexus", () => {
    expect(dev(b(), "ff6d0000.dma-controller").irqs).toEqual([
      { trigger: "level", hwirq: 32 + 5 },
      { trigger: "level", hwirq: 32 + 6 },
    ]);
    expect(dev(b(), "button").irqs).toEqual([
      { trigger: "edge", hwirq: 3 }, // the GPIO controller's line 3, IRQ_TYPE_EDGE_RISING
      { trigger: "level", hwirq: 16 + 9 }, // a PPI
    ]);
    expect(dev(b(), "1c100000.mmc").irqs).toEqual([
      { trigger: "level", hwirq: 32 + 40 },
      { trigger: "edge", hwirq: 32 + 41 },
    ]);
  });

  test("amba for arm,primecell; a forced periphid wins over the model's and sets the PL330 revision", () => {
    const dma = dev(b(), "ff6d0000.dma-controller");
    expect(dma.bus).toBe("amba");
    expect(dma.periphid).toBe(0x00341330);
    expect(dma.modelOptions).toEqual({ eventIrqLines: 1, channels: 4, revision: "r1p2", periphBurst: true });
    expect(dev(b(), "ff6e0000.dma-controller").periphid).toBe(0x00241330);
    expect(dev(b(), "ff6e0000.dma-controller").modelOptions).toEqual({ irqLayout: "combined" });
    expect(dev(b(), "ff720000.gpio").bus).toBe("platform");
  });

  test("iommus: the SMMU and stream IDs in DT order, one group per master; a disabled SMMU means none", () => {
    const board = b();
    expect(dev(board, "ff6d0000.dma-controller").iommu).toEqual({ smmu: "7fb00000.iommu", streamIds: [0x10, 0x11] });
    expect(dev(board, "ff6d0000.dma-controller").iommuGroup).toBe(0);
    expect(dev(board, "ff6e0000.dma-controller").iommu).toBeUndefined();
    expect(dev(board, "ff6e0000.dma-controller").iommuGroup).toBeUndefined();
    expect(board.iommu).toBe("arm-smmu");
    expect(board.smmus).toEqual([
      { profile: "mmu500-s1", name: "7fb00000.iommu", compatible: ["arm,mmu-500", "arm,smmu-v2"], coherentWalk: true },
    ]);
    expect(dev(board, "7fb00000.iommu").nativeDriver).toBe("arm-smmu");
  });

  test("dma-coherent is inherited from a parent bus unless dma-noncoherent comes first", () => {
    expect(dev(b(), "1c170000.rtc").dmaCoherent).toBe(true);
    expect(dev(b(), "1c100000.mmc").dmaCoherent).toBeUndefined();
    expect(dev(b(), "ff720000.gpio").dmaCoherent).toBeUndefined();
  });

  test("models and drivers: the modelled compatibles get theirs, every other node the generic model, unbound", () => {
    expect(dev(b(), "1c170000.rtc")).toMatchObject({ model: "pl031", nativeDriver: "rtc-pl031" });
    expect(dev(b(), "ff720000.gpio").model).toBe("generic-mmio");
    expect(dev(b(), "ff720000.gpio").nativeDriver).toBeUndefined();
  });
});

describe.skipIf(!dtc)("the flat fixture (flat-board.dts; needs dtc)", () => {
  test("the console is the PL011 /chosen's stdout-path names through its alias; no IOMMU means noiommu mode", () => {
    const b = boardSpecOf(join(FIXTURES, "flat-board.dts"));
    expect(dev(b, "7ff80000.serial").console).toBe("ttyAMA0");
    expect(b.iommu).toBe("none");
    expect(b.cmdline["vfio.enable_unsafe_noiommu_mode"]).toBe("1");
    expect(dev(b, "a000000.virtio_mmio")).toMatchObject({ nativeDriver: "virtio-mmio", nativeProbeError: "ENODEV", dmaCoherent: true });
  });
});

describe.skipIf(!dtc)("a tree the builder cannot decode names the node and property (needs dtc)", () => {
  const cases: [string, string, RegExp][] = [
    ["a phandle that names no node", 'dma@1000 { compatible = "arm,pl330", "arm,primecell"; reg = <0x1000 0x100>; iommus = <0x99 1>; };', /\/dma@1000: iommus: expected a phandle of a node in the tree, found 0x99$/],
    ["reg that does not divide into the bus's cells", 'thing@1000 { compatible = "x,y"; reg = <0x1000 0x100 0x7>; };', /\/thing@1000: reg: expected entries of 2 cells \(#address-cells 1, #size-cells 1\), found 3 cells$/],
    ["interrupts that do not divide into the controller's cells", 'thing@2000 { compatible = "x,y"; reg = <0x2000 0x10>; interrupts = <0 5>; };', /\/thing@2000: interrupts: expected specifiers of 3 cells \(#interrupt-cells of \/gic@100\), found 2 cells$/],
    ["a compatible without its final NUL", 'thing@3000 { compatible = [78 2c 79]; reg = <0x3000 0x10>; };', /\/thing@3000: compatible: expected NUL-terminated strings, found a value without a final NUL$/],
  ];
  for (const [what, node, says] of cases) {
    test(what, () => {
      const dir = mkdtempSync(join(tmpdir(), "dt-bad-"));
      try {
        const file = join(dir, "bad.dts");
        const src = `/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <1>; interrupt-parent = <&gic>;\n gic: gic@100 { compatible = "arm,gic-400"; interrupt-controller; #interrupt-cells = <3>; reg = <0x100 0x100>; };\n ${node}\n};\n`;
        writeFileSync(file, src);
        let err: unknown;
        try {
          boardSpecOf(file);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(BoardFileError);
        expect((err as Error).message).toMatch(says);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
