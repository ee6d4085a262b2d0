// Using vfio-plat as a library for DMA: bind the simulated board's PL330, map a source, a destination and the
// channel's microcode into the SMMU, copy 1 MiB with the user-space PL330 driver, verify it, and give the device back.
// Run: bun examples/dma-example.ts   (on a board: openBoundary() without `sim`, and your PL330's name)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindDevice, DmaBuffer, listDevices, openBoundary, openDevice, Pl330Driver, resolveDevice, unbindDevice } from "vfio-plat";

const SIZE = 1 << 20;
const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-dma-example-"));
const b = await openBoundary({ sim: true, simStateDir: stateDir });
try {
  const dmac = resolveDevice("arm,pl330", listDevices(b));
  bindDevice(b, dmac, { stateDir: join(stateDir, "host") });

  // openDevice picks the cdev + iommufd path when the kernel offers it, else the group and a type1 container;
  // session.dma is the IOMMU address space either way.
  const session = openDevice(b, { sysfsPath: dmac.sysfsPath, name: dmac.name });
  const buffers: DmaBuffer[] = [];
  try {
    const driver = new Pl330Driver(b, session.device, session.device.region(0));
    const info = driver.init();
    console.log(`${dmac.name}: ${info.numChannels} channels, opened through ${session.mode}`);

    // The device reads the source and the program, and writes the destination. The program's mapping is read-only on
    // purpose: on a stage-1 SMMU a writable page is never executable for the PL330's privileged instruction fetch.
    const map = (size: number, write: boolean) => {
      const buf = DmaBuffer.allocate(b, session.dma, size, { read: true, write });
      buffers.push(buf);
      return buf;
    };
    const src = map(SIZE, false);
    const dst = map(SIZE, true);
    const program = map(4096, false);
    for (let i = 0; i < SIZE; i++) src.bytes[i] = (i * 7) & 0xff;

    // IOVAs go in as DmaBuffer gives them (bigints); the driver checks they lie below 4 GiB (a 32-bit master).
    driver.memcpyStart({ channel: 0, src: src.iova, dst: dst.iova, size: SIZE, program: { iova: program.iova, bytes: program.bytes } });
    const outcome = await driver.memcpyWait(5000); // waits on the channel's interrupt eventfd
    if (outcome.status !== "done") throw new Error(`copy ended with ${outcome.status}`);
    const same = Buffer.compare(Buffer.from(src.bytes.subarray(0, SIZE)), Buffer.from(dst.bytes.subarray(0, SIZE))) === 0;
    console.log(`copied ${SIZE} bytes from iova 0x${src.iova.toString(16)} to 0x${dst.iova.toString(16)}: ${same ? "verified" : "MISMATCH"}`);
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
