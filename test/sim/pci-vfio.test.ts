// edu through vfio-pci at the raw kernel boundary: the lab's values (flags PCI, 9 regions, 5 interrupt indexes, BAR0
// 1 MiB at offset 0, config space at 7 << 40, INTx flags 0x7, RESET EINVAL, ID 0x010000ed) and vfio-pci's rules as
// the 6.12 source has them (absent BARs size 0 flags 0, VGA and ERR EINVAL, config space virtualised, EFAULT past
// its end, 8-byte BAR accesses, EIO with memory decoding off, bus mastering off until set and cleared at release).
import { afterEach, describe, expect, test } from "bun:test";
import { MAP_SHARED, PROT_READ, PROT_WRITE } from "../../src/boundary/kernel-boundary.ts";
import { regionOffset } from "../../src/vfio/abi/constants.ts";
import { DEVICE_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { vfio_device_info, vfio_irq_info } from "../../src/vfio/abi/structs.ts";
import { deviceInfo, errnoOf, expectErrno, irqInfo, regionInfo } from "../helpers/sim-kernel.ts";
import { CONFIG, bindEdu, makePciRig, openEdu, rd, wr, type EduSession, type PciRig } from "../helpers/sim-pci.ts";
import { kmsgLines } from "../helpers/sim-smmu.ts";

let rig: PciRig | undefined;
let s: EduSession | undefined;
afterEach(() => {
  s?.close();
  s = undefined;
  rig?.dispose();
  rig = undefined;
});

function open(): { rig: PciRig; s: EduSession } {
  rig = makePciRig();
  bindEdu(rig.sim);
  s = openEdu(rig.sim);
  return { rig, s };
}

describe("device, region and interrupt info", () => {
  test("DEVICE_GET_INFO: flags 0x2 (PCI, no RESET), 9 regions, 5 irqs; written back up to the full 24 bytes", () => {
    const { rig, s } = open();
    const info = deviceInfo(rig.sim, s.device);
    expect(info).toMatchObject({ flags: 0x2, num_regions: 9, num_irqs: 5 });
    const arg = vfio_device_info.encode({ argsz: 24, cap_offset: 0xdead, pad: 0xbeef });
    rig.sim.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO, arg);
    expect(vfio_device_info.decode(arg)).toMatchObject({ cap_offset: 0, pad: 0 });
    expectErrno(() => rig.sim.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_GET_INFO, vfio_device_info.encode({ argsz: 8 })), "EINVAL");
  });

  test("regions: BAR0 1 MiB READ|WRITE|MMAP at 0; BAR1-5 and ROM size 0 flags 0; config 256 bytes READ|WRITE at 7 << 40; VGA EINVAL", () => {
    const { rig, s } = open();
    expect(regionInfo(rig.sim, s.device, 0)).toMatchObject({ flags: 0x7, size: 0x10_0000n, offset: 0n });
    for (let i = 1; i <= 6; i++) {
      expect(regionInfo(rig.sim, s.device, i)).toMatchObject({ flags: 0, size: 0n, offset: BigInt(regionOffset(i)) });
    }
    expect(regionInfo(rig.sim, s.device, 7)).toMatchObject({ flags: 0x3, size: 256n, offset: 0x700_0000_0000n });
    expect(errnoOf(() => regionInfo(rig.sim, s.device, 8))).toBe("EINVAL");
    expect(errnoOf(() => regionInfo(rig.sim, s.device, 9))).toBe("EINVAL");
  });

  test("irqs: INTx count 1 flags 0x7; MSI count 1 and MSI-X count 0 with EVENTFD|NORESIZE; ERR EINVAL (no PCIe); REQ count 1", () => {
    const { rig, s } = open();
    expect(irqInfo(rig.sim, s.device, 0)).toMatchObject({ flags: 0x7, count: 1 });
    expect(irqInfo(rig.sim, s.device, 1)).toMatchObject({ flags: 0x9, count: 1 });
    expect(irqInfo(rig.sim, s.device, 2)).toMatchObject({ flags: 0x9, count: 0 });
    expect(errnoOf(() => irqInfo(rig.sim, s.device, 3))).toBe("EINVAL");
    expect(irqInfo(rig.sim, s.device, 4)).toMatchObject({ flags: 0x9, count: 1 });
    expect(errnoOf(() => irqInfo(rig.sim, s.device, 5))).toBe("EINVAL");
    expectErrno(() => rig.sim.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_GET_IRQ_INFO, vfio_irq_info.encode({ argsz: 8 })), "EINVAL");
  });

  test("VFIO_DEVICE_RESET is EINVAL (edu has no reset method); DEVICE_FEATURE is ENOTTY; an unknown ioctl ENOTTY", () => {
    const { rig, s } = open();
    expectErrno(() => rig.sim.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_RESET, 0), "EINVAL");
    expectErrno(() => rig.sim.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_FEATURE, new Uint8Array(16)), "ENOTTY");
    expectErrno(() => rig.sim.ioctl(s.device, 0x3b99, 0), "ENOTTY");
  });
});

