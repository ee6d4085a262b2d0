// The values the real kernel returned in the lab (kernel-lab.md), read back from the simulated board with bare ioctls:
// device/region/irq info of the PL031 and a virtio-mmio transport, the container's extensions, and type1's
// IOMMU_GET_INFO with its argsz growth and capability chain (MIGRATION -> DMA_AVAIL -> IOVA_RANGE).
import { afterEach, describe, expect, test } from "bun:test";
import { MAP_SHARED, O_RDWR, PROT_READ } from "../../src/boundary/kernel-boundary.ts";
import {
  VFIO_DMA_MAP_FLAG_READ,
  VFIO_DMA_MAP_FLAG_WRITE,
  VFIO_NOIOMMU_IOMMU,
  VFIO_TYPE1_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  VFIO_UNMAP_ALL,
  VFIO_UPDATE_VADDR,
} from "../../src/vfio/abi/constants.ts";
import { walkCapabilities } from "../../src/vfio/abi/capability-chain.ts";
import { CONTAINER_IOCTLS, DEVICE_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import {
  vfio_device_info,
  vfio_iommu_type1_dma_map,
  vfio_iommu_type1_dma_unmap,
  vfio_iommu_type1_info,
  vfio_iommu_type1_info_cap_iova_range,
  vfio_iommu_type1_info_cap_migration,
  vfio_iommu_type1_info_dma_avail,
  vfio_iova_range,
} from "../../src/vfio/abi/structs.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { PL031, VIRTIO0, bindVfio, deviceInfo, expectErrno, irqInfo, openRaw, read32, regionInfo, setContainer } from "../helpers/sim-kernel.ts";

const root = process.getuid?.() === 0;
let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

function bound(name: string, devices: [("platform" | "amba"), string][]): TestBoard {
  board = makeSimBoard(name);
  for (const [bus, dev] of devices) bindVfio(board.b, bus, dev);
  return board;
}

describe("device, region and irq info (the lab's values)", () => {
  test("PL031: device flags 0x8 (AMBA), 1 region, 1 irq; region 0 flags 0x7 size 0x1000 offset 0; irq 0 flags 0x7", () => {
    const { b } = bound("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    expect(deviceInfo(b, s.device)).toMatchObject({ argsz: 24, flags: 0x8, num_regions: 1, num_irqs: 1 });
    expect(regionInfo(b, s.device, 0)).toEqual({ argsz: 32, flags: 0x7, index: 0, cap_offset: 0, size: 0x1000n, offset: 0n });
    expect(irqInfo(b, s.device, 0)).toEqual({ argsz: 16, flags: 0x7, index: 0, count: 1 });
  });

  test("virtio-mmio: device flags 0x4 (PLATFORM); region 0 flags 0x3 size 0x200; irq 0 flags 0x1 (edge)", () => {
    const { b } = bound("virt", [["platform", VIRTIO0]]);
    const s = openRaw(b, "platform", VIRTIO0);
    expect(deviceInfo(b, s.device)).toMatchObject({ flags: 0x4, num_regions: 1, num_irqs: 1 });
    expect(regionInfo(b, s.device, 0)).toMatchObject({ flags: 0x3, size: 0x200n, offset: 0n, cap_offset: 0 });
    expect(irqInfo(b, s.device, 0)).toMatchObject({ flags: 0x1, count: 1 });
    expect([read32(b, s.device, 0), read32(b, s.device, 4), read32(b, s.device, 8)]).toEqual([0x74726976, 1, 0]);
  });

  test("DEVICE_GET_INFO writes back only 16 bytes: cap_offset/pad of a 24-byte buffer stay untouched", () => {
    const { b } = bound("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const arg = new Uint8Array(24).fill(0xaa);
    vfio_device_info.encode({ argsz: 24 }, arg);
    b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO, arg);
    expect([...arg.subarray(16)]).toEqual(new Array(8).fill(0xaa));
    expect(vfio_device_info.decode(arg)).toMatchObject({ argsz: 24, flags: 0x8, num_regions: 1, num_irqs: 1 });
  });

  test("PL031 ID bytes 31 10 14 00 0d f0 05 b1 through pread and through mmap alike", () => {
    const { b } = bound("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const viaPread = Array.from({ length: 8 }, (_, i) => read32(b, s.device, 0xfe0 + 4 * i) & 0xff);
    expect(viaPread).toEqual([0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
    const m = b.mmap(s.device, 0x1000, PROT_READ, MAP_SHARED, 0);
    expect(Array.from({ length: 8 }, (_, i) => m.read32(0xfe0 + 4 * i) & 0xff)).toEqual(viaPread);
    m.unmap();
  });
});

describe("container extensions", () => {
  test("virt: API version 0; an empty container offers type1 but not noiommu (mode off); UPDATE_VADDR only once type1 is set", () => {
    const { b } = bound("virt", [["amba", PL031]]);
    const c = b.open("/dev/vfio/vfio", O_RDWR);
    const ext = (n: number) => b.ioctl(c, CONTAINER_IOCTLS.VFIO_CHECK_EXTENSION, n);
    expect(b.ioctl(c, CONTAINER_IOCTLS.VFIO_GET_API_VERSION, 0)).toBe(0);
    expect([ext(VFIO_TYPE1_IOMMU), ext(VFIO_TYPE1v2_IOMMU), ext(VFIO_UNMAP_ALL), ext(VFIO_NOIOMMU_IOMMU), ext(VFIO_UPDATE_VADDR)]).toEqual([1, 1, 1, 0, 0]);
    const g = b.open("/dev/vfio/1", O_RDWR);
    setContainer(b, g, c);
    b.fs.writeFile("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y");
    expect(ext(VFIO_NOIOMMU_IOMMU)).toBe(0); // a real group rules the noiommu driver out
    b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    expect([ext(VFIO_TYPE1v2_IOMMU), ext(VFIO_UPDATE_VADDR), ext(VFIO_NOIOMMU_IOMMU)]).toEqual([1, 1, 0]);
  });

  test.skipIf(!root)("virt-noiommu: CHECK_EXTENSION(8) = 1 and SET_IOMMU(8) = 0; a noiommu group rules type1 out (root only: noiommu)", () => {
    const { b } = bound("virt-noiommu", [["amba", PL031]]);
    const c = b.open("/dev/vfio/vfio", O_RDWR);
    const ext = (n: number) => b.ioctl(c, CONTAINER_IOCTLS.VFIO_CHECK_EXTENSION, n);
    // An empty container polls every registered IOMMU driver; the lab's kernel has type1 built in.
    expect([ext(VFIO_NOIOMMU_IOMMU), ext(VFIO_TYPE1v2_IOMMU)]).toEqual([1, 1]);
    const g = b.open("/dev/vfio/noiommu-0", O_RDWR);
    setContainer(b, g, c);
    expect([ext(VFIO_NOIOMMU_IOMMU), ext(VFIO_TYPE1v2_IOMMU)]).toEqual([1, 0]);
    expect(b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU)).toBe(0);
    expect([ext(VFIO_NOIOMMU_IOMMU), ext(VFIO_TYPE1v2_IOMMU)]).toEqual([1, 0]);
  });
});

describe("type1 IOMMU_GET_INFO on virt (SMMUv3)", () => {
  function type1() {
    const { b } = bound("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const info = (arg: Uint8Array) => b.ioctl(s.container, CONTAINER_IOCTLS.VFIO_IOMMU_GET_INFO, arg);
    return { b, s, info };
  }

  test("a 24-byte call: flags 0x3 (PGSIZES|CAPS), iova_pgsizes 0x40201000, argsz grows to 120, cap_offset 0", () => {
    const { info } = type1();
    const arg = vfio_iommu_type1_info.encode({ argsz: 24, cap_offset: 0x55 });
    expect(info(arg)).toBe(0);
    expect(vfio_iommu_type1_info.decode(arg)).toEqual({ argsz: 120, flags: 0x3, iova_pgsizes: 0x40201000n, cap_offset: 0, pad: 0 });
  });

  test("argsz 16 gets only 16 bytes back: bytes 16..23 stay untouched", () => {
    const { info } = type1();
    const arg = new Uint8Array(24).fill(0xaa);
    vfio_iommu_type1_info.encode({ argsz: 16 }, arg);
    info(arg);
    expect([...arg.subarray(16)]).toEqual(new Array(8).fill(0xaa));
    expect(vfio_iommu_type1_info.decode(arg.subarray(0, 16))).toMatchObject({ argsz: 120, flags: 0x3, iova_pgsizes: 0x40201000n });
  });

  test("the 120-byte call: MIGRATION -> DMA_AVAIL (65535) -> IOVA_RANGE [0,0x7ffffff],[0x8100000,0xffffffffffff]", () => {
    const { info } = type1();
    const arg = vfio_iommu_type1_info.encode({ argsz: 120 }, new Uint8Array(120));
    info(arg);
    const head = vfio_iommu_type1_info.decode(arg);
    expect(head).toMatchObject({ argsz: 120, flags: 0x3, cap_offset: 24 });
    const chain = walkCapabilities(arg, head.cap_offset);
    expect(chain.map((c) => [c.id, c.version, c.offset])).toEqual([[2, 1, 24], [3, 1, 56], [1, 1, 72]]);
    expect(vfio_iommu_type1_info_cap_migration.decode(arg, 24)).toMatchObject({ flags: 0, pgsize_bitmap: 0x1000n, max_dirty_bitmap_size: 0x10000000n });
    expect(vfio_iommu_type1_info_dma_avail.decode(arg, 56).avail).toBe(65535);
    const ranges = vfio_iommu_type1_info_cap_iova_range.decode(arg, 72);
    expect(ranges.nr_iovas).toBe(2);
    expect([vfio_iova_range.decode(arg, 88), vfio_iova_range.decode(arg, 104)]).toEqual([
      { start: 0x0n, end: 0x7ffffffn },
      { start: 0x8100000n, end: 0xffffffffffffn },
    ]);
  });

  test("DMA_AVAIL is one less after a MAP_DMA and back after the UNMAP_DMA, which reports the bytes unmapped", () => {
    const { b, s, info } = type1();
    const avail = () => {
      const arg = vfio_iommu_type1_info.encode({ argsz: 120 }, new Uint8Array(120));
      info(arg);
      return vfio_iommu_type1_info_dma_avail.decode(arg, 56).avail;
    };
    const mem = b.allocMemory(8192);
    const map = vfio_iommu_type1_dma_map.encode({ argsz: 32, flags: VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, vaddr: mem.address, iova: 0x100000n, size: 8192n });
    b.ioctl(s.container, CONTAINER_IOCTLS.VFIO_IOMMU_MAP_DMA, map);
    expect(avail()).toBe(65534);
    const unmap = vfio_iommu_type1_dma_unmap.encode({ argsz: 24, iova: 0x100000n, size: 8192n });
    b.ioctl(s.container, CONTAINER_IOCTLS.VFIO_IOMMU_UNMAP_DMA, unmap);
    expect(vfio_iommu_type1_dma_unmap.decode(unmap).size).toBe(8192n);
    expect(avail()).toBe(65535);
  });

  test("dma_entry_limit is taken when the container's type1 opens: ENOSPC at the limit, later writes do not move it", () => {
    const { b } = bound("virt", [["amba", PL031]]);
    b.fs.writeFile("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", "2\n");
    const s = openRaw(b, "amba", PL031);
    const mem = b.allocMemory(4 * 4096);
    const map = (i: number) =>
      b.ioctl(s.container, CONTAINER_IOCTLS.VFIO_IOMMU_MAP_DMA, vfio_iommu_type1_dma_map.encode({ argsz: 32, flags: VFIO_DMA_MAP_FLAG_READ, vaddr: mem.address + BigInt(i * 4096), iova: BigInt(0x100000 + i * 4096), size: 4096n }));
    map(0);
    map(1);
    expectErrno(() => map(2), "ENOSPC");
    b.fs.writeFile("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", "10\n");
    expectErrno(() => map(2), "ENOSPC");
  });

  test("argsz 120 with a 24-byte buffer is EFAULT, not a crash", () => {
    const { info } = type1();
    expectErrno(() => info(vfio_iommu_type1_info.encode({ argsz: 120 })), "EFAULT");
  });
});
