// A user's device model on a simulated board, through the kernel boundary: its registers survive between "processes"
// (boundaries on one state directory), and a model that throws never costs the board its state: board.json stays a
// valid board, the failing device keeps its last good save, and the other open devices' registers are still saved.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectState, StateDamagedError } from "../../src/sim/index.ts";
import { bootState } from "../../src/sim/state/board-state.ts";
import { parseState } from "../../src/sim/state/state-store.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { failure, SCRATCH_MODULE, userDevice, virtWith } from "../helpers/user-model-board.ts";
import { PL031, bindVfio, openRaw, read32, write32 } from "../helpers/sim-kernel.ts";

const DEV = "1d000000.scratch";
/** Writing N to this scratch register makes the model throw in: 1 read, 2 write, 3 save, 4 advance, 5 reset. */
const ARM = 0xf0;
/** PL031 RTCLR (reads back the value last written: register state the board must keep). */
const LR = 0x08;

let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

function scratchBoard(): TestBoard {
  board = makeSimBoard(virtWith([userDevice(DEV, 0x1d00_0000n, 7, SCRATCH_MODULE)]));
  bindVfio(board.b, "platform", DEV);
  bindVfio(board.b, "amba", PL031);
  return board;
}

type Saved = { models: Record<string, unknown> };
const savedState = (dir: string) => JSON.parse(readFileSync(join(dir, "board.json"), "utf8")) as Saved;

describe("a user model on the board", () => {
  test("its registers are saved at the last close and restored by the next process", () => {
    const { b, stateDir, reopen } = scratchBoard();
    const s = openRaw(b, "platform", DEV);
    write32(b, s.device, 0x4, 0xc0ffee);
    s.close();
    expect(savedState(stateDir).models[DEV]).toEqual({ userModel: 1, state: { regs: [0, 0xc0ffee, ...new Array(14).fill(0)] } });
    const b2 = reopen();
    const s2 = openRaw(b2, "platform", DEV);
    expect(read32(b2, s2.device, 0x4)).toBe(0xc0ffee);
    s2.close();
  });

  for (const [n, op] of [[1, "read"], [2, "write"], [3, "save"], [4, "advance"]] as const) {
    test(`a throw in ${op}: a UserModelError, board.json valid, the device's last good state kept, the PL031's saved`, () => {
      const { b, stateDir } = scratchBoard();
      const s = openRaw(b, "platform", DEV);
      write32(b, s.device, 0x4, 0x1111);
      s.close(); // the good state: regs[1] = 0x1111
      const good = savedState(stateDir).models[DEV];
      const rtc = openRaw(b, "amba", PL031);
      const dev = openRaw(b, "platform", DEV);
      write32(b, rtc.device, LR, 0x5eed);
      write32(b, dev.device, 0x4, 0x2222); // never reaches the board: the model fails before its state is saved
      const arm = () => write32(b, dev.device, ARM, n);
      // Advance: the kernel brings every open device up to now on the way out of the arming write itself.
      if (op !== "advance") arm();
      const e = failure(() => {
        if (op === "read") read32(b, dev.device, 0x4);
        else if (op === "write") write32(b, dev.device, 0x4, 0x3333);
        else if (op === "save") b.close(dev.device); // the last close saves at once
        else arm();
      });
      expect(e.operation).toBe(op);
      expect(e.device).toBe(DEV);
      expect(e.module).toBe(SCRATCH_MODULE);
      // The save that failed was one update for every open device: the PL031's registers went in all the same.
      if (op === "save") expect((savedState(stateDir).models[PL031] as { lr: number }).lr).toBe(0x5eed);
      // The dead device's accesses fail with the same error; closing everything still works and saves the PL031.
      if (op !== "save") {
        expect(failure(() => read32(b, dev.device, 0x8))).toBe(e);
        b.close(dev.device);
      }
      b.close(dev.group);
      b.close(dev.container);
      rtc.close();
      expect(inspectState(stateDir)).toEqual([]);
      const after = savedState(stateDir);
      expect(after.models[DEV]).toEqual(good);
      expect((after.models[PL031] as { lr: number }).lr).toBe(0x5eed);
    });
  }

  test("a throw in reset (VFIO_DEVICE_RESET of a device with a reset function) is the model's reset failure", () => {
    board = makeSimBoard(virtWith([{ ...userDevice(DEV, 0x1d00_0000n, 7, SCRATCH_MODULE, { throwIn: "reset" }), hasReset: true }]));
    bindVfio(board.b, "platform", DEV);
    // vfio-platform resets at open_device: the open itself fails, naming the model's reset.
    expect(failure(() => openRaw(board!.b, "platform", DEV)).operation).toBe("reset");
    expect(inspectState(board.stateDir)).toEqual([]);
  });
});

