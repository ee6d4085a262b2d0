// Policy: no way out of runProgram leaves the channel running on buffers its caller is about to free — a poll that
// fails, a debug interface busy after DMAGO, an abort — and when even the kill fails, driver.remove() stops the
// channel the program runs on. Event bits: INTCLR acts only where INTEN is 1, so the run enables before it clears and
// clears before it disables; a stale event-mode bit is neither reported as the next program's nor left pending by
// init(). Every refusal (channel-busy included) writes nothing to the DMAC. On the simulated board through VFIO.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { SyscallError } from "../../src/boundary/syscall-error.ts";
import { assemble } from "../../src/drivers/pl330/assembler.ts";
import { debugSev } from "../../src/drivers/pl330/debug.ts";
import { Pl330Driver } from "../../src/drivers/pl330/driver.ts";
import { Pl330Error } from "../../src/drivers/pl330/errors.ts";
import { DBGCMD, DBGINST0, DBGSTATUS, INT_EVENT_RIS, INTEN, type RegisterPort } from "../../src/drivers/pl330/registers.ts";
import { bindDevice } from "../../src/host/bind.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { AbortedError } from "../../src/vfio/errors.ts";
import { DmaBuffer } from "../../src/vfio/dma-buffer.ts";
import { openDevice, type VfioSession } from "../../src/vfio/session.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const DMA = "2c0a0000.dma";

