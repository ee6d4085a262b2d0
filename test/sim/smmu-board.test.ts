// The boards' side of the SMMU work: the PL330 on both virt boards (sysfs as Linux shows an AMBA PrimeCell, IOMMU
// group 4 behind the SMMUv3), the SMMU each board names, and the kernel log lines vfio prints when a device is opened
// and released (no reset function; the noiommu taint warning).
import { afterEach, describe, expect, test } from "bun:test";
import { O_RDWR } from "../../src/boundary/kernel-boundary.ts";
import { VIRT, VIRT_NOIOMMU } from "../../src/sim/boards/virt.ts";
import { DEVICE_MODELS } from "../../src/sim/devices/registry.ts";
import { smmuOf } from "../../src/sim/iommu/smmu-profile.ts";
import type { SimBoundary } from "../../src/sim/sim-boundary.ts";
import { VFIO_NOIOMMU_IOMMU, VFIO_TYPE1v2_IOMMU } from "../../src/vfio/abi/constants.ts";
import { CONTAINER_IOCTLS, GROUP_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { kmsg } from "../helpers/sim-smmu.ts";

const PL330 = "2c0a0000.dma";
let t: TestBoard | undefined;
afterEach(() => {
  t?.dispose();
  t = undefined;
});

function bind(b: SimBoundary, bus: "amba" | "platform", name: string): void {
  const dir = `/sys/bus/${bus}/devices/${name}`;
  b.fs.writeFile(`${dir}/driver_override`, bus === "amba" ? "vfio-amba\n" : "vfio-platform\n");
  if (b.fs.exists(`${dir}/driver`)) b.fs.writeFile(`${dir}/driver/unbind`, name);
  b.fs.writeFile(`/sys/bus/${bus}/drivers_probe`, name);
}

/** Open container + group node, attach, set the IOMMU type, get the device fd. */
function open(b: SimBoundary, node: string, name: string, type: number) {
  const container = b.open("/dev/vfio/vfio", O_RDWR);
  const group = b.open(node, O_RDWR);
  const arg = new Uint8Array(4);
  new DataView(arg.buffer).setInt32(0, container, true);
  b.ioctl(group, GROUP_IOCTLS.VFIO_GROUP_SET_CONTAINER, arg);
  b.ioctl(container, CONTAINER_IOCTLS.VFIO_SET_IOMMU, type);
  const get = () => b.ioctl(group, GROUP_IOCTLS.VFIO_GROUP_GET_DEVICE_FD, new TextEncoder().encode(`${name}\0`));
  return { container, group, get };
}

describe("the PL330 on the virt boards", () => {
  test("virt: an AMBA PrimeCell 2c0a0000.dma bound to dma-pl330, in IOMMU group 4, nine level interrupts", () => {
    t = makeSimBoard("virt");
    const dir = `/sys/bus/amba/devices/${PL330}`;
    expect(t.b.fs.readFile(`${dir}/modalias`)).toBe("amba:d00241330\n");
    expect(t.b.fs.readlink(`${dir}/driver`)).toBe("../../../bus/amba/drivers/dma-pl330");
    expect(t.b.fs.readlink(`${dir}/iommu_group`)).toBe("../../../kernel/iommu_groups/4");
    expect(t.b.fs.readFile(`${dir}/of_node/compatible`)).toBe("arm,pl330\0arm,primecell\0");
    const spec = VIRT.devices.find((d) => d.name === PL330)!;
    expect(spec.regions).toEqual([{ base: 0x2c0a_0000n, size: 0x1000 }]);
    expect(spec.irqs.map((i) => i.trigger)).toEqual(Array(9).fill("level"));
    expect(new Set(spec.irqs.map((i) => i.hwirq)).size).toBe(9);
    expect(spec.model).toBe("pl330");
  });

  test("virt-noiommu: the same device without an IOMMU group", () => {
    t = makeSimBoard("virt-noiommu");
    expect(t.b.fs.exists(`/sys/bus/amba/devices/${PL330}/iommu_group`)).toBe(false);
    expect(VIRT_NOIOMMU.devices.find((d) => d.name === PL330)?.iommuGroup).toBeUndefined();
  });

  test("binding it to vfio-amba gives /dev/vfio/4; opening it builds the pl330 model, or names the missing model", () => {
    t = makeSimBoard("virt");
    const b = t.b as SimBoundary;
    bind(b, "amba", PL330);
    expect(b.fs.exists("/dev/vfio/4")).toBe(true);
    const s = open(b, "/dev/vfio/4", PL330, VFIO_TYPE1v2_IOMMU);
    if (DEVICE_MODELS.pl330) expect(s.get()).toBeGreaterThan(0);
    else expect(s.get).toThrow("no device model 'pl330' for 2c0a0000.dma");
  });

  test("the boards name their SMMU: virt an SMMUv3 stage 1 at 9050000.smmuv3 with 48-bit IOVAs, virt-noiommu none", () => {
    expect(smmuOf(VIRT)).toMatchObject({ profile: "smmuv3-s1", name: "9050000.smmuv3", ias: 48 });
    expect(smmuOf({ ...VIRT, smmu: undefined })).toMatchObject({ profile: "smmuv3-s1", name: "9050000.smmuv3", ias: 48 });
    expect(smmuOf({ ...VIRT, smmu: { profile: "mmu401-s2", name: "2b600000.iommu" } })?.ias).toBe(40);
    expect(smmuOf(VIRT_NOIOMMU)).toBeUndefined();
  });
});

describe("vfio's kernel log lines at open and release", () => {
  test("a device without a reset function: 'no reset function found!' at its first open and its last close only", () => {
    t = makeSimBoard("virt");
    const b = t.b as SimBoundary;
    bind(b, "amba", "9010000.pl031");
    const line = "vfio-amba 9010000.pl031: no reset function found!";
    const count = () => kmsg(b).filter((r) => r.message.startsWith(line)).length;
    const s = open(b, "/dev/vfio/1", "9010000.pl031", VFIO_TYPE1v2_IOMMU);
    const d1 = s.get();
    expect(count()).toBe(1);
    const d2 = s.get(); // a second fd on an open device: open_device is not called again
    b.close(d1);
    expect(count()).toBe(1);
    b.close(d2);
    expect(count()).toBe(2);
    const rec = kmsg(t.reopen() as SimBoundary).find((r) => r.message.startsWith(line))!;
    expect(rec.priority).toBe(4);
    expect(rec.message).toBe(`${line}\n SUBSYSTEM=amba\n DEVICE=+amba:9010000.pl031`);
  });

  describe.skipIf(process.getuid?.() !== 0)("noiommu (needs root: opening a noiommu group needs CAP_SYS_RAWIO)", () => {
    test("every device open through a noiommu group warns 'vfio-noiommu device opened by user (comm:pid)'", () => {
      t = makeSimBoard("virt-noiommu");
      const b = t.b as SimBoundary;
      bind(b, "platform", "a000000.virtio_mmio");
      const node = `/dev/vfio/${b.fs.readdir("/dev/vfio").find((n) => n.startsWith("noiommu-"))!}`;
      const s = open(b, node, "a000000.virtio_mmio", VFIO_NOIOMMU_IOMMU);
      s.get();
      s.get();
      const text = `vfio-platform a000000.virtio_mmio: vfio-noiommu device opened by user (bun:${process.pid})`;
      const hits = kmsg(b).filter((r) => r.message.split("\n")[0] === text);
      expect(hits.map((r) => r.priority)).toEqual([4, 4]);
    });
  });
});
