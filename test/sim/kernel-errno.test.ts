// The errno table of kernel-lab.md, row by row, at the raw kernel boundary of the simulated board: every call is a
// bare open/ioctl/pread/mmap with structs from src/vfio/abi, and each test checks the errno the real 6.12 kernel gave
// (plus the neighbouring success, so a kernel that failed everything would not pass).
import { afterEach, describe, expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE } from "../../src/boundary/kernel-boundary.ts";
import {
  VFIO_DMA_MAP_FLAG_READ,
  VFIO_DMA_MAP_FLAG_WRITE,
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  VFIO_NOIOMMU_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  regionOffset,
} from "../../src/vfio/abi/constants.ts";
import { CONTAINER_IOCTLS, DEVICE_IOCTLS, GROUP_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { vfio_device_info, vfio_iommu_type1_dma_map, vfio_iommu_type1_info } from "../../src/vfio/abi/structs.ts";
import { BOARDS } from "../../src/sim/boards/index.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import {
  PL031,
  VIRTIO0,
  bindVfio,
  errnoOf,
  expectErrno,
  getDeviceFd,
  groupNode,
  newEventFd,
  openRaw,
  read32,
  runChild,
  setContainer,
  setIrqs,
  spawnHolder,
} from "../helpers/sim-kernel.ts";

const root = process.getuid?.() === 0;
let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

/** A fresh board with the given devices bound to their VFIO driver. */
function boardWith(name: string, devices: [("platform" | "amba"), string][]): TestBoard {
  board = makeSimBoard(name);
  for (const [bus, dev] of devices) bindVfio(board.b, bus, dev);
  return board;
}

function dmaMap(vaddr: bigint, iova: bigint, size: bigint, flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE): Uint8Array {
  return vfio_iommu_type1_dma_map.encode({ argsz: vfio_iommu_type1_dma_map.size, flags, vaddr, iova, size });
}

describe("group node exclusivity", () => {
  test("a second open of a held group is EBUSY, in the same boundary and in a second one; free again after close", () => {
    const { b, reopen } = boardWith("virt", [["amba", PL031]]);
    const node = groupNode(b, "amba", PL031);
    expect(node).toBe("/dev/vfio/1");
    const g = b.open(node, O_RDWR);
    expectErrno(() => b.open(node, O_RDWR), "EBUSY");
    const other = reopen();
    expectErrno(() => other.open(node, O_RDWR), "EBUSY");
    b.close(g);
    const g2 = other.open(node, O_RDWR);
    expect(g2).toBeGreaterThan(0);
    other.close(g2);
  });

  test("another process gets EBUSY while this one holds the group, and opens it once released", () => {
    const { b, stateDir } = boardWith("virt", [["amba", PL031]]);
    const g = b.open("/dev/vfio/1", O_RDWR);
    expect(runChild({ stateDir, mode: "open", path: "/dev/vfio/1" }).result).toBe("EBUSY");
    b.close(g);
    expect(runChild({ stateDir, mode: "open", path: "/dev/vfio/1" }).result).toBe("ok");
  });

  test("this process gets EBUSY while another process holds the group; a SIGKILLed holder frees it", async () => {
    const { b, stateDir } = boardWith("virt", [["amba", PL031]]);
    const { proc, hello } = await spawnHolder({ stateDir, path: "/dev/vfio/1" });
    try {
      expect(hello.held).toBe(true);
      expectErrno(() => b.open("/dev/vfio/1", O_RDWR), "EBUSY");
      proc.kill("SIGKILL");
      await proc.exited;
      const g = b.open("/dev/vfio/1", O_RDWR);
      b.close(g);
    } finally {
      proc.kill("SIGKILL");
    }
  });
});