/** The DMAC's registers with writes recorded and DBGSTATUS forced busy while `busy()` says so. */
class Recording implements RegisterPort {
  writes: string[] = [];
  busy: () => boolean = () => false;
  /** Called after each DBGCMD write with the DBGINST0 that preceded it. */
  onCommand: (inst0: number) => void = () => {};
  #inst0 = 0;
  constructor(private readonly inner: RegisterPort) {}
  read32(offset: number): number {
    if (offset === DBGSTATUS && this.busy()) return 1;
    return this.inner.read32(offset);
  }
  write32(offset: number, value: number): void {
    this.writes.push(`0x${offset.toString(16)}=0x${(value >>> 0).toString(16)}`);
    if (offset === DBGINST0) this.#inst0 = value;
    this.inner.write32(offset, value);
    if (offset === DBGCMD) this.onCommand(this.#inst0);
  }
}

const isGo = (inst0: number) => ((inst0 >>> 16) & 0xfd) === 0xa0;
const eio = () => new SyscallError({ syscall: "poll", errno: 5 }); // EIO

describe("runProgram leaves no channel running, whatever way it ends", () => {
  let tb: TestBoard;
  let session: VfioSession;
  const buffers: DmaBuffer[] = [];
  const drivers: Pl330Driver[] = [];

  beforeAll(() => {
    tb = makeSimBoard();
    bindDevice(tb.b, listDevices(tb.b).find((d) => d.name === DMA)!, { stateDir: `${tb.stateDir}/host` });
    const dev = listDevices(tb.b).find((d) => d.name === DMA)!;
    session = openDevice(tb.b, { sysfsPath: dev.sysfsPath, name: dev.name });
  });
  afterAll(() => {
    for (const d of drivers) d.remove();
    while (buffers.length) buffers.pop()!.release();
    session?.close();
    tb?.dispose();
  });

  /** A driver on recorded registers, with `poll` replaceable; and a program buffer the device may read. */
  const setup = (poll: KernelBoundary["poll"] = (fds, ms) => tb.b.poll(fds, ms)) => {
    const regs = new Recording(session.device.region(0));
    const driver = new Pl330Driver({ poll: (fds, ms) => poll(fds, ms) }, session.device, regs);
    drivers.push(driver);
    driver.init();
    const program = DmaBuffer.allocate(tb.b, session.dma, 4096, { read: true, write: false });
    buffers.push(program);
    const run = (text: string, channel: number, timeoutMs = 5000, signal?: AbortSignal, events?: number[]) =>
      driver.runProgram(
        { channel, code: assemble(text, { base: Number(program.iova) }).bytes, program: { iova: program.iova, bytes: program.bytes }, ...(events ? { events } : {}) },
        timeoutMs,
        signal,
      );
    return { regs, driver, run, program };
  };
  const state = (d: Pl330Driver, ch: number) => d.channelStatus(ch).state.name;

  test("a poll that fails (EIO) after DMAGO: the error propagates and the channel is already Stopped", async () => {
    const { driver, run } = setup(() => {
      throw eio();
    });
    await expect(run("DMASEV 1\nDMAWFE 3\nDMAEND", 0)).rejects.toBeInstanceOf(SyscallError);
    expect(state(driver, 0)).toBe("Stopped");
    expect(driver.regs.read32(INTEN)).toBe(0);
  });

  test("the debug interface busy after DMAGO was written (DebugBusyError): the channel is killed before it propagates", async () => {
    const { driver, regs, run } = setup();
    let busyUntil = 0;
    regs.busy = () => performance.now() < busyUntil;
    // Busy longer than debugGo waits (50 ms), shorter than a kill waits (500 ms).
    regs.onCommand = (inst0) => {
      if (isGo(inst0)) busyUntil = performance.now() + 150;
    };
    await expect(run("DMAWFE 3\nDMAEND", 1)).rejects.toThrow(/debug interface still busy/);
    expect(state(driver, 1)).toBe("Stopped");
  });

  test("when the kill fails too, the channel stays noted: driver.remove() stops it", async () => {
    let wedged = false;
    const { driver, regs, run } = setup(() => {
      wedged = true; // from the first wait on: the poll fails and the debug interface stays busy
      throw eio();
    });
    regs.busy = () => wedged;
    await expect(run("DMAWFE 3\nDMAEND", 2)).rejects.toBeInstanceOf(SyscallError);
    wedged = false;
    expect(state(driver, 2)).toBe("Waiting for event"); // the failed kill left it running
    driver.remove();
    expect(state(driver, 2)).toBe("Stopped");
  });

  test("driver.remove() while the run still waits (a second Ctrl-C runs the cleanups at once) stops the program's channel", async () => {
    const { driver, run } = setup();
    const pending = run("DMAWFE 3\nDMAEND", 7, -1);
    await Bun.sleep(5);
    expect(state(driver, 7)).toBe("Waiting for event");
    driver.remove();
    expect(state(driver, 7)).toBe("Stopped"); // before the buffers would be released
    expect((await pending).status).toBe("stopped");
  });

  test("an abort (Ctrl-C) kills the channel, and the event it raised does not stay pending as an event", async () => {
    const { driver, run } = setup();
    const ac = new AbortController();
    ac.abort("SIGINT");
    await expect(run("DMASEV 0\nDMAWFE 5\nDMAEND", 3, 5000, ac.signal)).rejects.toBeInstanceOf(AbortedError);
    expect(state(driver, 3)).toBe("Stopped");
    expect(driver.regs.read32(INT_EVENT_RIS) & 1).toBe(0);
    // Were event 0 left pending, this DMAWFE would proceed at once and the run end "stopped".
    const next = await run("DMAWFE 0\nDMAEND", 3, 200, undefined, []);
    expect(next.status).toBe("timeout");
  });

  test("a timeout reports the events raised before it, and clears them", async () => {
    const { driver, run } = setup();
    const out = await run("DMASEV 4\nDMAWFE 5\nDMAEND", 4, 200);
    expect(out.status).toBe("timeout");
    expect(out.events).toEqual([4]);
    expect(driver.regs.read32(INT_EVENT_RIS) & (1 << 4)).toBe(0);
  });

  test("a stale event-mode bit is not reported as the new program's; init() leaves none pending", async () => {
    const { driver, run } = setup();
    driver.regs.write32(INTEN, 0);
    debugSev(driver.regs, 6); // INTEN clear: an event for DMAWFE, pending in RIS
    expect(driver.regs.read32(INT_EVENT_RIS) & (1 << 6)).not.toBe(0);
    const out = await run("DMAEND", 5, 1000, undefined, [6]);
    expect(out.status).toBe("stopped");
    expect(out.events).toEqual([]);
    debugSev(driver.regs, 7);
    driver.init();
    expect(driver.regs.read32(INT_EVENT_RIS)).toBe(0);
  });

  test("every refusal, channel-busy included, writes nothing to the DMAC nor into the program buffer", async () => {
    const { driver, regs, run, program } = setup();
    const ac = new AbortController();
    const first = run("DMAWFE 5\nDMAEND", 6, -1, ac.signal);
    await Bun.sleep(5);
    expect(state(driver, 6)).toBe("Waiting for event");
    const reason = async (p: Promise<unknown>) => p.then(() => "none", (e) => (e instanceof Pl330Error ? e.refusal.reason : String(e)));
    program.bytes.fill(0xee);
    regs.writes = [];
    const req = (code: Uint8Array, channel: number, events?: number[], iova = program.iova) =>
      driver.runProgram({ channel, code, program: { iova, bytes: program.bytes }, ...(events ? { events } : {}) }, 100);
    expect(await reason(run("DMAEND", 6))).toBe("channel-busy");
    expect(await reason(req(new Uint8Array([0]), 99))).toBe("no-such-channel");
    expect(await reason(req(new Uint8Array([0]), 7, [driver.info.numEvents]))).toBe("no-such-event");
    expect(await reason(req(new Uint8Array(0), 7))).toBe("bad-range");
    expect(await reason(req(new Uint8Array([0]), 7, undefined, 0xffff_ffffn + 1n))).toBe("bad-range");
    expect(await reason(req(new Uint8Array(program.size + 1), 7))).toBe("program-too-big");
    expect(regs.writes).toEqual([]);
    expect(program.bytes.every((x) => x === 0xee)).toBe(true);
    ac.abort("SIGINT");
    await expect(first).rejects.toBeInstanceOf(AbortedError);
    expect(state(driver, 6)).toBe("Stopped");
  });
});