describe("config space (region 7)", () => {
  test("ids, class, header type, interrupt pin and the MSI capability read as the device has them", () => {
    const { rig, s } = open();
    const r = (off: number, w: 1 | 2 | 4) => rd(rig.sim, s.device, CONFIG + off, w);
    expect(r(0, 4)).toBe(0x11e8_1234n);
    expect(r(0x08, 4)).toBe(0x00ff_0010n); // class 0x00ff00, revision 0x10
    expect(r(0x0e, 1)).toBe(0n);
    expect(r(0x2c, 4)).toBe(0x1100_1af4n);
    expect(r(0x3d, 1)).toBe(1n); // INTA
    expect(r(0x06, 2) & 0x10n).toBe(0x10n); // capability list
    expect(r(0x34, 1)).toBe(0x40n);
    expect(r(0x40, 2)).toBe(0x0005n); // MSI, end of the list
    expect(r(0x42, 2)).toBe(0x0080n); // 64-bit, one vector, disabled
  });

  test("vfio-pci enabled memory decoding at open but not bus mastering; COMMAND takes memory + bus master", () => {
    const { rig, s } = open();
    expect(rd(rig.sim, s.device, CONFIG + 4, 2)).toBe(0x0002n);
    expect(kmsgLines(rig.sim)).toContain("vfio-pci 0000:00:02.0: enabling device (0000 -> 0002)");
    wr(rig.sim, s.device, CONFIG + 4, 2, 0x0006);
    expect(rd(rig.sim, s.device, CONFIG + 4, 2)).toBe(0x0006n);
  });

  test("identity registers ignore writes; BAR0 answers the sizing protocol from the virtual copy; BAR1 reads 0", () => {
    const { rig, s } = open();
    wr(rig.sim, s.device, CONFIG, 4, 0xffff_ffff);
    expect(rd(rig.sim, s.device, CONFIG, 4)).toBe(0x11e8_1234n);
    const bar0 = rd(rig.sim, s.device, CONFIG + 0x10, 4);
    expect(bar0 & 0xfn).toBe(0n); // 32-bit, non-prefetchable memory
    wr(rig.sim, s.device, CONFIG + 0x10, 4, 0xffff_ffff);
    expect(rd(rig.sim, s.device, CONFIG + 0x10, 4)).toBe(0xfff0_0000n); // ~(1 MiB - 1)
    wr(rig.sim, s.device, CONFIG + 0x10, 4, bar0);
    expect(rd(rig.sim, s.device, CONFIG + 0x10, 4)).toBe(bar0);
    wr(rig.sim, s.device, CONFIG + 0x14, 4, 0xffff_ffff);
    expect(rd(rig.sim, s.device, CONFIG + 0x14, 4)).toBe(0n);
    // The BAR still decodes where the kernel put it: BAR0 reads the ID.
    expect(rd(rig.sim, s.device, 0, 4)).toBe(0x0100_00edn);
  });

  test("the interrupt line is virtual and writable; the pin and the capability pointer are read-only", () => {
    const { rig, s } = open();
    wr(rig.sim, s.device, CONFIG + 0x3c, 1, 0x2a);
    expect(rd(rig.sim, s.device, CONFIG + 0x3c, 1)).toBe(0x2an);
    wr(rig.sim, s.device, CONFIG + 0x3d, 1, 4);
    wr(rig.sim, s.device, CONFIG + 0x34, 1, 0x80);
    expect(rd(rig.sim, s.device, CONFIG + 0x3d, 1)).toBe(1n);
    expect(rd(rig.sim, s.device, CONFIG + 0x34, 1)).toBe(0x40n);
  });

  test("accesses must lie inside the 256 bytes: EFAULT at 256 and for a read running past the end", () => {
    const { rig, s } = open();
    expectErrno(() => rig.sim.pread(s.device, new Uint8Array(4), CONFIG + 256), "EFAULT");
    expectErrno(() => rig.sim.pread(s.device, new Uint8Array(8), CONFIG + 252), "EFAULT");
    const whole = new Uint8Array(256);
    expect(rig.sim.pread(s.device, whole, CONFIG)).toBe(256);
    expect(Array.from(whole.subarray(0, 4))).toEqual([0x34, 0x12, 0xe8, 0x11]);
  });
});