describe("container and group ordering", () => {
  test("GET_DEVICE_FD before SET_CONTAINER is EINVAL", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const g = b.open("/dev/vfio/1", O_RDWR);
    expectErrno(() => getDeviceFd(b, g, PL031), "EINVAL");
  });

  test("SET_IOMMU on a container with no group is EINVAL; with the group attached it succeeds", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const c = b.open("/dev/vfio/vfio", O_RDWR);
    expectErrno(() => b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), "EINVAL");
    const g = b.open("/dev/vfio/1", O_RDWR);
    expect(setContainer(b, g, c)).toBe(0);
    expect(b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)).toBe(0);
  });

  test("GET_DEVICE_FD after SET_CONTAINER but before SET_IOMMU is EINVAL; after SET_IOMMU it works", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const c = b.open("/dev/vfio/vfio", O_RDWR);
    const g = b.open("/dev/vfio/1", O_RDWR);
    setContainer(b, g, c);
    expectErrno(() => getDeviceFd(b, g, PL031), "EINVAL");
    b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    expect(getDeviceFd(b, g, PL031)).toBeGreaterThan(0);
  });

  test("SET_IOMMU(NOIOMMU) with a real group is ENODEV, even with noiommu mode switched on", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const c = b.open("/dev/vfio/vfio", O_RDWR);
    const g = b.open("/dev/vfio/1", O_RDWR);
    setContainer(b, g, c);
    expectErrno(() => b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), "ENODEV");
    b.fs.writeFile("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "1\n");
    expectErrno(() => b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU), "ENODEV");
    expect(b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)).toBe(0);
  });

  test("SET_IOMMU a second time is EINVAL", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    expectErrno(() => b.ioctl(s.container, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), "EINVAL");
  });

  test("a second SET_CONTAINER on the same group is EINVAL", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const c2 = b.open("/dev/vfio/vfio", O_RDWR);
    expectErrno(() => setContainer(b, s.group, c2), "EINVAL");
  });

  test("IOMMU ioctls on a container without an IOMMU driver are EINVAL (vfio_fops_unl_ioctl's default)", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const c = b.open("/dev/vfio/vfio", O_RDWR);
    const info = vfio_iommu_type1_info.encode({ argsz: 24 });
    expectErrno(() => b.ioctl(c, CONTAINER_IOCTLS.VFIO_IOMMU_GET_INFO, info), "EINVAL");
    const g = b.open("/dev/vfio/1", O_RDWR);
    setContainer(b, g, c);
    expectErrno(() => b.ioctl(c, CONTAINER_IOCTLS.VFIO_IOMMU_GET_INFO, info), "EINVAL");
    b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    expect(b.ioctl(c, CONTAINER_IOCTLS.VFIO_IOMMU_GET_INFO, info)).toBe(0);
  });

  test("GET_DEVICE_FD with a name not in the group is ENODEV (unknown name, and a device of another group)", () => {
    const { b } = boardWith("virt", [["amba", PL031], ["platform", VIRTIO0]]);
    const s = openRaw(b, "amba", PL031);
    expectErrno(() => getDeviceFd(b, s.group, "nosuchdev"), "ENODEV");
    expectErrno(() => getDeviceFd(b, s.group, VIRTIO0), "ENODEV");
    expectErrno(() => getDeviceFd(b, s.group, PL031.slice(0, -1)), "ENODEV"); // exact dev_name() match, no prefix
  });

  test("GET_DEVICE_FD twice returns a second working fd", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const second = getDeviceFd(b, s.group, PL031);
    expect(second).not.toBe(s.device);
    expect(read32(b, second, 0xfe0)).toBe(0x31);
    b.close(second);
    expect(read32(b, s.device, 0xfe0)).toBe(0x31); // closing one fd leaves the other open
  });

  test("UNSET_CONTAINER while a device fd is open is EBUSY; after closing it succeeds", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    expectErrno(() => b.ioctl(s.group, GROUP_IOCTLS.VFIO_GROUP_UNSET_CONTAINER, 0), "EBUSY");
    b.close(s.device);
    expect(b.ioctl(s.group, GROUP_IOCTLS.VFIO_GROUP_UNSET_CONTAINER, 0)).toBe(0);
    expectErrno(() => b.ioctl(s.group, GROUP_IOCTLS.VFIO_GROUP_UNSET_CONTAINER, 0), "EINVAL");
  });
});

