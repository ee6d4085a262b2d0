// Policy: Pl330Driver.runProgram runs the caller's own microcode on the simulated board's PL330 through the real
// VFIO library and the SMMU: a copy written with buffer names moves the bytes and leaves SAR/DAR advanced by the size,
// the events its DMASEVs raise are reported, an undefined instruction is a fault with FTR bit 0, a write to a
// device-read-only buffer a data write error, a program that waits forever is killed at the timeout, an abort kills
// the channel; the channel is Stopped after every ending and its interrupts are off.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { assemble } from "../../src/drivers/pl330/assembler.ts";
import { Pl330Driver } from "../../src/drivers/pl330/driver.ts";
import { Pl330Error } from "../../src/drivers/pl330/errors.ts";
import { signalledEvents } from "../../src/drivers/pl330/program-run.ts";
import { INTEN } from "../../src/drivers/pl330/registers.ts";
import { bindDevice } from "../../src/host/bind.ts";
import { listDevices } from "../../src/host/discovery.ts";
import { AbortedError } from "../../src/vfio/errors.ts";
import { DmaBuffer } from "../../src/vfio/dma-buffer.ts";
import { openDevice, type VfioSession } from "../../src/vfio/session.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

const DMA = "2c0a0000.dma";
const SIZE = 4096;
/** 4096 bytes in 32 bursts of 16 x 8 bytes, then event 3, then the end (Non-secure unprivileged accesses). */
const COPY = `
  DMAMOV SAR, src
  DMAMOV DAR, dst
  DMAMOV CCR, SB16 SS64 SAI DB16 DS64 DAI SP2 DP2
  DMALP 32
    DMALD
    DMAST
  DMALPEND
  DMAWMB
  DMASEV 3
  DMAEND
`;

describe("runProgram on the simulated PL330 behind the SMMU", () => {
  let tb: TestBoard;
  let session: VfioSession;
  let driver: Pl330Driver;
  const buffers: DmaBuffer[] = [];
  const buffer = (write: boolean, size = SIZE) => {
    const buf = DmaBuffer.allocate(tb.b, session.dma, size, { read: true, write });
    buffers.push(buf);
    return buf;
  };

  beforeAll(() => {
    tb = makeSimBoard();
    bindDevice(tb.b, listDevices(tb.b).find((d) => d.name === DMA)!, { stateDir: `${tb.stateDir}/host` });
    const dev = listDevices(tb.b).find((d) => d.name === DMA)!;
    session = openDevice(tb.b, { sysfsPath: dev.sysfsPath, name: dev.name });
    driver = new Pl330Driver(tb.b, session.device, session.device.region(0));
    driver.init();
  });
  afterAll(() => {
    driver?.remove();
    while (buffers.length) buffers.pop()!.release();
    session?.close();
    tb?.dispose();
  });

  const run = (text: string, symbols: Record<string, bigint>, timeoutMs = 5000, channel = 1, signal?: AbortSignal) => {
    const program = buffer(false);
    const code = assemble(text, { base: Number(program.iova), symbols }).bytes;
    return driver.runProgram({ channel, code, program: { iova: program.iova, bytes: program.bytes } }, timeoutMs, signal);
  };

  test("a copy written with names moves the bytes; SAR and DAR end advanced by the size; event 3 is reported", async () => {
    const src = buffer(false);
    const dst = buffer(true);
    for (let i = 0; i < SIZE; i++) src.bytes[i] = (i * 13 + 7) & 0xff;
    const out = await run(COPY, { src: src.iova, dst: dst.iova });
    expect(out.status).toBe("stopped");
    expect(out.registers.status.state.name).toBe("Stopped");
    expect(out.registers.sar).toBe(Number(src.iova) + SIZE);
    expect(out.registers.dar).toBe(Number(dst.iova) + SIZE);
    expect(out.registers.ftr).toBe(0);
    expect(out.events).toEqual([3]);
    expect(out.armed).toEqual([3]);
    expect(Buffer.compare(dst.bytes.subarray(0, SIZE), src.bytes.subarray(0, SIZE))).toBe(0);
    expect(driver.regs.read32(INTEN) & (1 << 3)).toBe(0); // the run's interrupt is off again
  });

  test("an undefined instruction faults with FTR bit 0 (undef_instr); the channel is killed to Stopped", async () => {
    const out = await run("DMANOP\n.byte 0xff\nDMAEND", {});
    expect(out.status).toBe("fault");
    expect(out.registers.ftr & 1).toBe(1);
    expect(out.registers.bits.map((b) => b.name)).toContain("undef_instr");
    expect(out.registers.cause).toBe("undefined instruction");
    expect(out.afterKill?.state.name).toBe("Stopped");
    expect(driver.channelStatus(1).state.name).toBe("Stopped");
  });

  test("a store to a device-read-only buffer is a data write error (FTR bit 17)", async () => {
    const src = buffer(false);
    const ro = buffer(false);
    const out = await run(COPY, { src: src.iova, dst: ro.iova });
    expect(out.status).toBe("fault");
    expect((out.registers.ftr >>> 17) & 1).toBe(1);
    expect(out.registers.cause).toBe("data write error");
    expect(out.afterKill?.state.name).toBe("Stopped");
  });

  test("a program that waits for an event nobody sends is killed at the timeout", async () => {
    const out = await run("DMAWFE 5\nDMAEND", {}, 300);
    expect(out.status).toBe("timeout");
    expect(out.registers.status.state.name).toBe("Waiting for event");
    expect(out.afterKill?.state.name).toBe("Stopped");
    expect(out.events).toEqual([]);
  });

  test("an abort kills the channel and throws AbortedError", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort("SIGINT"), 50);
    await expect(run("DMAWFE 6\nDMAEND", {}, -1, 2, ac.signal)).rejects.toBeInstanceOf(AbortedError);
    expect(driver.channelStatus(2).state.name).toBe("Stopped");
  });

  test("refusals are facts: a channel the DMAC lacks, an empty program, a program larger than its buffer", async () => {
    const program = buffer(false);
    const req = (code: Uint8Array, channel = 0) => driver.runProgram({ channel, code, program: { iova: program.iova, bytes: program.bytes } }, 100);
    const reason = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        expect(e).toBeInstanceOf(Pl330Error);
        return (e as Pl330Error).refusal.reason;
      }
      return "none";
    };
    expect(await reason(req(new Uint8Array([0]), 8))).toBe("no-such-channel");
    expect(await reason(req(new Uint8Array(0)))).toBe("bad-range");
    expect(await reason(req(new Uint8Array(program.size + 1)))).toBe("program-too-big");
  });
});

test("signalledEvents lists the events a program's DMASEVs name, once each, in order", () => {
  expect(signalledEvents(assemble("DMASEV 4\nDMASEV 1\nDMASEV 4\nDMAEND").bytes)).toEqual([4, 1]);
  expect(signalledEvents(assemble("DMAEND").bytes)).toEqual([]);
});
