// Your own device model as a library user drives it: a board of your own (a BoardSpec) with the example copy engine
// on it, bound to vfio-platform, two buffers mapped into the SMMU, a 64 KiB copy programmed through the registers, the
// done interrupt waited for on an eventfd, the data checked, and the device given back.
// Run: bun examples/copy-engine/copy-example.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindDevice, DmaBuffer, listDevices, openBoundary, openDevice, unbindDevice, type BoardSpec } from "vfio-plat";

const SIZE = 64 * 1024;
const NAME = "1c000000.copy-engine";

/** A small board: an SMMUv3 and the copy engine behind it, its model the module next to this file. */
const board: BoardSpec = {
  name: "copy-engine-demo",
  description: "an SMMUv3 and the example copy engine",
  iommu: "smmuv3",
  smmu: { profile: "smmuv3-s1", name: "9050000.smmuv3", ias: 48, coherentWalk: true },
  cmdline: { "vfio_platform.reset_required": "0" }, // the engine has no reset function in vfio-platform
  pageSize: 4096,
  devices: [
    {
      name: NAME,
      bus: "platform",
      compatible: ["vfio-plat,copy-engine"],
      regions: [{ base: 0x1c00_0000n, size: 0x1000 }],
      irqs: [{ trigger: "level", hwirq: 86 }],
      iommuGroup: 0,
      dmaCoherent: true, // its DMA is cache-coherent (the DT's dma-coherent): VFIO wants that behind an IOMMU
      model: "module",
      modelOptions: { module: join(import.meta.dir, "copy-engine.ts"), bytesPerMs: 1_000_000 },
    },
  ],
};

const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-copy-engine-"));
const b = await openBoundary({ sim: true, simStateDir: stateDir, simBoard: board });
try {
  const dev = listDevices(b).find((d) => d.name === NAME)!;
  bindDevice(b, dev, { stateDir: join(stateDir, "host") });
  {
    using session = openDevice(b, NAME);
    const regs = session.device.region(0);
    console.log(`${NAME}: ID 0x${regs.read32(0x00).toString(16)}, opened through ${session.mode}`);
    using src = DmaBuffer.allocate(b, session.dma, SIZE, { read: true, write: false });
    using dst = DmaBuffer.allocate(b, session.dma, SIZE, { read: false, write: true });
    for (let i = 0; i < SIZE; i++) src.bytes[i] = (i * 13) & 0xff;

    using done = session.device.irq(0);
    done.enable();
    regs.write32(0x10, Number(src.iova & 0xffff_ffffn)); // SRC_LO
    regs.write32(0x14, Number(src.iova >> 32n)); //         SRC_HI
    regs.write32(0x18, Number(dst.iova & 0xffff_ffffn)); // DST_LO
    regs.write32(0x1c, Number(dst.iova >> 32n)); //         DST_HI
    regs.write32(0x0c, SIZE); //                            LEN
    regs.write32(0x04, 3); //                               CTRL: START | IRQ_EN
    const event = await done.wait(5000);
    if (!event) throw new Error("no interrupt within 5 s");
    const same = Buffer.compare(Buffer.from(src.bytes.subarray(0, SIZE)), Buffer.from(dst.bytes.subarray(0, SIZE))) === 0;
    console.log(`interrupt: count ${event.count}, STATUS 0x${regs.read32(0x08).toString(16)}, COPIED ${regs.read32(0x28)}`);
    console.log(`copied ${SIZE} bytes from iova 0x${src.iova.toString(16)} to 0x${dst.iova.toString(16)}: ${same ? "verified" : "MISMATCH"}`);
    regs.write32(0x08, 2); // clear DONE in the device...
    done.unmask(); //         ...then unmask in VFIO
  }
  const back = unbindDevice(b, listDevices(b).find((d) => d.name === NAME)!, { stateDir: join(stateDir, "host") });
  console.log(`${NAME} back on ${back.restoredDriver ?? "no driver"}`);
} finally {
  b.dispose();
  rmSync(stateDir, { recursive: true, force: true });
}
