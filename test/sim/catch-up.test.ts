// Policy: the simulated kernel bounds the host time its device models spend catching up with the board clock, per
// kernel entry (kernel/catch-up.ts), and says in the kernel log when a device fell behind. End to end on the virt
// board with its real-time clock: 10 000 CSR reads (pread and mmap) while a PL330 channel loops forever keep seeing
// the channel executing its loop, a DMAKILL stops it, and the log names the device that fell behind. No timing.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { createSimBoundary } from "../../src/sim/index.ts";
import { channelTarget, debugGo, debugKill } from "../../src/drivers/pl330/debug.ts";
import { CPC, CSR } from "../../src/drivers/pl330/registers.ts";
import { bindDevice } from "../../src/host/bind.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { CatchUpWindow, lagText } from "../../src/sim/kernel/catch-up.ts";
import type { SimBoundary } from "../../src/sim/sim-boundary.ts";
import { DmaBuffer } from "../../src/vfio/dma-buffer.ts";
import { openDevice } from "../../src/vfio/session.ts";
import { fifoLoopProgram } from "../../bench/rows/pl330-poll.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { kmsgLines } from "../helpers/sim-smmu.ts";

describe("the catch-up window", () => {
  test("an entry's window is shared by nested entries and closes with it; outside one each device gets its own", () => {
    let host = 100;
    const w = new CatchUpWindow(() => host, 0.05);
    w.open();
    host += 0.01;
    w.open(); // a nested entry (the second advance of a pread) keeps the first deadline
    expect(w.deadline()).toBeCloseTo(100.05, 9);
    w.close();
    expect(w.deadline()).toBeCloseTo(100.06, 9); // no entry open: a window of its own from now
    w.open(5); // a poll() wait: the time the program is willing to wait
    expect(w.deadline()).toBeCloseTo(105.01, 9);
    w.close();
  });

  test("a device's budget counts its lag and tells the kernel", () => {
    const w = new CatchUpWindow(() => 0, 0.05);
    const lag = { totalMs: 0, reported: false };
    const heard: number[] = [];
    const b = w.budgetFor(lag, (l) => heard.push(l.totalMs));
    b.fellBehind(0.25);
    b.fellBehind(0); // nothing dropped: nothing to say
    b.fellBehind(1.5);
    expect(lag.totalMs).toBeCloseTo(1.75, 9);
    expect(heard).toEqual([0.25, 1.75]);
    expect(lagText(0.123)).toBe("0.12 ms");
    expect(lagText(1234.4)).toBe("1234 ms");
  });
});

describe("the catchUpMs option", () => {
  test("must be a positive number of ms (or Infinity): 0, a negative number and NaN are refused, naming the option", () => {
    const os = createRealBoundary();
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-catchup-"));
    try {
      // Refused before the state directory is touched.
      for (const bad of [0, -1, Number.NaN]) {
        expect(() => createSimBoundary({ stateDir: join(dir, "never"), os, catchUpMs: bad })).toThrow(/catchUpMs must be a positive number of host milliseconds/);
      }
      expect(existsSync(join(dir, "never"))).toBe(false);
      createSimBoundary({ stateDir: dir, os, catchUpMs: Infinity }).dispose();
      createSimBoundary({ stateDir: dir, os, catchUpMs: 0.2 }).dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const DMA = "2c0a0000.dma";
let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

describe("a PL330 polled while a channel loops forever, on the real-time board clock", () => {
  test("10 000 CSR reads see it executing its loop; DMAKILL stops it; the kernel log says the device fell behind", () => {
    board = makeSimBoard();
    const b = board.b;
    bindDevice(b, listDevices(b).find((d) => d.name === DMA)!, { stateDir: `${board.stateDir}/host` });
    const bound = listDevices(b).find((d) => d.name === DMA)!;
    const session = openDevice(b, { sysfsPath: bound.sysfsPath, name: bound.name });
    const program = DmaBuffer.allocate(b, session.dma, 4096, { read: true, write: false });
    const data = DmaBuffer.allocate(b, session.dma, 8192, { read: true, write: true });
    const base = Number(program.iova);
    const bytes = fifoLoopProgram(Number(data.iova), Number(data.iova) + 4096);
    program.bytes.set(bytes, 0);
    data.bytes.set([1, 2, 3, 4, 5, 6, 7, 8], 0);
    const region = session.device.region(0);
    const mapped = region.mapped();
    debugGo(region, 0, base, true);
    const loopStart = base + bytes.length - 4; // DMALD; DMAST; DMALPEND
    const pcs = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const csr = i % 2 === 0 ? region.read32(CSR(0)) : mapped.read32(CSR(0));
      expect(csr & 0xf).toBe(1); // Executing
      const pc = region.read32(CPC(0));
      expect(pc).toBeGreaterThanOrEqual(loopStart);
      expect(pc).toBeLessThan(base + bytes.length);
      pcs.add(pc);
    }
    expect(pcs.size).toBeGreaterThan(1);
    // The fixed destination holds the source's beat: the loop moved data while it was polled.
    expect([...data.bytes.subarray(4096, 4104)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    debugKill(region, channelTarget(0), 5000);
    expect(region.read32(CSR(0)) & 0xf).toBe(0); // Stopped
    const during = kmsgLines(b as SimBoundary).filter((l) => l.includes(DMA) && l.includes("behind the board clock"));
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/simulator: the device model fell [\d.]+ ms behind the board clock \(catching up is bounded to 0\.05 ms of host time per access\)/);
    program.release();
    data.release();
    session.close();
    const after = kmsgLines(b as SimBoundary).filter((l) => l.includes(DMA) && l.includes("in all while open"));
    expect(after).toHaveLength(1);
  }, 120_000);
});
