// Using vfio-plat as a library to run your own PL330 program: bind the simulated board's PL330, map two data buffers
// and a program buffer into the SMMU, assemble examples/pl330/gather.s with the buffers' IOVAs as the names `src` and
// `dst`, run it on channel 1 with Pl330Driver.runProgram, check that dst holds src's four 1 KiB blocks in reverse
// order, print the channel's final registers, and give the device back.
// Run: bun examples/pl330/run-program.ts   (on a board: openBoundary() without `sim`, and your PL330's name)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assemble, bindDevice, DmaBuffer, listDevices, openBoundary, openDevice, Pl330Driver, resolveDevice, unbindDevice } from "vfio-plat";

const BLOCK = 1024;
const SIZE = 4 * BLOCK;
const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-pl330-program-"));
const b = await openBoundary({ sim: true, simStateDir: stateDir });
try {
  const dmac = resolveDevice("arm,pl330", listDevices(b));
  bindDevice(b, dmac, { stateDir: join(stateDir, "host") });
  const session = openDevice(b, { sysfsPath: dmac.sysfsPath, name: dmac.name });
  const buffers: DmaBuffer[] = [];
  try {
    const driver = new Pl330Driver(b, session.device, session.device.region(0));
    driver.init();
    const map = (size: number, write: boolean) => {
      const buf = DmaBuffer.allocate(b, session.dma, size, { read: true, write });
      buffers.push(buf);
      return buf;
    };
    const src = map(SIZE, false); // the device only reads it
    const dst = map(SIZE, true);
    // The program's buffer is device-read-only: a stage-1 SMMU never lets the PL330 fetch instructions from a
    // writable page (its fetches are privileged instruction reads).
    const program = map(4096, false);
    crypto.getRandomValues(src.bytes.subarray(0, SIZE));

    // The program names its buffers; the assembler puts their IOVAs there (the PL330 is a 32-bit bus master).
    const text = readFileSync(join(import.meta.dir, "gather.s"), "utf8");
    const { bytes: code } = assemble(text, { base: Number(program.iova), symbols: { src: src.iova, dst: dst.iova } });
    const out = await driver.runProgram({ channel: 1, code, program: { iova: program.iova, bytes: program.bytes } }, 5000);
    console.log(`${dmac.name} channel 1: ${out.status}, ${out.registers.status.state.name}; events raised: ${out.events.join(", ") || "none"}`);
    const r = out.registers;
    const hex = (v: number) => `0x${v.toString(16).padStart(8, "0")}`;
    console.log(`CPC1 ${hex(r.cpc)}  SAR1 ${hex(r.sar)}  DAR1 ${hex(r.dar)}  CCR1 ${hex(r.ccr)}  FTR1 ${hex(r.ftr)}`);
    if (out.status !== "stopped") throw new Error(`the program ended with ${out.status}: ${r.cause}`);

    let reversed = true;
    for (let i = 0; i < 4; i++) {
      const from = src.bytes.subarray((3 - i) * BLOCK, (4 - i) * BLOCK);
      const to = dst.bytes.subarray(i * BLOCK, (i + 1) * BLOCK);
      if (Buffer.compare(Buffer.from(from), Buffer.from(to)) !== 0) reversed = false;
    }
    console.log(`dst holds src's four 1 KiB blocks in reverse order: ${reversed ? "verified" : "MISMATCH"}`);
    driver.remove(); // stop the channels and disable interrupts before the buffers go
  } finally {
    while (buffers.length) buffers.pop()!.release(); // unmap from the IOMMU, then free
    session.close();
  }
  const back = unbindDevice(b, listDevices(b).find((d) => d.name === dmac.name)!, { stateDir: join(stateDir, "host") });
  console.log(`${dmac.name} back on ${back.restoredDriver}`);
} finally {
  b.dispose();
  rmSync(stateDir, { recursive: true, force: true });
}