describe("device fd errnos (PL031 and virtio-mmio behind the SMMU)", () => {
  test("DEVICE_GET_INFO with argsz 8 (< minsz 16) is EINVAL; argsz 16 works", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const arg = vfio_device_info.encode({ argsz: 8 });
    expectErrno(() => b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO, arg), "EINVAL");
    vfio_device_info.encode({ argsz: 16 }, arg);
    expect(b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO, arg)).toBe(0);
  });

  test("GET_REGION_INFO index 99 and GET_IRQ_INFO index 1 are EINVAL", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const r = new Uint8Array(32);
    new DataView(r.buffer).setUint32(0, 32, true);
    new DataView(r.buffer).setUint32(8, 99, true);
    expectErrno(() => b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_GET_REGION_INFO, r), "EINVAL");
    new DataView(r.buffer).setUint32(8, 0, true);
    expect(b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_GET_REGION_INFO, r)).toBe(0);
    const i = new Uint8Array(16);
    new DataView(i.buffer).setUint32(0, 16, true);
    new DataView(i.buffer).setUint32(8, 1, true);
    expectErrno(() => b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_GET_IRQ_INFO, i), "EINVAL");
  });

  test("pread/pwrite at the region end or in a missing region are EINVAL; the last byte is readable", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const buf = new Uint8Array(4);
    expectErrno(() => b.pread(s.device, buf, 0x1000), "EINVAL");
    expectErrno(() => b.pwrite(s.device, buf, 0x1000), "EINVAL");
    expectErrno(() => b.pread(s.device, buf, regionOffset(1)), "EINVAL");
    expectErrno(() => b.pwrite(s.device, buf, regionOffset(1)), "EINVAL");
    expect(b.pread(s.device, buf, 0xffc)).toBe(4);
    expect(buf[0]).toBe(0xb1); // PCellID3
  });

  test("mmap of a missing region is EINVAL; of region 0 it works", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    expectErrno(() => b.mmap(s.device, 4096, PROT_READ, MAP_SHARED, regionOffset(1)), "EINVAL");
    const m = b.mmap(s.device, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    expect(m.read32(0xff0)).toBe(0x0d);
    m.unmap();
  });

  test("mmap of the 0x200-byte virtio-mmio region is EINVAL (no MMAP flag); pread works", () => {
    const { b } = boardWith("virt", [["platform", VIRTIO0]]);
    const s = openRaw(b, "platform", VIRTIO0);
    expectErrno(() => b.mmap(s.device, 4096, PROT_READ, MAP_SHARED, 0), "EINVAL");
    expect(read32(b, s.device, 0)).toBe(0x74726976);
  });

  test("SET_IRQS with eventfd 9999 is EBADF; with a real fd that is no eventfd EINVAL; with an eventfd 0", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const trigger = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
    expectErrno(() => setIrqs(b, s.device, { flags: trigger, index: 0, start: 0, count: 1, eventfds: [9999] }), "EBADF");
    const devnull = openSync("/dev/null", "r");
    try {
      expectErrno(() => setIrqs(b, s.device, { flags: trigger, index: 0, start: 0, count: 1, eventfds: [devnull] }), "EINVAL");
    } finally {
      closeSync(devnull);
    }
    const efd = newEventFd(b);
    expect(setIrqs(b, s.device, { flags: trigger, index: 0, start: 0, count: 1, eventfds: [efd] })).toBe(0);
    b.close(efd);
  });

  test("SET_IRQS with a bad index, start or count is EINVAL", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const loop = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
    expectErrno(() => setIrqs(b, s.device, { flags: loop, index: 1, start: 0, count: 1 }), "EINVAL");
    expectErrno(() => setIrqs(b, s.device, { flags: loop, index: 99, start: 0, count: 1 }), "EINVAL");
    expectErrno(() => setIrqs(b, s.device, { flags: loop, index: 0, start: 1, count: 1 }), "EINVAL");
    expectErrno(() => setIrqs(b, s.device, { flags: loop, index: 0, start: 0, count: 2 }), "EINVAL");
    expect(setIrqs(b, s.device, { flags: loop, index: 0, start: 0, count: 1 })).toBe(0);
  });

  test("SET_IRQS with no ACTION bit or two of them is ENOTTY (vfio-platform finds no handler)", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    expectErrno(() => setIrqs(b, s.device, { flags: VFIO_IRQ_SET_DATA_NONE, index: 0, start: 0, count: 1 }), "ENOTTY");
    const two = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK;
    expectErrno(() => setIrqs(b, s.device, { flags: two, index: 0, start: 0, count: 1 }), "ENOTTY");
    // ... but the generic validation still comes first: a bad index stays EINVAL.
    expectErrno(() => setIrqs(b, s.device, { flags: VFIO_IRQ_SET_DATA_NONE, index: 5, start: 0, count: 1 }), "EINVAL");
  });

  test("VFIO_DEVICE_RESET on the PL031 (no reset function) is EINVAL", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    expectErrno(() => b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_RESET, 0), "EINVAL");
  });

  test("an unknown device ioctl is ENOTTY", () => {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    expectErrno(() => b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_IOEVENTFD, new Uint8Array(32)), "ENOTTY");
  });
});

