// Which built-in map a device gets: by its device-tree compatibles on the virt board and on the real device trees the
// simulator boots (QEMU virt's dumpdtb, Juno, RK3399), by PCI ID for edu, and for virtio-mmio by what its Version and
// DeviceID registers say. A map that comes back is also the right one: its registers read the device's own IDs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { bindDevice, listDevices, openDevice, resolveDevice } from "../../src/index.ts";
import { BUILTIN_MAPS, builtinMapFor, builtinMapForPci, virtioMmioMapFor } from "../../src/registers/builtin/index.ts";
import type { RegisterMap } from "../../src/registers/register-map.ts";
import { boardSpecOf } from "../../src/sim/boards/board-of.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { VIRT } from "../../src/sim/boards/virt.ts";
import { builtDtbDir, listDtbs, QEMU_VIRT_DTB } from "../../scripts/boards/dtbs.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

/** The map each simulator model's devices must get by compatible. */
const MAP_OF_MODEL: Record<string, string> = { pl330: "pl330", pl031: "pl031", pl011: "pl011", "virtio-mmio": "virtio-mmio-v1" };

/** "device (model): map or none" for every device of a board that is not PCI. */
function lookups(b: BoardSpec): { device: string; model: string | undefined; map: string | undefined }[] {
  return b.devices.filter((d) => d.bus !== "pci").map((d) => ({ device: d.name, model: d.model, map: builtinMapFor(d.compatible)?.name }));
}

/** Every device with a modelled model gets that model's map; every other device gets none. */
function expectBoardLookups(b: BoardSpec): void {
  for (const l of lookups(b)) expect(l).toEqual({ ...l, map: l.model ? MAP_OF_MODEL[l.model] : undefined });
}

describe("builtinMapFor by compatible", () => {
  test("most specific compatible first; a later one is tried when the first names no map; arm,primecell alone names none", () => {
    expect(builtinMapFor(["arm,pl330", "arm,primecell"])?.name).toBe("pl330");
    expect(builtinMapFor(["arm,pl031", "arm,primecell"])?.name).toBe("pl031");
    expect(builtinMapFor(["arm,pl011", "arm,primecell"])?.name).toBe("pl011");
    expect(builtinMapFor(["virtio,mmio"])?.name).toBe("virtio-mmio-v1");
    expect(builtinMapFor(["rockchip,rk3399-uart-ish", "arm,pl011"])?.name).toBe("pl011");
    expect(builtinMapFor(["arm,primecell"])).toBeUndefined();
    expect(builtinMapFor(["arm,pl061", "arm,primecell"])).toBeUndefined();
    expect(builtinMapFor([])).toBeUndefined();
  });

  test("every device of the virt board gets its model's map", () => {
    expect(lookups(VIRT).filter((l) => l.map).length).toBe(5);
    expectBoardLookups(VIRT);
  });
});

const dtbDir = builtDtbDir();
describe.skipIf(dtbDir === undefined)("builtinMapFor on the real device trees (a skip means the DTBs are not built: bun scripts/boards/dtbs.ts)", () => {
  const dir = dtbDir ?? "";
  test("QEMU virt's own DTB: the PL011, the PL031 and the 32 virtio-mmio transports", () => {
    const b = boardSpecOf(join(dir, QEMU_VIRT_DTB));
    const got = lookups(b).filter((l) => l.map);
    expect(got.filter((l) => l.map === "virtio-mmio-v1").length).toBe(32);
    expect(got.filter((l) => l.map === "pl011").length).toBe(1);
    expect(got.filter((l) => l.map === "pl031").length).toBe(1);
    expectBoardLookups(b);
  });

  test("every Juno DTB: the PL330, PL011 and PL031", () => {
    const files = listDtbs(dir, "arm").filter((f) => /\/juno[^/]*\.dtb$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of files) {
      const b = boardSpecOf(f);
      const maps = lookups(b).map((l) => l.map);
      for (const m of ["pl330", "pl011", "pl031"]) expect([f, maps.includes(m)]).toEqual([f, true]);
      expectBoardLookups(b);
    }
  });

  test("every RK3399 DTB: both PL330s", () => {
    const files = listDtbs(dir, "rockchip").filter((f) => /\/rk3399[^/]*\.dtb$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of files) {
      const b = boardSpecOf(f);
      expect([f, lookups(b).filter((l) => l.map === "pl330").length]).toEqual([f, 2]);
      expectBoardLookups(b);
    }
  });
});

