// Using vfio-plat as a library for DMA without an IOMMU: on virt-noiommu the PL330 sits behind no SMMU, so VFIO gives
// only a noiommu container and the device sees physical addresses. DmaBuffer.allocate then returns pinned memory (huge
// pages when the pool has them) at its physical address, read from /proc/self/pagemap. Copy 1 MiB, verify, give back.
// Run: bun examples/noiommu-dma.ts   (on a board: openBoundary() without `sim`, as root, with huge pages reserved)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindDevice, DmaBuffer, listDevices, openBoundary, openDevice, Pl330Driver, resolveDevice, unbindDevice } from "vfio-plat";

const SIZE = 1 << 20;
const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-noiommu-example-"));
const b = await openBoundary({ sim: true, simStateDir: stateDir, simBoard: "virt-noiommu" });
try {
  const dmac = resolveDevice("arm,pl330", listDevices(b));
  bindDevice(b, dmac, { stateDir: join(stateDir, "host") });
  // A device without an IOMMU opens through its noiommu group (needs CAP_SYS_RAWIO, as the real kernel asks).
  const session = openDevice(b, { sysfsPath: dmac.sysfsPath, name: dmac.name });
  const buffers: DmaBuffer[] = [];
  let driver: Pl330Driver | undefined;
  try {
    console.log(`${dmac.name}: noiommu ${session.noiommu}`);
    driver = new Pl330Driver(b, session.device, session.device.region(0));
    driver.init();

    // Nothing translates, so nothing is mapped and permissions cannot be enforced: the buffers are pinned memory the
    // device reaches at their physical addresses. A PL330 memcpy needs each buffer physically contiguous, which is
    // allocate's default (PhysicallyDiscontiguousError otherwise; pass { contiguous: false } and use `segments` to
    // split the work per physical run, as dma-test does).
    const alloc = (size: number) => {
      const buf = DmaBuffer.allocate(b, session.dma, size, { read: true, write: true });
      buffers.push(buf);
      return buf;
    };
    const src = alloc(SIZE);
    const dst = alloc(SIZE);
    const program = alloc(4096);
    const pin = src.pinning!;
    console.log(`pinned in ${pin.pages === "huge" ? `${pin.pageSize >> 20} MiB huge pages` : "locked small pages"}; src at physical 0x${src.iova.toString(16)} (${src.segments.length} run)`);
    for (let i = 0; i < SIZE; i++) src.bytes[i] = (i * 13) & 0xff;

    driver.memcpyStart({ channel: 0, src: src.iova, dst: dst.iova, size: SIZE, program: { iova: program.iova, bytes: program.bytes } });
    const outcome = await driver.memcpyWait(5000);
    if (outcome.status !== "done") throw new Error(`copy ended with ${outcome.status}`);
    const same = Buffer.compare(Buffer.from(src.bytes.subarray(0, SIZE)), Buffer.from(dst.bytes.subarray(0, SIZE))) === 0;
    console.log(`copied ${SIZE} bytes from physical 0x${src.iova.toString(16)} to 0x${dst.iova.toString(16)}: ${same ? "verified" : "MISMATCH"}`);
  } finally {
    // On every ending (a timeout or fault too) stop the channels before the memory goes: without an IOMMU nothing
    // else would stop a channel still copying into pages the kernel has already handed to someone else.
    driver?.remove();
    while (buffers.length) buffers.pop()!.release(); // unlock and free
    session.close();
  }
  const back = unbindDevice(b, listDevices(b).find((d) => d.name === dmac.name)!, { stateDir: join(stateDir, "host") });
  console.log(`${dmac.name} back on ${back.restoredDriver}`);
} finally {
  b.dispose();
  rmSync(stateDir, { recursive: true, force: true });
}
