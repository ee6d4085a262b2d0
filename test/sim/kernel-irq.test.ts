// vfio-platform's interrupt handling at the raw boundary, with real eventfds: the automasked level handler (fires once,
// stays masked until UNMASK, fires again on UNMASK while the line is still asserted), edge lines, loopback, disable,
// DATA_BOOL {0}, and the PL031 alarm arriving exactly at the match second, also while the program sleeps in poll().
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { POLLIN } from "../../src/boundary/kernel-boundary.ts";
import { createRealBoundary } from "../../src/ffi/index.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";
import { BOARDS } from "../../src/sim/boards/index.ts";
import type { Clock } from "../../src/sim/devices/device-model.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { createSimBoundary } from "../../src/sim/index.ts";
import {
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_BOOL,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
} from "../../src/vfio/abi/constants.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { PL031, bindVfio, drain, expectErrno, newEventFd, openRaw, read32, setIrqs, write32, type RawSession } from "../helpers/sim-kernel.ts";
import { REC_DEV, REC_LEVEL, REC_PULSE, recorderBoard, registerRecorder } from "../helpers/sim-recorder.ts";

beforeAll(registerRecorder);

const TRIGGER_FD = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
const LOOPBACK = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
const MASK = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK;
const UNMASK = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
const LEVEL = 0;
const EDGE = 1;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** The recorder board with its device bound and open; helpers to drive its lines and make SET_IRQS calls. */
function recorder() {
  const board: TestBoard = makeSimBoard(recorderBoard());
  cleanups.push(() => board.dispose());
  const { b } = board;
  bindVfio(b, "platform", REC_DEV);
  const s = openRaw(b, "platform", REC_DEV);
  const efd = newEventFd(b);
  cleanups.push(() => b.close(efd));
  const irq = (flags: number, index: number, extra: { count?: number; eventfds?: number[]; bools?: boolean[] } = {}) =>
    setIrqs(b, s.device, { flags, index, start: 0, count: extra.count ?? 1, ...extra });
  return {
    board,
    b,
    s,
    efd,
    level: (on: boolean) => write32(b, s.device, REC_LEVEL, on ? 1 : 0),
    pulse: () => write32(b, s.device, REC_PULSE, 1),
    install: (index: number, fd = efd) => irq(TRIGGER_FD, index, { eventfds: [fd] }),
    irq,
    count: () => drain(b, efd),
  };
}

describe("level line (automasked)", () => {
  test("a line asserted before the trigger is installed fires once at install", () => {
    const r = recorder();
    r.level(true);
    expect(r.count()).toBe(0);
    r.install(LEVEL);
    expect(r.count()).toBe(1);
    r.install(LEVEL); // re-installing while automasked does not fire again
    expect(r.count()).toBe(0);
  });

  test("automask: a second assertion while masked is silent; UNMASK with the line still high fires again", () => {
    const r = recorder();
    r.install(LEVEL);
    r.level(true);
    expect(r.count()).toBe(1);
    r.level(false);
    r.level(true);
    expect(r.count()).toBe(0);
    r.irq(UNMASK, LEVEL);
    expect(r.count()).toBe(1); // still asserted: fires and masks again
    r.level(false);
    r.irq(UNMASK, LEVEL);
    expect(r.count()).toBe(0); // line low: nothing pending
    r.level(true);
    expect(r.count()).toBe(1);
  });

  test("MASK keeps an assertion silent; a line that fell before UNMASK does not fire", () => {
    const r = recorder();
    r.install(LEVEL);
    r.irq(MASK, LEVEL);
    r.level(true);
    expect(r.count()).toBe(0);
    r.level(false);
    r.irq(UNMASK, LEVEL);
    expect(r.count()).toBe(0);
    r.level(true);
    expect(r.count()).toBe(1);
  });

  test("loopback signals once and automasks: a loopback while masked does nothing until UNMASK", () => {
    const r = recorder();
    r.install(LEVEL);
    r.irq(LOOPBACK, LEVEL);
    expect(r.count()).toBe(1);
    r.irq(LOOPBACK, LEVEL);
    expect(r.count()).toBe(0);
    r.irq(UNMASK, LEVEL);
    expect(r.count()).toBe(0); // the loopback left no line asserted
    r.irq(LOOPBACK, LEVEL);
    expect(r.count()).toBe(1);
  });

  test("MASK/UNMASK with DATA_BOOL {0} are no-ops; {1} acts; TRIGGER with DATA_BOOL {0} does not loop back", () => {
    const r = recorder();
    r.install(LEVEL);
    r.irq(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_MASK, LEVEL, { bools: [false] });
    r.irq(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, LEVEL, { bools: [false] });
    expect(r.count()).toBe(0);
    r.irq(LOOPBACK, LEVEL);
    expect(r.count()).toBe(1); // not masked by the {0}
    r.irq(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_UNMASK, LEVEL, { bools: [false] });
    r.irq(LOOPBACK, LEVEL);
    expect(r.count()).toBe(0); // still automasked: the {0} did not unmask
    r.irq(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_UNMASK, LEVEL, { bools: [true] });
    r.irq(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, LEVEL, { bools: [true] });
    expect(r.count()).toBe(1);
    r.irq(UNMASK, LEVEL);
    r.irq(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_MASK, LEVEL, { bools: [true] });
    r.level(true);
    expect(r.count()).toBe(0);
  });

  test("disable (DATA_NONE, count 0) stops delivery; a new trigger fires for the line still asserted", () => {
    const r = recorder();
    r.install(LEVEL);
    r.irq(LOOPBACK, LEVEL, { count: 0 });
    r.level(true);
    expect(r.count()).toBe(0);
    r.install(LEVEL);
    expect(r.count()).toBe(1);
  });
});