describe("PCI and virtio-mmio", () => {
  test("edu by ID: its BAR0 registers and the configuration header at region 7; any other function the header alone", () => {
    const edu = builtinMapForPci(0x1234, 0x11e8);
    expect(edu.name).toBe("edu+pci-config");
    const where = (m: RegisterMap, name: string) => m.registers.find((r) => r.name === name)?.region;
    expect([where(edu, "ID"), where(edu, "DMA_CMD"), where(edu, "PCI_VENDOR_ID"), where(edu, "PCI_COMMAND")]).toEqual([0, 0, 7, 7]);
    expect(builtinMapForPci(0x1af4, 0x1000)).toBe(BUILTIN_MAPS["pci-config"]!);
    expect(builtinMapForPci(0x11e8, 0x1234).name).toBe("pci-config");
  });

  test("virtioMmioMapFor: Version 1 legacy, 2 modern, DeviceID 2 adds virtio-blk's config space, other versions none", () => {
    expect(virtioMmioMapFor(1, 0)?.name).toBe("virtio-mmio-v1");
    expect(virtioMmioMapFor(2, 0)?.name).toBe("virtio-mmio-v2");
    expect(virtioMmioMapFor(1, 2)?.name).toBe("virtio-mmio-v1-blk");
    expect(virtioMmioMapFor(2, 2)?.name).toBe("virtio-mmio-v2-blk");
    expect(virtioMmioMapFor(2, 1)?.name).toBe("virtio-mmio-v2");
    expect(virtioMmioMapFor(0, 0)).toBeUndefined();
    const blk = virtioMmioMapFor(2, 2)!;
    // capacity is le64, but config space takes 32-bit accesses for it (virtio 1.x §4.2.2.2): two halves, low first.
    expect(blk.registers.find((r) => r.name === "capacity_lo")).toMatchObject({ offset: 0x100, width: 32, access: "RO" });
    expect(blk.registers.find((r) => r.name === "capacity_hi")).toMatchObject({ offset: 0x104, width: 32, access: "RO" });
    for (const m of [virtioMmioMapFor(1, 2)!, blk]) {
      expect(m.registers.filter((r) => r.offset >= 0x100 && r.width > 32).map((r) => r.name)).toEqual([]);
    }
    expect(blk.registers.find((r) => r.name === "writeback")).toMatchObject({ offset: 0x120, width: 8, access: "RW" });
    expect(blk.registers.find((r) => r.name === "QueueReady")?.offset).toBe(0x044);
    expect(virtioMmioMapFor(1, 2)!.registers.find((r) => r.name === "QueuePFN")?.offset).toBe(0x040);
  });
});

describe("the map found is the device's: its ID registers read the device's own identity through VFIO", () => {
  let board: TestBoard;
  beforeAll(() => {
    board = makeSimBoard();
  });
  afterAll(() => board.dispose());

  function open(name: string) {
    const { b, stateDir } = board;
    bindDevice(b, resolveDevice(name, listDevices(b)), { stateDir: join(stateDir, "host"), force: true });
    return openDevice(b, name);
  }
  const reg = (m: RegisterMap, name: string) => m.registers.find((r) => r.name === name)!;

  test("edu: PCI_VENDOR_ID/PCI_DEVICE_ID read 1234:11e8, and the map they select is edu's", () => {
    using s = open("0000:00:02.0");
    const header = BUILTIN_MAPS["pci-config"]!;
    const read = (m: RegisterMap, name: string) => Number(s.device.region(reg(m, name).region).read(reg(m, name).offset, reg(m, name).width));
    const vendor = read(header, "PCI_VENDOR_ID");
    const device = read(header, "PCI_DEVICE_ID");
    expect([vendor, device]).toEqual([0x1234, 0x11e8]);
    const map = builtinMapForPci(vendor, device);
    expect(read(map, "ID")).toBe(0x010000ed);
    expect(read(map, "PCI_INTERRUPT_PIN")).toBe(1);
  });

  test("virtio-mmio: the compatible's map reads Version and DeviceID, and they choose the same layout", () => {
    using s = open("a000000.virtio_mmio");
    const map = builtinMapFor(["virtio,mmio"])!;
    const read = (name: string) => Number(s.device.region(0).read(reg(map, name).offset, 32));
    expect(read("MagicValue")).toBe(0x74726976);
    expect(virtioMmioMapFor(read("Version"), read("DeviceID"))).toBe(map);
  });
});