describe("type1 MAP_DMA errnos behind the SMMU", () => {
  function type1() {
    const { b } = boardWith("virt", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const mem = b.allocMemory(16384);
    const map = (arg: Uint8Array) => b.ioctl(s.container, CONTAINER_IOCTLS.VFIO_IOMMU_MAP_DMA, arg);
    return { b, s, mem, map };
  }

  test("the same IOVA twice is EEXIST, and so is an overlap; a disjoint IOVA maps", () => {
    const { mem, map } = type1();
    expect(map(dmaMap(mem.address, 0x100000n, 8192n))).toBe(0);
    expectErrno(() => map(dmaMap(mem.address, 0x100000n, 8192n)), "EEXIST");
    expectErrno(() => map(dmaMap(mem.address + 8192n, 0x101000n, 8192n)), "EEXIST");
    expect(map(dmaMap(mem.address + 8192n, 0x102000n, 8192n))).toBe(0);
  });

  test("inside the MSI window 0x8000000 (or straddling into it) is EINVAL; just below it maps", () => {
    const { mem, map } = type1();
    expectErrno(() => map(dmaMap(mem.address, 0x8000000n, 4096n)), "EINVAL");
    expectErrno(() => map(dmaMap(mem.address, 0x80ff000n, 4096n)), "EINVAL");
    expectErrno(() => map(dmaMap(mem.address, 0x7fff000n, 8192n)), "EINVAL");
    expect(map(dmaMap(mem.address, 0x7fff000n, 4096n))).toBe(0);
    expect(map(dmaMap(mem.address + 4096n, 0x8100000n, 4096n))).toBe(0);
  });

  test("size 100, an unaligned vaddr, an unaligned IOVA, size 0 or flags 0 are EINVAL", () => {
    const { mem, map } = type1();
    expectErrno(() => map(dmaMap(mem.address, 0x100000n, 100n)), "EINVAL");
    expectErrno(() => map(dmaMap(mem.address + 1n, 0x100000n, 4096n)), "EINVAL");
    expectErrno(() => map(dmaMap(mem.address, 0x100800n, 4096n)), "EINVAL");
    expectErrno(() => map(dmaMap(mem.address, 0x100000n, 0n)), "EINVAL");
    expectErrno(() => map(dmaMap(mem.address, 0x100000n, 4096n, 0)), "EINVAL");
    expect(map(dmaMap(mem.address, 0x100000n, 4096n, VFIO_DMA_MAP_FLAG_READ))).toBe(0);
  });

  test("an unmapped vaddr is EFAULT", () => {
    const { map } = type1();
    expectErrno(() => map(dmaMap(0x1000n, 0x100000n, 4096n)), "EFAULT");
  });

  test("MAP_DMA with argsz below 32 is EINVAL", () => {
    const { mem, map } = type1();
    const arg = dmaMap(mem.address, 0x100000n, 4096n);
    new DataView(arg.buffer).setUint32(0, 24, true);
    expectErrno(() => map(arg), "EINVAL");
  });
});

describe.skipIf(!root)("noiommu container errnos (noiommu groups need CAP_SYS_RAWIO: run as root)", () => {
  test("SET_IOMMU(TYPE1v2) with a noiommu group is ENODEV; NOIOMMU then succeeds", () => {
    const { b } = boardWith("virt-noiommu", [["amba", PL031]]);
    const c = b.open("/dev/vfio/vfio", O_RDWR);
    const g = b.open("/dev/vfio/noiommu-0", O_RDWR);
    setContainer(b, g, c);
    expectErrno(() => b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), "ENODEV");
    expect(b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU)).toBe(0);
    expect(getDeviceFd(b, g, PL031)).toBeGreaterThan(0);
  });

  test("MAP_DMA and IOMMU_GET_INFO on a noiommu container are ENOTTY", () => {
    const { b } = boardWith("virt-noiommu", [["amba", PL031]]);
    const s = openRaw(b, "amba", PL031);
    const mem = b.allocMemory(4096);
    expectErrno(() => b.ioctl(s.container, CONTAINER_IOCTLS.VFIO_IOMMU_MAP_DMA, dmaMap(mem.address, 0x100000n, 4096n)), "ENOTTY");
    expectErrno(() => b.ioctl(s.container, CONTAINER_IOCTLS.VFIO_IOMMU_GET_INFO, vfio_iommu_type1_info.encode({ argsz: 24 })), "ENOTTY");
    mem.free();
  });

  test("two noiommu groups share one noiommu container", () => {
    const { b } = boardWith("virt-noiommu", [["amba", PL031], ["platform", VIRTIO0]]);
    const c = b.open("/dev/vfio/vfio", O_RDWR);
    const g0 = b.open("/dev/vfio/noiommu-0", O_RDWR);
    const g1 = b.open("/dev/vfio/noiommu-1", O_RDWR);
    setContainer(b, g0, c);
    b.ioctl(c, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU);
    expect(setContainer(b, g1, c)).toBe(0);
    expect(errnoOf(() => getDeviceFd(b, g1, VIRTIO0))).toBe("ok");
  });

  test("a real group and a noiommu group cannot share a container (EPERM, either order)", () => {
    // A board with an SMMU where one device sits outside it: with noiommu mode on, its bind makes a noiommu group.
    const spec = structuredClone(BOARDS["virt"]!);
    delete spec.devices.find((d) => d.name === VIRTIO0)!.iommuGroup;
    spec.cmdline = { ...spec.cmdline, "vfio.enable_unsafe_noiommu_mode": "1" };
    board = makeSimBoard(spec);
    const { b } = board;
    bindVfio(b, "amba", PL031);
    bindVfio(b, "platform", VIRTIO0);
    const fake = groupNode(b, "platform", VIRTIO0);
    expect(fake).toMatch(/^\/dev\/vfio\/noiommu-\d+$/);
    const c = b.open("/dev/vfio/vfio", O_RDWR);
    const real = b.open("/dev/vfio/1", O_RDWR);
    const noiommu = b.open(fake, O_RDWR);
    setContainer(b, real, c);
    expectErrno(() => setContainer(b, noiommu, c), "EPERM");
    const c2 = b.open("/dev/vfio/vfio", O_RDWR);
    setContainer(b, noiommu, c2);
    b.ioctl(c2, CONTAINER_IOCTLS.VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU);
    b.ioctl(real, GROUP_IOCTLS.VFIO_GROUP_UNSET_CONTAINER, 0);
    expectErrno(() => setContainer(b, real, c2), "EPERM");
    expect(setContainer(b, real, c)).toBe(0);
  });
});
