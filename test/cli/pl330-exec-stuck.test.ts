// Policy: when DMAKILL does not bring the channel to Stopped, `pl330 exec` does not free the buffers under it: behind
// an IOMMU they stay mapped and the run fails (exit 1, channel-stuck); on noiommu a device with a reset function is
// reset first and its buffers then go; without one they stay. In process, on the simulated board, with a PL330 that
// "will not stop" made by patching the driver (the model always stops): runProgram reports a timeout with the channel
// still Killing, and kill() leaves it so.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliContext } from "../../src/cli/context.ts";
import { describeError } from "../../src/cli/output/errors.ts";
import { exec } from "../../src/cli/pl330-exec/exec.ts";
import type { OptionsOf } from "../../src/cli/command-options.ts";
import { Pl330Driver } from "../../src/drivers/pl330/driver.ts";
import { decodeCsr } from "../../src/drivers/pl330/faults.ts";
import type { ProgramRunOutcome, ProgramRunRequest } from "../../src/drivers/pl330/program-run.ts";
import { Device } from "../../src/vfio/device.ts";
import { DmaBuffer } from "../../src/vfio/dma-buffer.ts";
import { runCli, simEnv, tempSimState } from "../helpers/cli.ts";

const DMA = "2c0a0000.dma";
const KILLING = decodeCsr(0x8);

const saved = {
  runProgram: Pl330Driver.prototype.runProgram,
  kill: Pl330Driver.prototype.kill,
  channelStatus: Pl330Driver.prototype.channelStatus,
  release: DmaBuffer.prototype.release,
  reset: Device.prototype.reset,
};
afterEach(() => Object.assign(Pl330Driver.prototype, { runProgram: saved.runProgram, kill: saved.kill, channelStatus: saved.channelStatus }));
afterEach(() => Object.assign(DmaBuffer.prototype, { release: saved.release }));
afterEach(() => Object.assign(Device.prototype, { reset: saved.reset }));

/** Run `pl330 exec` in process with a channel that stays Killing; the log says what was reset and released, in order. */
async function stuckRun(board: { dir: string }) {
  const log: string[] = [];
  let resetDone = false;
  Object.assign(Device.prototype, {
    reset(this: Device) {
      log.push("reset");
      resetDone = true;
      saved.reset.call(this);
    },
  });
  Object.assign(DmaBuffer.prototype, {
    release(this: DmaBuffer) {
      log.push("release");
      saved.release.call(this);
    },
  });
  let running = false;
  Object.assign(Pl330Driver.prototype, {
    async runProgram(this: Pl330Driver, req: ProgramRunRequest): Promise<ProgramRunOutcome> {
      running = true;
      const registers = this.faultRegisters(req.channel);
      return { status: "timeout", channel: req.channel, registers, events: [], armed: [], interrupts: 0, afterKill: KILLING, ns: 1n };
    },
    kill(this: Pl330Driver, channel: number) {
      return this.channelStatus(channel);
    },
    channelStatus(this: Pl330Driver, channel: number) {
      return running && !resetDone ? KILLING : saved.channelStatus.call(this, channel);
    },
  });
  // The state directory keeps the board it was bound on (virt-noiommu, a board file): no environment needed.
  const ctx = new CliContext({ sim: true, simState: board.dir, json: true });
  const options = { buffer: ["b=4k"], timeout: 100 } as unknown as OptionsOf<"pl330">;
  const file = join(board.dir, "wait.s");
  writeFileSync(file, "DMAWFE 3\nDMAEND\n");
  let error: unknown;
  try {
    await exec(ctx, [DMA, file], options);
  } catch (e) {
    error = e;
  }
  log.push("-- cleanups");
  ctx.runCleanups();
  return { log, error };
}

describe("pl330 exec with a channel DMAKILL does not stop", () => {
  const iommu = tempSimState("vfio-plat-exec-stuck-");
  afterAll(iommu.dispose);

  test("behind the SMMU: exit 1 (channel-stuck), the buffers are not released", async () => {
    expect(runCli(["bind", DMA], { env: simEnv(iommu.dir) }).code).toBe(0);
    const { log, error } = await stuckRun(iommu);
    expect((error as Error).message).toBe(`channel 0 of ${DMA} stays Killing after DMAKILL: its DMA buffers are kept mapped, not freed`);
    expect((error as { hint?: string }).hint).toContain("reset the device");
    expect(describeError(error).exit).toBe(1);
    expect(log).toEqual(["-- cleanups"]); // no reset behind an IOMMU, nothing released
  });
});

describe.skipIf(process.getuid?.() !== 0)(`pl330 exec on virt-noiommu with a channel DMAKILL does not stop${process.getuid?.() === 0 ? "" : " (skipped: needs root)"}`, () => {
  const states: { dispose: () => void }[] = [];
  afterAll(() => states.forEach((s) => s.dispose()));

  test("no reset function: exit 1, the pinned buffers are not released", async () => {
    const st = tempSimState("vfio-plat-exec-stuck-noiommu-");
    states.push(st);
    expect(runCli(["bind", DMA], { env: simEnv(st.dir, { VFIO_PLAT_SIM_BOARD: "virt-noiommu" }) }).code).toBe(0);
    const { log, error } = await stuckRun(st);
    expect((error as Error).message).toContain("stays Killing after DMAKILL");
    expect(describeError(error).exit).toBe(1);
    expect(log).toEqual(["-- cleanups"]);
  });

  test("a reset function (a board file says so): the device is reset, then the buffers go; the run ends as a timeout", async () => {
    const st = tempSimState("vfio-plat-exec-stuck-reset-");
    states.push(st);
    const boardFile = join(st.dir, "reset-board.json");
    writeFileSync(boardFile, JSON.stringify({ "vfio-plat-board": 1, from: "virt-noiommu", devices: [{ name: DMA, reset: true }] }));
    expect(runCli(["bind", DMA], { env: simEnv(st.dir, { VFIO_PLAT_SIM_BOARD: boardFile }) }).code).toBe(0);
    const { log, error } = await stuckRun(st);
    expect((error as Error).message).toContain("did not end within");
    expect(describeError(error).exit).toBe(7);
    expect(log[0]).toBe("reset");
    expect(log.slice(1)).toEqual(["-- cleanups", "release", "release"]);
  });
});