describe("edge line", () => {
  test("loopback twice = counter 2; device edges signal each; MASK/UNMASK are EINVAL (not MASKABLE)", () => {
    const r = recorder();
    r.install(EDGE);
    r.irq(LOOPBACK, EDGE);
    r.irq(LOOPBACK, EDGE);
    expect(r.count()).toBe(2);
    r.pulse();
    r.pulse();
    r.pulse();
    expect(r.count()).toBe(3);
    expectErrno(() => r.irq(MASK, EDGE), "EINVAL");
    expectErrno(() => r.irq(UNMASK, EDGE), "EINVAL");
  });

  test("disable with DATA_NONE count 0 (or eventfd -1), then loopback and device edges do not signal", () => {
    const r = recorder();
    r.install(EDGE);
    r.irq(LOOPBACK, EDGE, { count: 0 });
    r.irq(LOOPBACK, EDGE);
    r.pulse();
    expect(r.count()).toBe(0);
    r.install(EDGE);
    r.irq(TRIGGER_FD, EDGE, { eventfds: [-1] });
    r.irq(LOOPBACK, EDGE);
    expect(r.count()).toBe(0);
  });

  test("a replaced trigger: later interrupts reach only the new eventfd", () => {
    const r = recorder();
    const second = newEventFd(r.b);
    cleanups.push(() => r.b.close(second));
    r.install(EDGE);
    r.install(EDGE, second);
    r.pulse();
    expect(r.count()).toBe(0);
    expect(drain(r.b, second)).toBe(1);
  });

  test("a trigger eventfd closed without disabling: its fd number reused by a new eventfd gets nothing", () => {
    const r = recorder();
    const old = newEventFd(r.b);
    r.install(EDGE, old);
    r.b.close(old);
    const reused = newEventFd(r.b);
    expect(reused).toBe(old); // Linux hands out the lowest free number
    cleanups.push(() => r.b.close(reused));
    r.pulse();
    r.irq(LOOPBACK, EDGE);
    // The kernel holds its own reference to the old eventfd; the new file behind the same number is untouched.
    expect(drain(r.b, reused)).toBe(0);
  });
  test("a trigger fd closed behind the boundary's back and reused by a regular file: nothing is written into the file", () => {
    const r = recorder();
    const old = newEventFd(r.b);
    r.install(EDGE, old);
    closeSync(old); // not through the boundary: the simulated kernel is not told
    const dir = mkdtempSync(join(tmpdir(), "vfio-plat-irqfile-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = openSync(join(dir, "victim"), "w+");
    cleanups.push(() => closeSync(file));
    expect(file).toBe(old);
    r.pulse();
    r.irq(LOOPBACK, EDGE);
    expect(fstatSync(file).size).toBe(0);
  });
});

describe("interrupt state across opens", () => {
  test("the last close frees the IRQ: the next session starts unmasked with no trigger", () => {
    const r = recorder();
    r.install(LEVEL);
    r.level(true);
    expect(r.count()).toBe(1); // now automasked
    r.s.close();
    const s2 = openRaw(r.b, "platform", REC_DEV);
    expect(r.count()).toBe(0);
    setIrqs(r.b, s2.device, { flags: TRIGGER_FD, index: LEVEL, start: 0, count: 1, eventfds: [r.efd] });
    expect(r.count()).toBe(1);
    s2.close();
  });
});

// ---- PL031 alarm on an injected clock ----

function pl031Board(clock: Clock, rtcSeconds?: number) {
  const spec: BoardSpec = structuredClone(BOARDS["virt"]!);
  const pl031 = spec.devices.find((d) => d.name === PL031)!;
  if (rtcSeconds !== undefined) pl031.modelOptions = { rtcSeconds };
  const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-irq-"));
  const opened: KernelBoundary[] = [];
  const open = () => {
    const b = createSimBoundary({ stateDir, os: createRealBoundary(), board: spec, clock });
    opened.push(b);
    return b;
  };
  cleanups.push(() => {
    for (const b of opened) b.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const b = open();
  bindVfio(b, "amba", PL031);
  return { b, open };
}

const DR = 0x00, MR = 0x04, IMSC = 0x10, RIS = 0x14, MIS = 0x18, ICR = 0x1c;

function armAlarm(b: KernelBoundary, s: RawSession, efd: number, match: number): void {
  write32(b, s.device, MR, match);
  write32(b, s.device, IMSC, 1);
  setIrqs(b, s.device, { flags: TRIGGER_FD, index: 0, start: 0, count: 1, eventfds: [efd] });
}

describe("PL031 alarm", () => {
  test("with a manual clock the eventfd fires exactly at the match second; after ICR an UNMASK is needed for the next", () => {
    const clock = new ManualClock(5_000_000); // 5000 s on the clock; the RTC reads 1000 there
    const { b } = pl031Board(clock, 1000);
    const s = openRaw(b, "amba", PL031);
    const efd = newEventFd(b);
    cleanups.push(() => b.close(efd));
    expect(read32(b, s.device, DR)).toBe(1000);
    armAlarm(b, s, efd, 1002);
    clock.set(5_001_999);
    expect(b.poll([{ fd: efd, events: POLLIN }], 0)).toEqual([0]);
    expect(read32(b, s.device, RIS)).toBe(0);
    clock.set(5_002_000);
    expect(b.poll([{ fd: efd, events: POLLIN }], 0)[0]! & POLLIN).toBe(POLLIN);
    expect(drain(b, efd)).toBe(1);
    expect([read32(b, s.device, DR), read32(b, s.device, RIS), read32(b, s.device, MIS)]).toEqual([1002, 1, 1]);

    write32(b, s.device, ICR, 1);
    write32(b, s.device, MR, 1004);
    clock.set(5_004_000);
    expect(read32(b, s.device, RIS)).toBe(1); // latched again ...
    expect(drain(b, efd)).toBe(0); // ... but the line is still automasked
    setIrqs(b, s.device, { flags: UNMASK, index: 0, start: 0, count: 1 });
    expect(drain(b, efd)).toBe(1);
  });

  test("poll() with a timeout on a manual clock that does not move returns 0 and nothing fires", () => {
    const clock = new ManualClock(5_000_000);
    const { b } = pl031Board(clock, 1000);
    const s = openRaw(b, "amba", PL031);
    const efd = newEventFd(b);
    cleanups.push(() => b.close(efd));
    armAlarm(b, s, efd, 1001);
    expect(b.poll([{ fd: efd, events: POLLIN }], 30)).toEqual([0]);
    expect(drain(b, efd)).toBe(0);
  });

  test("an alarm that falls due while no process has the device open is latched and fires at the next trigger install", () => {
    const clock = new ManualClock(5_000_000);
    const { b, open } = pl031Board(clock, 1000);
    const s = openRaw(b, "amba", PL031);
    write32(b, s.device, MR, 1003);
    write32(b, s.device, IMSC, 1);
    s.close();
    clock.set(5_010_000);
    const b2 = open();
    const s2 = openRaw(b2, "amba", PL031);
    const efd = newEventFd(b2);
    cleanups.push(() => b2.close(efd));
    expect(read32(b2, s2.device, RIS)).toBe(1);
    setIrqs(b2, s2.device, { flags: TRIGGER_FD, index: 0, start: 0, count: 1, eventfds: [efd] });
    expect(drain(b2, efd)).toBe(1);
  });

  test("poll() sleeps until the alarm's second (real time) and wakes with the eventfd readable", () => {
    let jump = 0;
    const clock: Clock = { nowMs: () => Date.now() + jump };
    const { b } = pl031Board(clock);
    const s = openRaw(b, "amba", PL031);
    const efd = newEventFd(b);
    cleanups.push(() => b.close(efd));
    // Move the clock forward so the next 1 Hz edge is ~300 ms away: short enough for the test, and below poll's
    // 1-second re-check slice, so only a poll that sleeps until the device's deadline sees the alarm in time.
    jump = (1700 - (clock.nowMs() % 1000)) % 1000;
    const dr = read32(b, s.device, DR);
    armAlarm(b, s, efd, dr + 1);
    const dueMs = (Math.floor(clock.nowMs() / 1000) + 1) * 1000;
    const revents = b.poll([{ fd: efd, events: POLLIN }], 900);
    expect(revents[0]! & POLLIN).toBe(POLLIN);
    expect(clock.nowMs()).toBeGreaterThanOrEqual(dueMs); // never early
    expect(read32(b, s.device, DR)).toBe(dr + 1);
    expect(drain(b, efd)).toBe(1);
  });
});