describe("BAR0 access", () => {
  test("ID register 0x010000ed; the liveness register reads back the inverse", () => {
    const { rig, s } = open();
    expect(rd(rig.sim, s.device, 0, 4)).toBe(0x0100_00edn);
    wr(rig.sim, s.device, 4, 4, 0x1234_5678);
    expect(rd(rig.sim, s.device, 4, 4)).toBe(0xedcb_a987n);
  });

  test("an 8-byte pread is ONE 64-bit access (vfio-pci on a 64-bit kernel): the DMA source reads back whole", () => {
    const { rig, s } = open();
    wr(rig.sim, s.device, 0x80, 8, 0x0000_0012_3456_7000n);
    expect(rd(rig.sim, s.device, 0x80, 8)).toBe(0x0000_0012_3456_7000n);
    // Split into two 32-bit accesses the upper half would be edu's unassigned 0x84, which reads all-ones.
    expect(rd(rig.sim, s.device, 0x84, 4)).toBe(0xffff_ffffn);
    // A 32-bit write sets the whole 64-bit register (upper half zero).
    wr(rig.sim, s.device, 0x80, 4, 0x0010_0000);
    expect(rd(rig.sim, s.device, 0x80, 8)).toBe(0x0010_0000n);
  });

  test("edu answers only 32-bit accesses below 0x80: a 64-bit read of the ID reads all-ones", () => {
    const { rig, s } = open();
    expect(rd(rig.sim, s.device, 0, 8)).toBe(0xffff_ffff_ffff_ffffn);
  });

  test("past BAR0 and in absent BARs, ROM and VGA: EINVAL", () => {
    const { rig, s } = open();
    const buf = new Uint8Array(4);
    expectErrno(() => rig.sim.pread(s.device, buf, 0x10_0000), "EINVAL");
    expectErrno(() => rig.sim.pread(s.device, buf, regionOffset(1)), "EINVAL");
    expectErrno(() => rig.sim.pread(s.device, buf, regionOffset(6)), "EINVAL");
    expectErrno(() => rig.sim.pread(s.device, buf, regionOffset(8)), "EINVAL");
  });

  test("with memory decoding switched off in COMMAND, BAR0 reads and writes fail with EIO", () => {
    const { rig, s } = open();
    wr(rig.sim, s.device, CONFIG + 4, 2, 0x0000);
    expectErrno(() => rig.sim.pread(s.device, new Uint8Array(4), 0), "EIO");
    expectErrno(() => rig.sim.pwrite(s.device, new Uint8Array(4), 4), "EIO");
    wr(rig.sim, s.device, CONFIG + 4, 2, 0x0002);
    expect(rd(rig.sim, s.device, 0, 4)).toBe(0x0100_00edn);
  });

  test("BAR0 maps (MAP_SHARED) and reads the same registers; other regions and a mapping past BAR0 are EINVAL", () => {
    const { rig, s } = open();
    const m = rig.sim.mmap(s.device, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    expect(m.read32(0)).toBe(0x0100_00ed);
    m.unmap();
    expectErrno(() => rig.sim.mmap(s.device, 0x1000, PROT_READ, MAP_SHARED, regionOffset(7)), "EINVAL");
    expectErrno(() => rig.sim.mmap(s.device, 0x1000, PROT_READ, MAP_SHARED, regionOffset(1)), "EINVAL");
    expectErrno(() => rig.sim.mmap(s.device, 0x2000, PROT_READ, MAP_SHARED, 0xff000), "EINVAL");
  });
});

describe("open and release", () => {
  test("the last close clears bus mastering (vfio_pci_core_disable); memory decoding stays, and is not logged again", () => {
    const first = open();
    wr(first.rig.sim, first.s.device, CONFIG + 4, 2, 0x0006);
    first.s.close();
    s = undefined;
    const view = first.rig.other();
    const again = openEdu(view);
    try {
      expect(rd(view, again.device, CONFIG + 4, 2) & 0x6n).toBe(0x2n);
    } finally {
      again.close();
    }
    expect(kmsgLines(first.rig.sim).filter((l) => l.includes("enabling device"))).toHaveLength(1);
  });

  test("a second opener of /dev/vfio/0 is EBUSY; GET_DEVICE_FD with another name is ENODEV", () => {
    const { rig, s } = open();
    expectErrno(() => rig.other().open("/dev/vfio/0", 2), "EBUSY");
    expectErrno(() => rig.sim.ioctl(s.group, 0x3b6a, new TextEncoder().encode("0000:00:03.0\0")), "ENODEV");
  });
});
