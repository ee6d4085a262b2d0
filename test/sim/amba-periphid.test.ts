// The amba bus identifies a device before any driver matches (drivers/amba/bus.c, amba_match): with no forced periphid
// it reads PeriphID/PCellID from the last 32 bytes of reg[0], and without a PrimeCell component ID (0xb105f00d) it
// defers every driver: drivers_probe binds nothing, not even vfio-amba through driver_override, while a write to a
// driver's `bind` file still probes (bind_store takes the -EPROBE_DEFER as a match). Generic-model devices read their
// board's reset values there; a tree's arm,primecell-periphid skips the read.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { bindVfio, driverOf } from "../helpers/sim-kernel.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const IDS = join(import.meta.dir, "../fixtures/board-files/amba-generic-ids.json");
const DTS = join(import.meta.dir, "../fixtures/dt/amba-rules.dts");
const dtc = Bun.which("dtc") !== null;

let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

describe("amba_match on generic-model AMBA devices (board file amba-generic-ids.json)", () => {
  test("ID registers that read zero: drivers_probe leaves the device unbound (probe deferred)", () => {
    board = makeSimBoard(IDS);
    bindVfio(board.b, "amba", "1c0f0000.wdt");
    expect(driverOf(board.b, "amba", "1c0f0000.wdt")).toBeUndefined();
  });

  test("ID registers holding a PrimeCell ID (the board's reset values): vfio-amba binds", () => {
    board = makeSimBoard(IDS);
    bindVfio(board.b, "amba", "1c0e0000.wdt");
    expect(driverOf(board.b, "amba", "1c0e0000.wdt")).toBe("vfio-amba");
  });

  test("the periphid read from the ID registers is the device's (its modalias); an unidentified one reads 0", () => {
    board = makeSimBoard(IDS);
    expect(board.b.fs.readFile("/sys/bus/amba/devices/1c0e0000.wdt/modalias")).toBe("amba:d00141805\n");
    expect(board.b.fs.readFile("/sys/bus/amba/devices/1c0f0000.wdt/modalias")).toBe("amba:d00000000\n");
  });

  test("a write to vfio-amba's bind file probes even an unidentified device (bind_store)", () => {
    board = makeSimBoard(IDS);
    board.b.fs.writeFile("/sys/bus/amba/drivers/vfio-amba/bind", "1c0f0000.wdt");
    expect(driverOf(board.b, "amba", "1c0f0000.wdt")).toBe("vfio-amba");
  });
});

describe.skipIf(!dtc)("amba_match on a device-tree board (amba-rules.dts; needs dtc)", () => {
  test("a generic PrimeCell without arm,primecell-periphid is deferred; with it, vfio-amba binds", () => {
    board = makeSimBoard(DTS);
    bindVfio(board.b, "amba", "4000.watchdog");
    expect(driverOf(board.b, "amba", "4000.watchdog")).toBeUndefined();
    bindVfio(board.b, "amba", "9000.watchdog");
    expect(driverOf(board.b, "amba", "9000.watchdog")).toBe("vfio-amba");
  });

  test("the modelled PrimeCells answer their own IDs: the PL330 binds to vfio-amba", () => {
    board = makeSimBoard(DTS);
    bindVfio(board.b, "amba", "3000.dma");
    expect(driverOf(board.b, "amba", "3000.dma")).toBe("vfio-amba");
  });
});
