// doctor's findings on simulated boards built to show each blocker: no IOMMU group without noiommu mode, the
// reset_required trap for vfio-platform, a group shared with a device still on its kernel driver, a held group.
import { afterEach, expect, test } from "bun:test";
import { describeDevice } from "../../src/host/discovery.ts";
import { checkDevice, checkSystem, memlockLimit, type Finding } from "../../src/host/doctor.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { VIRT, VIRT_NOIOMMU } from "../../src/sim/boards/virt.ts";
import { JUNO_DMA, JUNO_HDLCD1_SMMU, JUNO_R2 } from "../fixtures/juno-r2-board.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

let board: TestBoard | undefined;
afterEach(() => board?.dispose());

const by = (fs: Finding[], check: string) => fs.find((f) => f.check === check);

test("no IOMMU group and noiommu off: FAIL naming both fixes; with noiommu on: a warning about its cost", () => {
  board = makeSimBoard({ ...VIRT_NOIOMMU, cmdline: { "vfio_platform.reset_required": "0" } });
  const dev = describeDevice(board.b, "amba", "9010000.pl031");
  const off = by(checkDevice(board.b, dev), "iommu-group")!;
  expect(off.status).toBe("fail");
  expect(off.fix).toContain("enable_unsafe_noiommu_mode");
  board.b.fs.writeFile("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "1");
  const on = by(checkDevice(board.b, dev), "iommu-group")!;
  expect(on.status).toBe("warn");
  expect(on.fix).toContain("no DMA isolation");
});

test("reset_required=1: vfio-platform devices without a reset module fail, amba devices do not", () => {
  board = makeSimBoard({ ...VIRT, name: "virt-reset", cmdline: {} });
  expect(by(checkSystem(board.b), "reset_required")?.status).toBe("warn");
  expect(by(checkDevice(board.b, describeDevice(board.b, "platform", "a000000.virtio_mmio")), "reset")?.status).toBe("fail");
  expect(by(checkDevice(board.b, describeDevice(board.b, "amba", "9010000.pl031")), "reset")).toBeUndefined();
});

test("a group shared with a device on its kernel driver is not viable", () => {
  const shared: BoardSpec = {
    ...VIRT,
    name: "virt-shared",
    devices: VIRT.devices.map((d) => (d.name === "9000000.pl011" ? { ...d, iommuGroup: 1 } : d)),
  };
  board = makeSimBoard(shared);
  const f = by(checkDevice(board.b, describeDevice(board.b, "amba", "9010000.pl031")), "viability")!;
  expect(f.status).toBe("fail");
  expect(f.message).toContain("9000000.pl011");
});

test("coherency on QEMU virt: its SMMUv3 node is dma-coherent, so every device behind it is ok", () => {
  board = makeSimBoard("virt");
  const pl031 = by(checkDevice(board.b, describeDevice(board.b, "amba", "9010000.pl031")), "coherency")!;
  expect(pl031.status).toBe("ok");
  expect(pl031.message).toContain("9050000.smmuv3 walks page tables coherently");
});

test("coherency behind an SMMUv3 not marked dma-coherent: the device's own dma-coherent does not count (arm-smmu-v3)", () => {
  board = makeSimBoard({ ...VIRT, smmu: { ...VIRT.smmu!, coherentWalk: false } });
  const virtio = by(checkDevice(board.b, describeDevice(board.b, "platform", "a000000.virtio_mmio")), "coherency")!;
  expect(virtio.status).toBe("warn"); // a000000.virtio_mmio is dma-coherent, but arm-smmu-v3 asks only its SMMU
  expect(virtio.message).toContain("does not count behind arm-smmu-v3");
});

test("memlock limit parsing", () => {
  expect(memlockLimit("Limit Soft Limit Hard Limit Units\nMax locked memory         8388608              8388608              bytes\n")).toBe(8388608);
  expect(memlockLimit("Max locked memory         unlimited            unlimited            bytes\n")).toBe(Infinity);
  expect(memlockLimit("nothing")).toBeUndefined();
});

test("coherency on an arm-smmu board follows IOMMU_CAP_CACHE_COHERENCY: the SMMU's coherent walk or a coherent device", () => {
  const hdlcd = {
    name: "7ff50000.hdlcd",
    bus: "platform" as const,
    compatible: ["arm,hdlcd"],
    regions: [{ base: 0x7ff5_0000n, size: 0x1000 }],
    irqs: [],
    model: "pl031",
    iommu: { smmu: JUNO_HDLCD1_SMMU, streamIds: [0] },
  };
  board = makeSimBoard({ ...JUNO_R2, devices: [...JUNO_R2.devices, hdlcd, { ...hdlcd, name: "7ff60000.hdlcd", dmaCoherent: true }] });
  const pl330 = by(checkDevice(board.b, describeDevice(board.b, "amba", JUNO_DMA)), "coherency")!;
  expect(pl330.status).toBe("ok"); // the PL330 is not dma-coherent, but 7fb00000.iommu walks coherently
  expect(pl330.message).toContain("7fb00000.iommu walks page tables coherently");
  const behindNonCoherent = by(checkDevice(board.b, describeDevice(board.b, "platform", "7ff50000.hdlcd")), "coherency")!;
  expect(behindNonCoherent.status).toBe("warn");
  expect(behindNonCoherent.message).toContain(`its IOMMU ${JUNO_HDLCD1_SMMU} is not dma-coherent`);
  expect(by(checkDevice(board.b, describeDevice(board.b, "platform", "7ff60000.hdlcd")), "coherency")?.status).toBe("ok");
});
