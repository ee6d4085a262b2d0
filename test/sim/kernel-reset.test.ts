// vfio-platform's reset life-cycle on the simulated board: a device with a reset function reports the RESET flag,
// VFIO_DEVICE_RESET resets it, and so do the first open and the last close (state written in one session is gone in
// the next); a device without one keeps its registers across sessions, boundaries and processes.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_DATA_EVENTFD } from "../../src/vfio/abi/constants.ts";
import { DEVICE_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import {
  PL031,
  bindVfio,
  deviceInfo,
  drain,
  expectErrno,
  getDeviceFd,
  newEventFd,
  openRaw,
  read32,
  runChild,
  setIrqs,
  write32,
} from "../helpers/sim-kernel.ts";
import { REC_DEV, REC_LEVEL, RECORDERS, recorderBoard, registerRecorder } from "../helpers/sim-recorder.ts";

beforeAll(registerRecorder);

const SCRATCH = 0x10;

let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

function recorderWith(hasReset: boolean): TestBoard {
  board = makeSimBoard(recorderBoard({ hasReset }));
  bindVfio(board.b, "platform", REC_DEV);
  return board;
}

const ops = () => RECORDERS.get(REC_DEV)!.log.map((e) => e.op);
const resets = () => ops().filter((o) => o === "reset").length;

/** The recorder's saved registers in the board's state file (what the next process will find). */
function savedScratch(stateDir: string): string {
  const state = JSON.parse(readFileSync(join(stateDir, "board.json"), "utf8")) as { models: Record<string, { mem: string[] }> };
  return state.models[REC_DEV]!.mem[0]!.slice(2 * SCRATCH, 2 * SCRATCH + 8);
}

describe("a device with a reset function", () => {
  test("GET_INFO reports RESET (flags 0x5) and VFIO_DEVICE_RESET clears the registers", () => {
    const { b } = recorderWith(true);
    const s = openRaw(b, "platform", REC_DEV);
    expect(deviceInfo(b, s.device).flags).toBe(0x5);
    write32(b, s.device, SCRATCH, 0xdeadbeef);
    expect(read32(b, s.device, SCRATCH)).toBe(0xdeadbeef);
    const before = resets();
    expect(b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_RESET, 0)).toBe(0);
    expect(resets()).toBe(before + 1);
    expect(read32(b, s.device, SCRATCH)).toBe(0);
  });

  test("first open resets, a second device fd does not, closing one of two does not, the last close does", () => {
    const { b, stateDir } = recorderWith(true);
    const s = openRaw(b, "platform", REC_DEV);
    expect(ops()).toEqual(["reset"]); // a fresh board: nothing saved to restore, then the open's reset
    write32(b, s.device, SCRATCH, 0x12345678);
    const second = getDeviceFd(b, s.group, REC_DEV);
    expect(resets()).toBe(1);
    b.close(second);
    expect(resets()).toBe(1);
    expect(read32(b, s.device, SCRATCH)).toBe(0x12345678);
    b.close(s.device);
    expect(ops().at(-1)).toBe("reset");
    expect(resets()).toBe(2);
    expect(savedScratch(stateDir)).toBe("00000000"); // what the next session finds is the reset state
    b.close(s.group);
    b.close(s.container);
  });

  test("register state written in one session is gone in the next (another boundary on the board)", () => {
    const { b, reopen } = recorderWith(true);
    const s = openRaw(b, "platform", REC_DEV);
    write32(b, s.device, SCRATCH, 0xabcdef01);
    s.close();
    const b2 = reopen();
    const s2 = openRaw(b2, "platform", REC_DEV);
    expect(ops()).toEqual(["restore", "reset"]);
    expect(read32(b2, s2.device, SCRATCH)).toBe(0);
    s2.close();
  });

  test("a reset drops the device's level line: a trigger installed afterwards does not fire", () => {
    const { b } = recorderWith(true);
    const s = openRaw(b, "platform", REC_DEV);
    write32(b, s.device, REC_LEVEL, 1);
    b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_RESET, 0);
    const efd = newEventFd(b);
    setIrqs(b, s.device, { flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index: 0, start: 0, count: 1, eventfds: [efd] });
    expect(drain(b, efd)).toBe(0);
    b.close(efd);
    s.close();
  });
});

describe("a device without a reset function", () => {
  test("no RESET flag (0x4), VFIO_DEVICE_RESET is EINVAL and nothing is reset at open or close", () => {
    const { b } = recorderWith(false);
    const s = openRaw(b, "platform", REC_DEV);
    expect(deviceInfo(b, s.device).flags).toBe(0x4);
    expectErrno(() => b.ioctl(s.device, DEVICE_IOCTLS.VFIO_DEVICE_RESET, 0), "EINVAL");
    s.close();
    expect(resets()).toBe(0);
  });

  test("registers survive the last close, a new boundary, and another process (which can change them too)", () => {
    const { b, reopen, stateDir } = recorderWith(false);
    const s = openRaw(b, "platform", REC_DEV);
    write32(b, s.device, SCRATCH, 0xcafef00d);
    s.close();
    const b2 = reopen();
    const s2 = openRaw(b2, "platform", REC_DEV);
    expect(ops()).toEqual(["restore"]);
    expect(read32(b2, s2.device, SCRATCH)).toBe(0xcafef00d);
    s2.close();
    expect(runChild({ stateDir, mode: "access", bus: "platform", name: REC_DEV, offset: SCRATCH }).value).toBe(0xcafef00d);
    expect(runChild({ stateDir, mode: "access", bus: "platform", name: REC_DEV, offset: SCRATCH, write: 0x600d }).value).toBe(0x600d);
    const s3 = openRaw(b2, "platform", REC_DEV);
    expect(read32(b2, s3.device, SCRATCH)).toBe(0x600d);
    s3.close();
  });

  test("the PL031 (no reset function) keeps its match register across sessions and processes", () => {
    board = makeSimBoard("virt");
    const { b, stateDir } = board;
    bindVfio(b, "amba", PL031);
    const s = openRaw(b, "amba", PL031);
    write32(b, s.device, 0x04, 0x5eed);
    s.close();
    expect(runChild({ stateDir, mode: "access", bus: "amba", name: PL031, offset: 0x04 }).value).toBe(0x5eed);
  });
});
