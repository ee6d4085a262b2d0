// Policy: `pl330 exec` frees its buffers only once the channel reads Stopped. A channel that still runs after DMAKILL
// keeps them (mapped, pinned) and the user is told once, unless on noiommu the device can be reset first (then they go,
// after the reset). A state that cannot be read is dma-test's case (the same stopBeforeFree): reset or one
// DMA_IN_FLIGHT warning, then free. Behind an IOMMU nothing is reset.
import { describe, expect, test } from "bun:test";
import { ExecBuffers } from "../../src/cli/pl330-exec/release.ts";
import { QuiesceBeforeFree } from "../../src/cli/script/quiesce-before-free.ts";
import { decodeCsr, type ChannelStatus } from "../../src/drivers/pl330/faults.ts";
import type { Device } from "../../src/vfio/device.ts";
import type { DmaBuffer } from "../../src/vfio/dma-buffer.ts";

const STOPPED = decodeCsr(0x0);
const KILLING = decodeCsr(0x8); // CSR.CHANNEL_STATUS 8: Killing

/** A world where every step is logged in order: state reads, resets, warnings, kept notices, releases. */
function world(opts: { noiommu: boolean; hasReset: boolean; states: (ChannelStatus | "throws")[] }) {
  const log: string[] = [];
  let state = 0;
  const device = {
    info: () => ({ hasReset: opts.hasReset }),
    reset: () => {
      log.push("reset");
      state = opts.states.length - 1; // after a reset the last state given is what the channel reads
    },
  } as unknown as Device;
  const status = () => {
    const st = opts.states[Math.min(state++, opts.states.length - 1)]!;
    if (st === "throws") throw new Error("EIO");
    return st;
  };
  const quiesce = new QuiesceBeforeFree(device, opts.noiommu, (why) => log.push(`warn: ${why}`));
  const held = new ExecBuffers(opts.noiommu, status, quiesce, (st) => log.push(`kept: ${st.state.name}`));
  for (const name of ["src", "program"]) held.keep({ release: () => log.push(`release ${name}`) } as unknown as DmaBuffer);
  return { held, log };
}

describe("ExecBuffers.release", () => {
  test("the states used here are the ones named", () => {
    expect([STOPPED.state.name, KILLING.state.name]).toEqual(["Stopped", "Killing"]);
  });

  test("channel Stopped: the buffers are freed, nothing reset, nothing said", () => {
    for (const noiommu of [true, false]) {
      const { held, log } = world({ noiommu, hasReset: true, states: [STOPPED] });
      held.release();
      expect(log).toEqual(["release program", "release src"]);
    }
  });

  test("noiommu, still Killing after DMAKILL, a reset function: the device is reset, then the buffers go", () => {
    const { held, log } = world({ noiommu: true, hasReset: true, states: [KILLING, STOPPED] });
    expect(held.confirmStopped()).toBeUndefined();
    held.release();
    expect(log).toEqual(["reset", "release program", "release src"]);
  });

  test("noiommu, still Killing, no reset function: the buffers are kept, and the user told once", () => {
    const { held, log } = world({ noiommu: true, hasReset: false, states: [KILLING] });
    expect(held.confirmStopped()?.state.name).toBe("Killing");
    held.release();
    held.release();
    expect(log).toEqual(["kept: Killing"]);
  });

  test("behind an IOMMU, still Killing: kept (no reset is tried)", () => {
    const { held, log } = world({ noiommu: false, hasReset: true, states: [KILLING] });
    held.release();
    expect(log).toEqual(["kept: Killing"]);
  });

  test("noiommu, the state cannot be read: reset (or one DMA_IN_FLIGHT warning) before the buffers are freed", () => {
    const withReset = world({ noiommu: true, hasReset: true, states: ["throws"] });
    withReset.held.release();
    expect(withReset.log).toEqual(["reset", "release program", "release src"]);
    const without = world({ noiommu: true, hasReset: false, states: ["throws"] });
    without.held.release();
    expect(without.log).toEqual(["warn: it has no reset function", "release program", "release src"]);
  });
});

test("the DMA_KEPT warning: one line of text, or one JSON notice with the facts under --json", async () => {
  const { dmaKeptNotice } = await import("../../src/cli/output/notices.ts");
  const text = dmaKeptNotice("2c0a0000.dma", 1, "Killing", true, false);
  expect(text).toMatch(/^vfio-plat: warning: kept 2c0a0000\.dma's DMA buffers mapped: channel 1 stays Killing after DMAKILL[^\n]*no IOMMU[^\n]*\n$/);
  const json = JSON.parse(dmaKeptNotice("2c0a0000.dma", 1, "Killing", false, true));
  expect(json.notice).toMatchObject({ code: "DMA_KEPT", device: "2c0a0000.dma", channel: 1, state: "Killing" });
  expect(json.notice.message).toContain("the IOMMU mapping goes when vfio-plat exits");
});