test("a throw in the reset at the last close: the close reports it, the device is closed all the same", () => {
  board = makeSimBoard(virtWith([{ ...userDevice(DEV, 0x1d00_0000n, 7, SCRATCH_MODULE), hasReset: true }]));
  const { b, stateDir } = board;
  bindVfio(b, "platform", DEV);
  const s = openRaw(b, "platform", DEV);
  write32(b, s.device, ARM, 5);
  expect(failure(() => b.close(s.device)).operation).toBe("reset");
  b.close(s.group);
  b.close(s.container);
  // Opened again: a fresh model (reset at open, nothing armed), not the dead one.
  const again = openRaw(b, "platform", DEV);
  write32(b, again.device, 0x4, 0x42);
  expect(read32(b, again.device, 0x4)).toBe(0x42);
  again.close();
  expect(inspectState(stateDir)).toEqual([]);
});

describe("a model that throws while the program waits in its own event loop", () => {
  test("the event timer keeps the error for the next call into the simulator, instead of crashing the process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-timer-model-"));
    try {
      // Due 5 ms after any write; advance always throws.
      const file = join(dir, "late.ts");
      writeFileSync(
        file,
        `export default (ctx: any) => { let due: number | undefined;
  return { read: () => 0, write() { due = ctx.nowMs() + 5; }, nextEventAtMs: () => due, advance() { throw new Error("late failure"); },
    save: () => ({}), restore() {} }; };\n`,
      );
      board = makeSimBoard(virtWith([userDevice(DEV, 0x1d00_0000n, 7, file)]));
      const { b } = board;
      bindVfio(b, "platform", DEV);
      bindVfio(b, "amba", PL031);
      const rtc = openRaw(b, "amba", PL031);
      const dev = openRaw(b, "platform", DEV);
      write32(b, dev.device, 0x0, 1);
      const due = Date.now() + 5;
      // Sleep in the event loop well past the event: the board's timer runs it (and meets the throw) meanwhile.
      while (Date.now() < due + 100) await Bun.sleep(20);
      const e = failure(() => read32(b, rtc.device, LR)); // any call: here the PL031's
      expect(e.operation).toBe("advance");
      expect(e.reason).toBe("late failure");
      expect(read32(b, rtc.device, LR)).toBeGreaterThanOrEqual(0); // reported once; the board goes on
      rtc.close();
      dev.close();
      expect(inspectState(board.stateDir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("board.json's check of a user model device", () => {
  const text = (module: unknown) =>
    JSON.stringify(bootState(virtWith([{ ...userDevice(DEV, 0x1d00_0000n, 7, "/x.ts"), modelOptions: { module } }])), (_k, v: unknown) =>
      typeof v === "bigint" ? { $bigint: `0x${v.toString(16)}` } : v,
    );
  test("an absolute .ts or .js path passes; anything else is damage naming the device and the field", () => {
    expect(parseState(text("/models/x.ts"), "board.json", "/d").board.devices.at(-1)!.modelOptions).toEqual({ module: "/models/x.ts" });
    expect(parseState(text("/models/x.js"), "board.json", "/d").board.devices.length).toBeGreaterThan(1);
    for (const bad of ["models/x.ts", "/models/x.txt", 42, undefined]) {
      let err: unknown;
      try {
        parseState(text(bad), "board.json", "/d");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StateDamagedError);
      expect((err as Error).message).toContain(`device "${DEV}": modelOptions.module is`);
    }
  });

  test("a user model on the pci bus is refused (they model platform and AMBA devices)", () => {
    const state = bootState(virtWith([{ ...userDevice(DEV, 0x1d00_0000n, 7, "/x.ts"), bus: "pci", pci: {} as never }]));
    const json = JSON.stringify(state, (_k, v: unknown) => (typeof v === "bigint" ? { $bigint: `0x${v.toString(16)}` } : v));
    expect(() => parseState(json, "board.json", "/d")).toThrow(`device "${DEV}": a user's model (model "module") sits on the platform or amba bus, not pci`);
  });
});
