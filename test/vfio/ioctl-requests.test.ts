// Policy: the typed library sends the ioctl request numbers vfio.h defines, with the argument shape each one takes
// (a struct pointer with argsz, a pointer to an int, or a plain integer by value). The scripted boundary knows the
// numbers only from `_IO(';', 100 + n)` and literal values typed from the header, so a wrong number in
// src/vfio/abi/ioctls.ts (which the simulator shares, so there it cancels out) fails here without a C compiler.
import { describe, expect, test } from "bun:test";
import { Container } from "../../src/vfio/container.ts";
import { Device } from "../../src/vfio/device.ts";
import { Group } from "../../src/vfio/group.ts";
import { io, REQ, ScriptedBoundary, scriptDevice } from "../helpers/scripted-boundary.ts";

const READ_WRITE = 1 | 2; // VFIO_REGION_INFO_FLAG_READ | _WRITE
const EVENTFD_LEVEL = 1 | 2 | 4; // VFIO_IRQ_INFO_EVENTFD | _MASKABLE | _AUTOMASKED

const u32At = (arg: Uint8Array | number, off: number) => new DataView((arg as Uint8Array).buffer).getUint32(off, true);
const ioctls = (b: ScriptedBoundary) => b.callsOf("ioctl");

describe("the numbers themselves", () => {
  test("_IO(';', 100 + n) gives vfio.h's literal values (0x3b64 is VFIO_GET_API_VERSION, 0x3b6e VFIO_DEVICE_SET_IRQS)", () => {
    expect(io(0x3b, 100)).toBe(0x3b64);
    expect(REQ.VFIO_GET_API_VERSION).toBe(0x3b64);
    expect(REQ.VFIO_GROUP_GET_DEVICE_FD).toBe(0x3b6a);
    expect(REQ.VFIO_DEVICE_SET_IRQS).toBe(0x3b6e);
    expect(REQ.VFIO_IOMMU_UNMAP_DMA).toBe(0x3b72);
  });
});

describe("what the device object sends", () => {
  const dev = () => {
    const b = scriptDevice(new ScriptedBoundary(), {
      flags: 1 | 8, // RESET | AMBA
      regions: [{ flags: READ_WRITE, size: 0x1000n, offset: 0n }],
      irqs: [{ flags: EVENTFD_LEVEL, count: 1 }],
    });
    return { b, d: new Device(b, 7, "9010000.pl031") };
  };

  test("GET_INFO, GET_REGION_INFO, GET_IRQ_INFO: each request once, on the device fd, with argsz and the index", () => {
    const { b, d } = dev();
    expect(d.info()).toMatchObject({ api: "vfio-amba", numRegions: 1, numIrqs: 1, hasReset: true });
    d.region(0);
    d.irq(0);
    d.info(); // cached: no second GET_INFO
    expect(b.ioctlNames()).toEqual(["VFIO_DEVICE_GET_INFO", "VFIO_DEVICE_GET_REGION_INFO", "VFIO_DEVICE_GET_IRQ_INFO"]);
    const [info, region, irq] = ioctls(b);
    expect(ioctls(b).map((c) => c.fd)).toEqual([7, 7, 7]);
    expect(u32At(info!.arg, 0)).toBeGreaterThanOrEqual(16); // argsz covers flags, num_regions, num_irqs
    expect([u32At(region!.arg, 0), u32At(region!.arg, 8)]).toEqual([32, 0]); // sizeof(vfio_region_info), index
    expect([u32At(irq!.arg, 0), u32At(irq!.arg, 8)]).toEqual([16, 0]); // sizeof(vfio_irq_info), index
  });

  test("reset is VFIO_DEVICE_RESET with no argument", () => {
    const { b, d } = dev();
    b.on("ioctl", REQ.VFIO_DEVICE_RESET, 0);
    d.reset();
    expect(ioctls(b).at(-1)).toMatchObject({ request: 0x3b6f, arg: 0 });
  });

  test("enable and disable are VFIO_DEVICE_SET_IRQS with vfio_irq_set: flags, index, start, count, the eventfd", () => {
    const { b, d } = dev();
    b.on("ioctl", REQ.VFIO_DEVICE_SET_IRQS, 0);
    const efd = d.irq(0).enable();
    d.irq(0).disable();
    const [enable, disable] = ioctls(b).filter((c) => c.request === 0x3b6e);
    const on = enable!.arg as Uint8Array;
    // DATA_EVENTFD (1 << 2) | ACTION_TRIGGER (1 << 5); index 0, start 0, count 1; the s32 eventfd after the header.
    expect([u32At(on, 0), u32At(on, 4), u32At(on, 8), u32At(on, 12), u32At(on, 16)]).toEqual([24, 0x24, 0, 0, 1]);
    expect(new DataView(on.buffer).getInt32(20, true)).toBe(efd);
    const off = disable!.arg as Uint8Array;
    // DATA_NONE (1 << 0) | ACTION_TRIGGER, count 0: the header alone.
    expect([u32At(off, 0), u32At(off, 4), u32At(off, 16)]).toEqual([20, 0x21, 0]);
  });
});

