// One contract, every backend: what the typed VFIO library observes through a kernel boundary for a bound device.
// It runs against the simulated board always and against a real device when VFIO_PLAT_TEST_DEVICE names one
// (serialport's testBinding, the kernel selftests' VFIO_SELFTESTS_BDF). Values and errnos are the real kernel's.
import { afterEach, describe, expect, test } from "bun:test";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { POLLIN } from "../../src/boundary/kernel-boundary.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { regionOffset } from "../../src/vfio/abi/constants.ts";
import { DEVICE_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { vfio_region_info } from "../../src/vfio/abi/structs.ts";
import { DmaBuffer } from "../../src/vfio/dma-buffer.ts";
import { BusyError, InvalidArgumentError, VfioError } from "../../src/vfio/errors.ts";
import { Group } from "../../src/vfio/group.ts";
import { openDevice, resolveGroupNode, type VfioSession } from "../../src/vfio/session.ts";

export interface ContractTarget {
  b: KernelBoundary;
  /** A device already bound to a VFIO driver. */
  name: string;
  sysfsPath: string;
  /** Facts the suite may rely on for this device. */
  expect: { irqIndex?: number; noiommu: boolean };
}

function errnoOf(e: unknown): string | undefined {
  let x: unknown = e;
  while (x instanceof Error) {
    if (x instanceof SyscallError) return x.code;
    x = x.cause;
  }
  return undefined;
}

/** Register the contract suite for one backend. `make` runs per test; `cleanup` after it. */
export function describeBoundary(label: string, make: () => ContractTarget, cleanup: () => void = () => {}): void {
  describe(`kernel boundary contract: ${label}`, () => {
    let session: VfioSession | undefined;
    let t: ContractTarget;
    const open = () => {
      t = make();
      // The group path: this suite checks the container/group ioctls (the cdev path has its own tests).
      session = openDevice(t.b, { sysfsPath: t.sysfsPath, name: t.name, iommuMode: "group" });
      return session;
    };
    afterEach(() => {
      session?.close();
      session = undefined;
      cleanup();
    });

    test("device info names the bus and counts regions and interrupts", () => {
      const s = open();
      const info = s.device.info();
      expect(["vfio-platform", "vfio-amba"]).toContain(info.api);
      expect(info.numRegions).toBeGreaterThan(0);
      const r0 = s.device.region(0);
      expect(r0.info.offset).toBe(0n);
      if (info.numRegions > 1) expect(s.device.region(1).info.offset).toBe(BigInt(regionOffset(1)));
    });

    test("a region read is repeatable at 32, 16 and 8 bits and the widths agree", () => {
      const s = open();
      const r = s.device.region(0);
      const off = r.size - 16; // PrimeCell ID block on AMBA devices; stable on any device's last words
      const w32 = r.read32(off);
      expect(r.read32(off)).toBe(w32);
      expect(r.read16(off)).toBe(w32 & 0xffff);
      expect(r.read8(off)).toBe(w32 & 0xff);
    });

    test("pread at the region end is EINVAL; a missing region index is EINVAL", () => {
      const s = open();
      const r = s.device.region(0);
      const buf = new Uint8Array(4);
      expect(() => t.b.pread(s.device.fd, buf, r.size)).toThrow(expect.objectContaining({ code: "EINVAL" }));
      const arg = vfio_region_info.encode({ argsz: 32, index: 99 });
      expect(() => t.b.ioctl(s.device.fd, DEVICE_IOCTLS.VFIO_DEVICE_GET_REGION_INFO, arg)).toThrow(
        expect.objectContaining({ code: "EINVAL" }),
      );
      expect(() => t.b.pread(s.device.fd, buf, regionOffset(7))).toThrow(expect.objectContaining({ code: "EINVAL" }));
    });

    test("GET_DEVICE_FD with a name not in the group is ENODEV", () => {
      const s = open();
      try {
        s.group!.openDevice("nosuchdev");
        throw new Error("expected ENODEV");
      } catch (e) {
        expect(e).toBeInstanceOf(VfioError);
        expect(errnoOf(e)).toBe("ENODEV");
      }
    });

    test("a second open of the group node is EBUSY", () => {
      const s = open();
      expect(() => Group.open(t.b, resolveGroupNode(t.b, s.groupId))).toThrow(BusyError);
    });

    test("interrupt loopback reaches the eventfd; level lines automask until unmasked", async () => {
      const s = open();
      if (t.expect.irqIndex === undefined) return;
      const irq = s.device.irq(t.expect.irqIndex);
      irq.enable();
      irq.trigger();
      const ev = await irq.wait(2000);
      expect(ev?.count).toBe(1n);
      if (irq.level) {
        irq.trigger(); // masked: the handler does not signal again
        expect(await irq.wait(100)).toBeUndefined();
        irq.unmask();
        irq.trigger();
        expect((await irq.wait(2000))?.count).toBe(1n);
        irq.unmask();
      } else {
        irq.trigger();
        irq.trigger();
        expect((await irq.wait(2000))?.count).toBe(2n); // coalesced in the eventfd counter
        expect(() => irq.unmask()).toThrow(expect.objectContaining({ code: "EINVAL" }));
      }
      irq.disable();
      // After disable the eventfd is gone and nothing is signalled.
      expect(irq.enabled).toBe(false);
      const efd = t.b.eventfd(0, 0);
      try {
        expect(t.b.poll([{ fd: efd, events: POLLIN }], 0)[0]).toBe(0);
      } finally {
        t.b.close(efd);
      }
    });

    test("DMA: IOMMU info, map, EEXIST on overlap, EINVAL in the MSI window; noiommu: pinned at its physical address, no IOVA of the caller's", () => {
      const s = open();
      if (t.expect.noiommu) {
        expect(s.noiommu).toBe(true);
        // No MAP_DMA: the buffer is pinned memory the device sees at the physical address pagemap gives.
        const buf = DmaBuffer.allocate(t.b, s.container!, 8192, { read: true, write: true });
        try {
          expect(buf.iova).toBe(buf.segments[0]!.address);
          expect(buf.iova).toBeGreaterThan(0n);
        } finally {
          buf.release();
        }
        expect(() => DmaBuffer.allocate(t.b, s.container!, 8192, { read: true, write: true }, 0x100000n)).toThrow(InvalidArgumentError);
        return;
      }
      const info = s.container!.iommuInfo();
      expect(info.minPageSize).toBe(4096n);
      expect(info.iovaRanges?.some((r) => r.start <= 0x8000000n && r.end >= 0x80fffffn)).toBe(false);
      const buf = DmaBuffer.allocate(t.b, s.container!, 8192, { read: true, write: true }, 0x100000n);
      try {
        expect(() => s.container!.mapMemory(buf.memory, 0x100000n, { read: true, write: true })).toThrow(
          expect.objectContaining({ code: "EEXIST" }),
        );
        expect(() => s.container!.mapMemory(buf.memory, 0x8000000n, { read: true, write: true })).toThrow(
          expect.objectContaining({ code: "EINVAL" }),
        );
      } finally {
        buf.release();
      }
      expect(s.container!.mappings.length).toBe(0);
    });
  });
}
