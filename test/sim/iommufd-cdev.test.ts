// The simulated cdev + iommufd path against the kernel's rules (Linux 6.12 drivers/vfio/device_cdev.c, group.c,
// drivers/iommu/iommufd/{main,ioas,io_pagetable}.c), with bare ioctls as a C program makes them: sysfs vfio-dev and
// /dev nodes, EINVAL before BIND, EINVAL on a second bind, EBUSY between group and cdev, IOAS ids, IOVA ranges before
// and after attach, EEXIST/EINVAL/ENOENT from MAP and UNMAP, EBUSY on destroying a used IOAS, and edu DMA through
// the IOAS faulting on the SMMU exactly as through a type1 container.
import { afterEach, describe, expect, test } from "bun:test";
import type { Fd } from "../../src/boundary/kernel-boundary.ts";
import { O_RDWR } from "../../src/boundary/kernel-boundary.ts";
import { VIRT } from "../../src/sim/boards/virt.ts";
import { IOMMU_IOAS_MAP_FIXED_IOVA, IOMMU_IOAS_MAP_READABLE, IOMMU_IOAS_MAP_WRITEABLE } from "../../src/vfio/abi/constants.ts";
import { DEVICE_IOCTLS, IOMMUFD_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import {
  iommu_destroy,
  iommu_ioas_alloc,
  iommu_ioas_iova_ranges,
  iommu_ioas_map,
  iommu_ioas_unmap,
  iommu_iova_range,
  vfio_device_attach_iommufd_pt,
  vfio_device_bind_iommufd,
  vfio_device_info,
} from "../../src/vfio/abi/structs.ts";
import { openDevice } from "../../src/vfio/session.ts";
import { errnoOf } from "../helpers/sim-kernel.ts";
import { bindEdu, CONFIG, EDU, EDU_DIR, makePciRig, wr, type PciRig } from "../helpers/sim-pci.ts";

const CDEV = "/dev/vfio/devices/vfio0";
let rig: PciRig;
afterEach(() => rig?.dispose());

function bind(sim: PciRig["sim"], dev: Fd, iommufd: number): number {
  const arg = vfio_device_bind_iommufd.encode({ argsz: 16, iommufd });
  sim.ioctl(dev, DEVICE_IOCTLS.VFIO_DEVICE_BIND_IOMMUFD, arg);
  return vfio_device_bind_iommufd.decode(arg).out_devid;
}
function ioasAlloc(sim: PciRig["sim"], fd: Fd): number {
  const arg = iommu_ioas_alloc.encode({ size: 12 });
  sim.ioctl(fd, IOMMUFD_IOCTLS.IOMMU_IOAS_ALLOC, arg);
  return iommu_ioas_alloc.decode(arg).out_ioas_id;
}
function attach(sim: PciRig["sim"], dev: Fd, ptId: number): number {
  const arg = vfio_device_attach_iommufd_pt.encode({ argsz: 12, pt_id: ptId });
  sim.ioctl(dev, DEVICE_IOCTLS.VFIO_DEVICE_ATTACH_IOMMUFD_PT, arg);
  return vfio_device_attach_iommufd_pt.decode(arg).pt_id;
}
const RW = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
function map(sim: PciRig["sim"], fd: Fd, ioas: number, vaddr: bigint, iova: bigint, length: bigint, flags = RW): void {
  sim.ioctl(fd, IOMMUFD_IOCTLS.IOMMU_IOAS_MAP, iommu_ioas_map.encode({ size: 40, flags, ioas_id: ioas, user_va: vaddr, iova, length }));
}
function unmap(sim: PciRig["sim"], fd: Fd, ioas: number, iova: bigint, length: bigint): bigint {
  const arg = iommu_ioas_unmap.encode({ size: 24, ioas_id: ioas, iova, length });
  sim.ioctl(fd, IOMMUFD_IOCTLS.IOMMU_IOAS_UNMAP, arg);
  return iommu_ioas_unmap.decode(arg).length;
}
function ranges(sim: PciRig["sim"], fd: Fd, ioas: number): { ranges: [bigint, bigint][]; alignment: bigint } {
  const mem = sim.allocMemory(4096);
  try {
    const arg = iommu_ioas_iova_ranges.encode({ size: 32, ioas_id: ioas, num_iovas: 8, allowed_iovas: mem.address });
    sim.ioctl(fd, IOMMUFD_IOCTLS.IOMMU_IOAS_IOVA_RANGES, arg);
    const v = iommu_ioas_iova_ranges.decode(arg);
    const out: [bigint, bigint][] = [];
    for (let i = 0; i < v.num_iovas; i++) {
      const r = iommu_iova_range.decode(mem.bytes, i * 16);
      out.push([r.start, r.last]);
    }
    return { ranges: out, alignment: v.out_iova_alignment };
  } finally {
    mem.free();
  }
}

describe("cdev nodes and sysfs", () => {
  test("vfio-pci gives edu vfio-dev/vfio0 with a dev attribute and /dev/vfio/devices/vfio0; unbind removes both", () => {
    rig = makePciRig();
    const { sim } = rig;
    expect(sim.fs.exists(`${EDU_DIR}/vfio-dev`)).toBe(false);
    expect(sim.fs.exists("/dev/iommu")).toBe(true);
    bindEdu(sim);
    expect(sim.fs.readdir(`${EDU_DIR}/vfio-dev`)).toEqual(["vfio0"]);
    expect(sim.fs.readFile(`${EDU_DIR}/vfio-dev/vfio0/dev`)).toMatch(/^\d+:0\n$/);
    expect(sim.fs.readdir("/dev/vfio/devices")).toEqual(["vfio0"]);
    expect(sim.fs.readlink("/sys/class/vfio-dev/vfio0")).toContain(`${EDU}/vfio-dev/vfio0`);
    sim.fs.writeFile(`${EDU_DIR}/driver/unbind`, EDU);
    expect(sim.fs.exists(`${EDU_DIR}/vfio-dev`)).toBe(false);
    expect(sim.fs.exists(CDEV)).toBe(false);
  });

  test("a board without CONFIG_IOMMUFD has no /dev/iommu and no cdev; auto then takes the group path", () => {
    rig = makePciRig({ ...VIRT, iommufd: false });
    const { sim } = rig;
    bindEdu(sim);
    expect(sim.fs.exists("/dev/iommu")).toBe(false);
    expect(sim.fs.exists(CDEV)).toBe(false);
    const s = openDevice(sim, { sysfsPath: EDU_DIR, name: EDU });
    try {
      expect(s.mode).toBe("group");
    } finally {
      s.close();
    }
  });
});

describe("BIND_IOMMUFD and the group", () => {
  test("every ioctl before the bind is EINVAL, pread too; after it the device answers", () => {
    rig = makePciRig();
    const { sim } = rig;
    bindEdu(sim);
    const dev = sim.open(CDEV, O_RDWR);
    const info = vfio_device_info.encode({ argsz: 24 });
    expect(errnoOf(() => sim.ioctl(dev, DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO, info))).toBe("EINVAL");
    expect(errnoOf(() => sim.pread(dev, new Uint8Array(4), CONFIG))).toBe("EINVAL");
    const ictx = sim.open("/dev/iommu", O_RDWR);
    expect(bind(sim, dev, ictx)).toBe(1); // the first object of the context
    sim.ioctl(dev, DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO, info);
    expect(vfio_device_info.decode(info).num_regions).toBe(9);
  });

  test("bad bind arguments: iommufd < 0 and flags are EINVAL, a non-iommufd fd EBADFD, a closed number EBADF", () => {
    rig = makePciRig();
    const { sim } = rig;
    bindEdu(sim);
    const dev = sim.open(CDEV, O_RDWR);
    const call = (v: Parameters<typeof vfio_device_bind_iommufd.encode>[0]) =>
      errnoOf(() => sim.ioctl(dev, DEVICE_IOCTLS.VFIO_DEVICE_BIND_IOMMUFD, vfio_device_bind_iommufd.encode({ argsz: 16, ...v })));
    expect(call({ iommufd: -1 })).toBe("EINVAL");
    expect(call({ iommufd: sim.open("/dev/iommu", O_RDWR), flags: 1 })).toBe("EINVAL");
    expect(call({ iommufd: sim.open("/dev/vfio/vfio", O_RDWR) })).toBe("EBADFD");
    expect(call({ iommufd: 99_999 })).toBe("EBADF");
  });

  test("bind twice on one fd is EINVAL, a second cdev fd's bind is EINVAL too (the cdev path opens a device once)", () => {
    rig = makePciRig();
    const { sim } = rig;
    bindEdu(sim);
    const ictx = sim.open("/dev/iommu", O_RDWR);
    const a = sim.open(CDEV, O_RDWR);
    bind(sim, a, ictx);
    expect(errnoOf(() => bind(sim, a, ictx))).toBe("EINVAL");
    const b = sim.open(CDEV, O_RDWR); // opening works; only the bind refuses
    expect(errnoOf(() => bind(sim, b, ictx))).toBe("EINVAL");
    expect(errnoOf(() => bind(rig.other(), rig.other().open(CDEV, O_RDWR), ictx))).not.toBe("ok");
  });

  test("the group node is EBUSY while a cdev is bound (also for another process), and a bind is EBUSY while the group is open", () => {
    rig = makePciRig();
    const { sim } = rig;
    bindEdu(sim);
    const ictx = sim.open("/dev/iommu", O_RDWR);
    const dev = sim.open(CDEV, O_RDWR);
    bind(sim, dev, ictx);
    expect(errnoOf(() => sim.open("/dev/vfio/0", O_RDWR))).toBe("EBUSY");
    const other = rig.other();
    expect(errnoOf(() => other.open("/dev/vfio/0", O_RDWR))).toBe("EBUSY");
    sim.close(dev); // unbind
    const group = other.open("/dev/vfio/0", O_RDWR);
    const dev2 = sim.open(CDEV, O_RDWR);
    expect(errnoOf(() => bind(sim, dev2, ictx))).toBe("EBUSY");
    other.close(group);
    expect(bind(sim, dev2, ictx)).toBeGreaterThan(0);
  });
});

describe("IOAS", () => {
  test("ids come from one table from 1; ranges are everything at alignment 1 until attach, then minus the MSI window and beyond 48 bits at 4 KiB", () => {
    rig = makePciRig();
    const { sim } = rig;
    bindEdu(sim);
    const ictx = sim.open("/dev/iommu", O_RDWR);
    const dev = sim.open(CDEV, O_RDWR);
    expect(bind(sim, dev, ictx)).toBe(1);
    const ioas = ioasAlloc(sim, ictx);
    expect(ioas).toBe(2);
    expect(ranges(sim, ictx, ioas)).toEqual({ ranges: [[0n, (1n << 64n) - 1n]], alignment: 1n });
    expect(attach(sim, dev, ioas)).toBe(3); // the automatically created hardware page table
    expect(ranges(sim, ictx, ioas)).toEqual({
      ranges: [
        [0n, 0x7ff_ffffn],
        [0x810_0000n, (1n << 48n) - 1n],
      ],
      alignment: 4096n,
    });
    expect(errnoOf(() => sim.ioctl(ictx, IOMMUFD_IOCTLS.IOMMU_DESTROY, iommu_destroy.encode({ size: 8, id: ioas })))).toBe("EBUSY");
    expect(errnoOf(() => sim.ioctl(ictx, IOMMUFD_IOCTLS.IOMMU_DESTROY, iommu_destroy.encode({ size: 8, id: 1 })))).toBe("EBUSY");
    expect(errnoOf(() => sim.ioctl(ictx, IOMMUFD_IOCTLS.IOMMU_DESTROY, iommu_destroy.encode({ size: 8, id: 42 })))).toBe("ENOENT");
  });

  test("MAP: EEXIST on overlap, EINVAL unaligned or reserved after attach, EINVAL without READ/WRITE, ENOENT for an unknown IOAS; size rules", () => {
    rig = makePciRig();
    const { sim } = rig;
    bindEdu(sim);
    const ictx = sim.open("/dev/iommu", O_RDWR);
    const dev = sim.open(CDEV, O_RDWR);
    bind(sim, dev, ictx);
    const ioas = ioasAlloc(sim, ictx);
    attach(sim, dev, ioas);
    const mem = sim.allocMemory(16384);
    try {
      map(sim, ictx, ioas, mem.address, 0x10_0000n, 8192n);
      expect(errnoOf(() => map(sim, ictx, ioas, mem.address + 8192n, 0x10_1000n, 4096n))).toBe("EEXIST");
      expect(errnoOf(() => map(sim, ictx, ioas, mem.address + 8192n, 0x20_0800n, 4096n))).toBe("EINVAL");
      expect(errnoOf(() => map(sim, ictx, ioas, mem.address + 8192n, 0x800_0000n, 4096n))).toBe("EINVAL");
      expect(errnoOf(() => map(sim, ictx, ioas, mem.address + 8192n, 0x30_0000n, 4096n, IOMMU_IOAS_MAP_FIXED_IOVA))).toBe("EINVAL");
      expect(errnoOf(() => map(sim, ictx, 77, mem.address + 8192n, 0x30_0000n, 4096n))).toBe("ENOENT");
      expect(errnoOf(() => map(sim, ictx, ioas, mem.address + 8192n, 0x30_0000n, 4096n, RW | 0x100))).toMatch(/^(EOPNOTSUPP|ENOTSUP)$/); // one errno (95), two names
      const short = iommu_ioas_map.encode({ size: 32, flags: RW, ioas_id: ioas });
      expect(errnoOf(() => sim.ioctl(ictx, IOMMUFD_IOCTLS.IOMMU_IOAS_MAP, short))).toBe("EINVAL");
      const long = new Uint8Array(48);
      long.set(iommu_ioas_map.encode({ size: 48, flags: RW, ioas_id: ioas, user_va: mem.address + 8192n, iova: 0x30_0000n, length: 4096n }));
      long[44] = 1;
      expect(errnoOf(() => sim.ioctl(ictx, IOMMUFD_IOCTLS.IOMMU_IOAS_MAP, long))).toBe("E2BIG");
    } finally {
      sim.close(dev);
      sim.close(ictx);
      mem.free();
    }
  });

  test("before any attach the IOAS takes byte-aligned IOVAs; attaching then is EADDRINUSE", () => {
    rig = makePciRig();
    const { sim } = rig;
    bindEdu(sim);
    const ictx = sim.open("/dev/iommu", O_RDWR);
    const dev = sim.open(CDEV, O_RDWR);
    bind(sim, dev, ictx);
    const ioas = ioasAlloc(sim, ictx);
    const mem = sim.allocMemory(8192);
    try {
      map(sim, ictx, ioas, mem.address, 0x10_0800n, 4096n);
      expect(errnoOf(() => attach(sim, dev, ioas))).toBe("EADDRINUSE");
    } finally {
      sim.close(dev);
      mem.free();
    }
  });

  test("UNMAP: whole mappings only (ENOENT for a part or for nothing), several at once, all with length U64_MAX", () => {
    rig = makePciRig();
    const { sim } = rig;
    bindEdu(sim);
    const ictx = sim.open("/dev/iommu", O_RDWR);
    const ioas = ioasAlloc(sim, ictx);
    const mem = sim.allocMemory(16384);
    try {
      map(sim, ictx, ioas, mem.address, 0x10_0000n, 8192n);
      map(sim, ictx, ioas, mem.address + 8192n, 0x10_2000n, 4096n);
      expect(errnoOf(() => unmap(sim, ictx, ioas, 0x10_0000n, 4096n))).toBe("ENOENT");
      expect(errnoOf(() => unmap(sim, ictx, ioas, 0x50_0000n, 4096n))).toBe("ENOENT");
      expect(errnoOf(() => unmap(sim, ictx, ioas, 0x10_0000n, 0n))).toBe("EINVAL");
      expect(unmap(sim, ictx, ioas, 0x10_0000n, 0x3000n)).toBe(0x3000n);
      map(sim, ictx, ioas, mem.address, 0x10_0000n, 4096n);
      expect(unmap(sim, ictx, ioas, 0n, (1n << 64n) - 1n)).toBe(4096n);
      expect(unmap(sim, ictx, ioas, 0n, (1n << 64n) - 1n)).toBe(0n);
    } finally {
      mem.free();
    }
  });
});

describe("DMA through the IOAS", () => {
  test("edu copies through an IOAS; after UNMAP the same DMA is an SMMU translation fault recorded like type1's", () => {
    rig = makePciRig();
    const { sim, clock } = rig;
    bindEdu(sim);
    const s = openDevice(sim, { sysfsPath: EDU_DIR, name: EDU, iommuMode: "iommufd" });
    try {
      expect(s.mode).toBe("iommufd");
      const dev = s.device.fd;
      wr(sim, dev, CONFIG + 4, 2, 0x6); // memory + bus master
      const src = sim.allocMemory(4096);
      const dst = sim.allocMemory(4096);
      for (let i = 0; i < 4096; i++) src.bytes[i] = (i * 5 + 1) & 0xff;
      s.dma.mapMemory(src, 0x10_0000n, { read: true, write: false });
      s.dma.mapMemory(dst, 0x20_0000n, { read: false, write: true });
      // edu: 0x80 source, 0x88 destination, 0x90 count, 0x98 command (0x1 RAM -> buffer, 0x3 buffer -> RAM).
      const copy = (from: bigint, to: bigint, cmd: bigint) => {
        wr(sim, dev, 0x80, 8, from);
        wr(sim, dev, 0x88, 8, to);
        wr(sim, dev, 0x90, 8, 1024n);
        wr(sim, dev, 0x98, 8, cmd);
        clock.advance(200);
        sim.pread(dev, new Uint8Array(8), 0x98); // any access lets the device run
      };
      copy(0x10_0000n, 0x40000n, 1n);
      copy(0x40000n, 0x20_0000n, 3n);
      expect(Array.from(dst.bytes.subarray(0, 1024))).toEqual(Array.from(src.bytes.subarray(0, 1024)));
      expect(sim.smmu!.faults.length).toBe(0);
      s.dma.unmapDma(0x10_0000n, 4096n);
      copy(0x10_0000n, 0x40000n, 1n);
      expect(sim.smmu!.faults.map((f) => [f.kind, f.address, f.write])).toEqual([["translation", 0x10_0000n, false]]);
      src.free();
      dst.free();
    } finally {
      s.close();
    }
  });
});