describe("what the container and group send", () => {
  test("container: GET_API_VERSION, CHECK_EXTENSION and SET_IOMMU take integers by value", () => {
    const b = new ScriptedBoundary()
      .on("ioctl", REQ.VFIO_GET_API_VERSION, 0)
      .on("ioctl", REQ.VFIO_CHECK_EXTENSION, 1)
      .on("ioctl", REQ.VFIO_SET_IOMMU, 0);
    const c = Container.open(b);
    expect(b.callsOf("open")[0]).toMatchObject({ path: "/dev/vfio/vfio" });
    expect(c.checkExtension(3)).toBe(true);
    c.setIommu(3);
    expect(ioctls(b).map((x) => [x.request, x.arg])).toEqual([
      [0x3b64, 0],
      [0x3b65, 3], // VFIO_TYPE1v2_IOMMU by value
      [0x3b66, 3],
    ]);
  });

  test("container: MAP_DMA and UNMAP_DMA send their structs with flags, vaddr, iova and size", () => {
    const b = new ScriptedBoundary()
      .on("ioctl", REQ.VFIO_GET_API_VERSION, 0)
      .on("ioctl", REQ.VFIO_IOMMU_MAP_DMA, 0)
      .on("ioctl", REQ.VFIO_IOMMU_UNMAP_DMA, 0);
    const c = Container.open(b);
    c.mapDma(0x7f00_0000_0000n, 0x10_0000n, 0x2000n, { read: true, write: false });
    c.unmapDma(0x10_0000n, 0x2000n);
    const [, map, unmap] = ioctls(b);
    expect(map!.request).toBe(0x3b71);
    const m = new DataView((map!.arg as Uint8Array).buffer);
    // struct vfio_iommu_type1_dma_map: argsz, flags (READ = 1), vaddr @8, iova @16, size @24.
    expect([m.getUint32(0, true), m.getUint32(4, true), m.getBigUint64(8, true), m.getBigUint64(16, true), m.getBigUint64(24, true)]).toEqual([
      32, 1, 0x7f00_0000_0000n, 0x10_0000n, 0x2000n,
    ]);
    expect(unmap!.request).toBe(0x3b72);
    const u = new DataView((unmap!.arg as Uint8Array).buffer);
    expect([u.getBigUint64(8, true), u.getBigUint64(16, true)]).toEqual([0x10_0000n, 0x2000n]); // iova @8, size @16
  });

  test("group: GET_STATUS, SET_CONTAINER (a pointer to the container fd), GET_DEVICE_FD (the NUL-terminated name)", () => {
    const b = new ScriptedBoundary()
      .on("ioctl", REQ.VFIO_GET_API_VERSION, 0)
      .on("ioctl", REQ.VFIO_GROUP_GET_STATUS, (arg) => {
        new DataView((arg as Uint8Array).buffer).setUint32(4, 1, true); // VFIO_GROUP_FLAGS_VIABLE
        return 0;
      })
      .on("ioctl", REQ.VFIO_GROUP_SET_CONTAINER, 0)
      .on("ioctl", REQ.VFIO_GROUP_GET_DEVICE_FD, 42);
    const c = Container.open(b);
    const g = Group.open(b, "/dev/vfio/1");
    expect(g.status()).toMatchObject({ viable: true, containerSet: false });
    g.setContainer(c);
    const d = g.openDevice("9010000.pl031");
    expect(d.fd).toBe(42);
    const [, status, set, get] = ioctls(b);
    expect([status!.request, set!.request, get!.request]).toEqual([0x3b67, 0x3b68, 0x3b6a]);
    expect(status!.fd).toBe(g.fd);
    expect(new DataView((set!.arg as Uint8Array).buffer).getInt32(0, true)).toBe(c.fd);
    expect(new TextDecoder().decode(get!.arg as Uint8Array)).toBe("9010000.pl031\0");
  });
});
