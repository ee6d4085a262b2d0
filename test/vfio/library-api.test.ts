// The library as a TypeScript user meets it: a device opened by name with its regions named, `using` closing
// sessions, interrupts and DMA buffers at the end of a scope, interrupt events that JSON.stringify can write, and
// bindDevice/unbindDevice without a state directory (the boundary's default, beside the simulated board's state).
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindDevice, DmaBuffer, IrqEvent, listDevices, openBoundary, openDevice, resolveDevice, unbindDevice } from "../../src/index.ts";
import { VIRT } from "../../src/sim/boards/virt.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const RTC = "9010000.pl031";
let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

/** The virt board with the RTC's one region named "rtc" in the device tree. */
const NAMED: BoardSpec = {
  ...VIRT,
  devices: VIRT.devices.map((d) => (d.name === RTC ? { ...d, regions: d.regions.map((r) => ({ ...r, name: "rtc" })) } : d)),
};

function boundBoard(spec?: BoardSpec): TestBoard {
  board = makeSimBoard(spec);
  bindDevice(board.b, resolveDevice(RTC, listDevices(board.b)), { stateDir: join(board.stateDir, "host") });
  return board;
}

test("openDevice by sysfs name names the regions from reg-names", () => {
  const { b } = boundBoard(NAMED);
  const s = openDevice(b, RTC);
  try {
    expect(s.device.regionNames).toEqual(["rtc"]);
    expect(s.device.regionByName("rtc").read32(0xff0)).toBe(0x0d);
  } finally {
    s.close();
  }
});

test("openDevice with explicit options still names the regions when regionNames is left out", () => {
  const { b } = boundBoard(NAMED);
  const dev = resolveDevice(RTC, listDevices(b));
  using s = openDevice(b, { sysfsPath: dev.sysfsPath, name: dev.name });
  expect(s.device.regionNames).toEqual(["rtc"]);
});

test("`using` closes the session at the end of its scope: the group can be opened again", () => {
  const { b } = boundBoard();
  {
    using s = openDevice(b, RTC);
    expect(s.device.region(0).read32(0xff0)).toBe(0x0d);
    // While it is open, a second open of the same group is refused (EBUSY).
    expect(() => openDevice(b, RTC)).toThrow();
  }
  using again = openDevice(b, RTC);
  expect(again.device.info().numRegions).toBe(1);
});

test("`await using` closes the session too", async () => {
  const { b } = boundBoard();
  {
    await using s = openDevice(b, RTC);
    expect(s.mode).toBeDefined();
  }
  using again = openDevice(b, RTC);
  expect(again.device.name).toBe(RTC);
});

test("`using` on an interrupt disables it; `using` on a device closes it", () => {
  const { b } = boundBoard();
  using s = openDevice(b, RTC);
  const irq = s.device.irq(0);
  {
    using line = s.device.irq(0);
    line.enable();
    expect(line.enabled).toBe(true);
  }
  expect(irq.enabled).toBe(false);
  {
    using dev = s.device;
    expect(dev.info().numIrqs).toBe(1);
  }
  expect(() => s.device.region(0).read32(0xff0)).toThrow(); // its fd is closed
});

test("`using` on a DMA buffer unmaps it from the IOMMU at the end of the scope", () => {
  const { b } = boundBoard();
  using s = openDevice(b, RTC);
  let iova = 0n;
  {
    using buf = DmaBuffer.allocate(b, s.dma, 8192, { read: true, write: true });
    iova = buf.iova;
    expect(s.dma.mappings.some((m) => m.iova === iova)).toBe(true);
  }
  expect(s.dma.mappings.some((m) => m.iova === iova)).toBe(false);
});

test("an interrupt event serialises: count as a number, tNs as a decimal string (exact past 2^53)", async () => {
  const { b } = boundBoard();
  using s = openDevice(b, RTC);
  using irq = s.device.irq(0);
  irq.enable();
  irq.trigger();
  const ev = await irq.wait(2000);
  expect(ev).toBeInstanceOf(IrqEvent);
  const json = JSON.parse(JSON.stringify(ev));
  expect(json).toEqual({ count: 1, tNs: ev!.tNs.toString() });
  expect(JSON.stringify(new IrqEvent(2n, 1_733_000_000_123_456_789n))).toBe('{"count":2,"tNs":"1733000000123456789"}');
});

test("bindDevice and unbindDevice without a state directory keep their records beside the simulated board's state", async () => {
  const simStateDir = mkdtempSync(join(tmpdir(), "vfio-plat-default-state-"));
  const saved = process.env.VFIO_PLAT_STATE_DIR;
  delete process.env.VFIO_PLAT_STATE_DIR;
  const b = await openBoundary({ sim: true, simStateDir });
  try {
    const bound = bindDevice(b, resolveDevice(RTC, listDevices(b)));
    expect(bound.device.driver).toBe("vfio-amba");
    expect(readdirSync(join(simStateDir, "host", "bindings")).length).toBe(1);
    const back = unbindDevice(b, resolveDevice(RTC, listDevices(b)));
    expect(back.restoredDriver).toBe("rtc-pl031");
    expect(existsSync(join(simStateDir, "host"))).toBe(true);
  } finally {
    if (saved !== undefined) process.env.VFIO_PLAT_STATE_DIR = saved;
    b.dispose();
    rmSync(simStateDir, { recursive: true, force: true });
  }
});

test("a HostDevice read before bind still unbinds: the device is read again by name", () => {
  board = makeSimBoard();
  const { b } = board;
  const stateDir = join(board.stateDir, "host");
  const before = resolveDevice(RTC, listDevices(b));
  expect(before.driver).toBe("rtc-pl031");
  bindDevice(b, before, { stateDir });
  const back = unbindDevice(b, before, { stateDir });
  expect(back.outcome).toBe("unbound");
  expect(back.restoredDriver).toBe("rtc-pl031");
  expect(resolveDevice(RTC, listDevices(b)).driver).toBe("rtc-pl031");
});

test("a HostDevice read before bind opens after bind: openDevice reads the device again by name", () => {
  board = makeSimBoard();
  const { b } = board;
  const stateDir = join(board.stateDir, "host");
  const before = resolveDevice(RTC, listDevices(b));
  expect(before.groupNode).toBeUndefined(); // not bound yet: no group node in this object
  bindDevice(b, before, { stateDir });
  using s = openDevice(b, before);
  expect(s.device.name).toBe(RTC);
  expect(s.device.region(0).read32(0xff0)).toBe(0x0d); // PrimeCell ID byte 0, read through VFIO
});

test("one stale HostDevice goes through bind, unbind and bind again; an unbind of a device already given back says not-bound", () => {
  board = makeSimBoard();
  const { b } = board;
  const stateDir = join(board.stateDir, "host");
  const before = resolveDevice(RTC, listDevices(b));
  bindDevice(b, before, { stateDir });
  const whileBound = resolveDevice(RTC, listDevices(b));
  expect(whileBound.vfioBound).toBe(true);
  expect(unbindDevice(b, before, { stateDir }).outcome).toBe("unbound");
  // `whileBound` still says vfio-amba; the device is back on its driver, so there is nothing to undo.
  const again = unbindDevice(b, whileBound, { stateDir });
  expect(again.outcome).toBe("not-bound");
  expect(again.device.driver).toBe("rtc-pl031");
  const rebound = bindDevice(b, before, { stateDir });
  expect(rebound.device.driver).toBe("vfio-amba");
  expect(unbindDevice(b, whileBound, { stateDir }).restoredDriver).toBe("rtc-pl031");
});

