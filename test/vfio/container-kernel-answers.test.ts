// Policy: the container and group objects turn the kernel's odd answers into errors that close what they opened: an
// API version other than VFIO_API_VERSION, a group held by another process (EBUSY), an IOMMU info whose argsz grows
// (the two-pass capability protocol, and a kernel that never stops growing it). Driven by the scripted boundary.
import { describe, expect, test } from "bun:test";
import { Container } from "../../src/vfio/container.ts";
import { BusyError, UnsupportedError, VfioError } from "../../src/vfio/errors.ts";
import { Device } from "../../src/vfio/device.ts";
import { Group } from "../../src/vfio/group.ts";
import { REQ, ScriptedBoundary } from "../helpers/scripted-boundary.ts";

const CAPS = 1 << 1; // VFIO_IOMMU_INFO_CAPS
const PGSIZES = 1 << 0; // VFIO_IOMMU_INFO_PGSIZES

describe("container", () => {
  test("an API version other than 0: UnsupportedError naming both, and the container fd is closed", () => {
    const b = new ScriptedBoundary().on("ioctl", REQ.VFIO_GET_API_VERSION, 1);
    expect(() => Container.open(b)).toThrow(UnsupportedError);
    expect(() => Container.open(new ScriptedBoundary().on("ioctl", REQ.VFIO_GET_API_VERSION, 1))).toThrow("VFIO API version 1 (expected 0)");
    const [open] = b.callsOf("open");
    expect(b.callsOf("close")).toEqual([{ op: "close", fd: open!.fd }]);
  });

  test("/dev/vfio/vfio missing (ENOENT): VfioError with the errno and the path, nothing to close", () => {
    const b = new ScriptedBoundary().on("open", { errno: "ENOENT" });
    let e: unknown;
    try {
      Container.open(b);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(VfioError);
    expect([(e as VfioError).operation, (e as VfioError).code]).toEqual(["cannot open /dev/vfio/vfio", "ENOENT"]);
    expect(b.callsOf("close")).toEqual([]);
  });

  test("IOMMU info, two passes: the kernel raises argsz for its capabilities and the second call has that size", () => {
    const b = new ScriptedBoundary().on("ioctl", REQ.VFIO_GET_API_VERSION, 0);
    b.next("ioctl", REQ.VFIO_IOMMU_GET_INFO, (arg) => {
      const v = new DataView((arg as Uint8Array).buffer);
      v.setUint32(0, 64, true); // argsz: "ask again with 64 bytes"
      v.setUint32(4, CAPS | PGSIZES, true);
      return 0;
    });
    b.next("ioctl", REQ.VFIO_IOMMU_GET_INFO, (arg) => {
      const v = new DataView((arg as Uint8Array).buffer);
      v.setUint32(4, PGSIZES, true); // flags: page sizes only (no chain to follow)
      v.setBigUint64(8, 0x1000n | 0x20_0000n, true); // iova_pgsizes: 4 KiB and 2 MiB
      return 0;
    });
    const info = Container.open(b).iommuInfo();
    const sizes = b.callsOf("ioctl").filter((c) => c.request === REQ.VFIO_IOMMU_GET_INFO).map((c) => (c.arg as Uint8Array).length);
    expect(sizes[1]).toBe(64);
    expect(sizes[0]).toBeLessThan(64);
    expect(info.minPageSize).toBe(0x1000n);
  });

  test("a kernel that raises argsz on every pass: VfioError after three calls, not a loop", () => {
    let argsz = 32;
    const b = new ScriptedBoundary().on("ioctl", REQ.VFIO_GET_API_VERSION, 0).on("ioctl", REQ.VFIO_IOMMU_GET_INFO, (arg) => {
      argsz += 32;
      new DataView((arg as Uint8Array).buffer).setUint32(0, argsz, true);
      return 0;
    });
    expect(() => Container.open(b).iommuInfo()).toThrow("VFIO_IOMMU_GET_INFO: argsz kept growing");
    expect(b.ioctlNames().filter((n) => n === "VFIO_IOMMU_GET_INFO")).toHaveLength(3);
  });

  test("MAP_DMA refused (ENOSPC: the entry limit): the error names the IOVA and keeps the errno; nothing is recorded", () => {
    const b = new ScriptedBoundary().on("ioctl", REQ.VFIO_GET_API_VERSION, 0).on("ioctl", REQ.VFIO_IOMMU_MAP_DMA, { errno: "ENOSPC" });
    const c = Container.open(b);
    expect(() => c.mapDma(0x1000n, 0x4000n, 0x1000n, { read: true, write: true })).toThrow("map DMA iova 0x4000");
    expect(c.mappings).toEqual([]);
  });
});

describe("group", () => {
  test("a group held by another process (EBUSY): BusyError; any other open failure a VfioError with the errno", () => {
    expect(() => Group.open(new ScriptedBoundary().on("open", { errno: "EBUSY" }), "/dev/vfio/3")).toThrow(BusyError);
    let e: unknown;
    try {
      Group.open(new ScriptedBoundary().on("open", { errno: "EACCES" }), "/dev/vfio/3");
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(VfioError);
    expect((e as VfioError).code).toBe("EACCES");
  });

  test("GET_STATUS with unknown bits: viable and container-set read only their own bits", () => {
    const b = new ScriptedBoundary().on("ioctl", REQ.VFIO_GROUP_GET_STATUS, (arg) => {
      new DataView((arg as Uint8Array).buffer).setUint32(4, 2 | (1 << 9), true); // CONTAINER_SET and bit 9
      return 0;
    });
    expect(Group.open(b, "/dev/vfio/3").status()).toEqual({ flags: 2 | (1 << 9), viable: false, containerSet: true });
  });
});

describe("closing", () => {
  test("a close(2) the kernel refuses (EIO) does not throw from close(); the object counts as closed", () => {
    const b = new ScriptedBoundary().on("ioctl", REQ.VFIO_GET_API_VERSION, 0).on("close", { errno: "EIO" });
    const c = Container.open(b);
    const g = Group.open(b, "/dev/vfio/3");
    const d = new Device(b, 42, "9010000.pl031");
    for (const x of [d, g, c]) {
      x.close();
      x.close(); // idempotent: no second close(2)
    }
    expect(b.callsOf("close").map((x) => x.fd)).toEqual([42, g.fd, c.fd]);
  });

  test("anything but a SyscallError from close is not swallowed", () => {
    const b = new ScriptedBoundary().on("ioctl", REQ.VFIO_GET_API_VERSION, 0).on("close", () => {
      throw new TypeError("bug in a backend");
    });
    expect(() => Container.open(b).close()).toThrow(TypeError);
  });
});
