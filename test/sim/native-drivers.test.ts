// One table says which native driver matches a device (src/sim/boards/native-drivers.ts): the device-tree builder
// boots its nodes on those drivers, the built-in boards agree with it, and board files are checked against it
// (test/sim/board-file.test.ts). Linux's AMBA drivers (dma-pl330, rtc-pl031, uart-pl011) match only AMBA devices.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import { isModelledDriver, nativeDriverOf } from "../../src/sim/boards/native-drivers.ts";
import { VIRT, VIRT_NOIOMMU } from "../../src/sim/boards/virt.ts";

const dir = mkdtempSync(join(tmpdir(), "vfio-plat-native-drivers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the compatible -> driver table", () => {
  test("the AMBA drivers match on the amba bus only; virtio-mmio and the SMMU drivers on platform", () => {
    expect(nativeDriverOf(["arm,pl330", "arm,primecell"], "amba")).toBe("dma-pl330");
    expect(nativeDriverOf(["arm,pl330"], "platform")).toBeUndefined();
    expect(nativeDriverOf(["arm,pl031", "arm,primecell"], "amba")).toBe("rtc-pl031");
    expect(nativeDriverOf(["arm,pl011", "arm,primecell"], "amba")).toBe("uart-pl011");
    expect(nativeDriverOf(["virtio,mmio"], "platform")).toBe("virtio-mmio");
    expect(nativeDriverOf(["virtio,mmio"], "amba")).toBeUndefined();
    expect(nativeDriverOf(["arm,mmu-401", "arm,smmu-v1"], "platform")).toBe("arm-smmu");
    expect(nativeDriverOf(["arm,mmu-500"], "platform")).toBe("arm-smmu");
    expect(nativeDriverOf(["arm,smmu-v3"], "platform")).toBe("arm-smmu-v3");
    expect(nativeDriverOf(["acme,thing", "syscon"], "platform")).toBeUndefined();
  });

  test("the first compatible a driver matches decides (most specific first)", () => {
    expect(nativeDriverOf(["acme,uart", "arm,pl011", "arm,primecell"], "amba")).toBe("uart-pl011");
    expect(nativeDriverOf(["arm,pl031", "arm,pl011", "arm,primecell"], "amba")).toBe("rtc-pl031");
  });

  test("which drivers the table knows (a board file may name others: the user's own)", () => {
    for (const d of ["dma-pl330", "rtc-pl031", "uart-pl011", "virtio-mmio", "arm-smmu", "arm-smmu-v3"]) expect(isModelledDriver(d)).toBe(true);
    expect(isModelledDriver("acme-gen")).toBe(false);
  });

  test("the built-in boards boot every non-PCI device on the driver the table gives it", () => {
    for (const board of [VIRT, VIRT_NOIOMMU]) {
      for (const d of board.devices.filter((x) => x.bus !== "pci")) expect([d.name, d.nativeDriver]).toEqual([d.name, nativeDriverOf(d.compatible, d.bus)]);
    }
  });
});

describe.skipIf(!Bun.which("dtc"))("the device-tree builder uses the table (needs dtc)", () => {
  test("a PL330 without arm,primecell is no AMBA device: it keeps its model and boots with no driver", () => {
    const dts = join(dir, "drivers.dts");
    writeFileSync(
      dts,
      `/dts-v1/;
/ {
	#address-cells = <1>;
	#size-cells = <1>;
	interrupt-parent = <&gic>;
	gic: interrupt-controller@2c010000 {
		compatible = "arm,gic-400";
		#interrupt-cells = <3>;
		interrupt-controller;
		reg = <0x2c010000 0x1000>;
	};
	dma-controller@7ff00000 {
		compatible = "arm,pl330", "arm,primecell";
		reg = <0x7ff00000 0x1000>;
		interrupts = <0 88 4>;
	};
	dma-controller@7ff10000 {
		compatible = "arm,pl330";
		reg = <0x7ff10000 0x1000>;
		interrupts = <0 89 4>;
	};
	iommu@7fb00000 {
		compatible = "arm,mmu-401", "arm,smmu-v1";
		reg = <0x7fb00000 0x10000>;
		#global-interrupts = <1>;
		interrupts = <0 95 4>;
		#iommu-cells = <1>;
	};
};
`,
    );
    const spec = boardSpecOf(dts);
    const byName = new Map(spec.devices.map((d) => [d.name, d]));
    expect(byName.get("7ff00000.dma-controller")?.nativeDriver).toBe("dma-pl330");
    expect(byName.get("7ff10000.dma-controller")?.model).toBe("pl330");
    expect(byName.get("7ff10000.dma-controller")?.nativeDriver).toBeUndefined();
    expect(byName.get("7fb00000.iommu")?.nativeDriver).toBe("arm-smmu");
    for (const d of spec.devices) expect([d.name, d.nativeDriver]).toEqual([d.name, nativeDriverOf(d.compatible, d.bus)]);
  });
});
