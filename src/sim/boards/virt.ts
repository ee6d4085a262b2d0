// The default simulated boards: QEMU's `-M virt` as the real-kernel lab boots it (kernel-lab.md), so the same
// scenarios run on the simulator and on a real kernel. "virt" puts the devices behind an SMMUv3 with one IOMMU group
// each; "virt-noiommu" has no IOMMU, so binding needs noiommu mode exactly as on the lab's kernel command line.
// Both add a PL330 DMA controller (QEMU virt has none: it sits where the Versatile Express / Fast Models boards of
// the original vfio-platform work had it, 2c0a0000.dma, its nine lines on SPIs of virt's dynamic platform bus).
// "virt" also has QEMU's `edu` PCI function at 0000:00:02.0 behind the SMMUv3, as the lab boots it with `-device edu`.
import type { BoardSpec, DeviceSpec, MemorySpec } from "./board-spec.ts";

/**
 * RAM as the lab boots QEMU (`-m 2048`: 2 GiB at 0x40000000), with a pool of 128 huge pages of 2 MiB: enough for
 * a 64 MiB dma-test's two buffers (64 pages) and then some.
 */
export const VIRT_MEMORY: MemorySpec = { base: 0x4000_0000n, size: 2048 * 1024 * 1024, hugePageSize: 2 * 1024 * 1024, hugePages: 128 };

function devices(withGroups: boolean): DeviceSpec[] {
  const g = (n: number) => (withGroups ? { iommuGroup: n } : {});
  return [
    {
      name: "9000000.pl011",
      bus: "amba",
      compatible: ["arm,pl011", "arm,primecell"],
      regions: [{ base: 0x0900_0000n, size: 0x1000 }],
      irqs: [{ trigger: "level", hwirq: 33 }],
      nativeDriver: "uart-pl011",
      periphid: 0x00141011,
      console: "ttyAMA0",
      model: "pl011",
      // Group 5, not 0: on the lab's kernel only the PCIe root complex sits behind the SMMU, and the edu function got
      // group 0 (the first group that kernel created); this board keeps that number for edu.
      ...g(5),
    },
    {
      name: "9010000.pl031",
      bus: "amba",
      compatible: ["arm,pl031", "arm,primecell"],
      regions: [{ base: 0x0901_0000n, size: 0x1000 }],
      irqs: [{ trigger: "level", hwirq: 34 }],
      nativeDriver: "rtc-pl031",
      periphid: 0x00141031,
      model: "pl031",
      ...g(1),
    },
    {
      name: "a000000.virtio_mmio",
      bus: "platform",
      compatible: ["virtio,mmio"],
      regions: [{ base: 0x0a00_0000n, size: 0x200 }],
      irqs: [{ trigger: "edge", hwirq: 48 }],
      nativeDriver: "virtio-mmio",
      nativeProbeError: "ENODEV", // an empty transport: virtio-mmio reads magic/version/device id 0 and gives up
      dmaCoherent: true, // QEMU's virt device tree marks its virtio-mmio nodes dma-coherent
      model: "virtio-mmio",
      ...g(2),
    },
    {
      name: "a000200.virtio_mmio",
      bus: "platform",
      compatible: ["virtio,mmio"],
      regions: [{ base: 0x0a00_0200n, size: 0x200 }],
      irqs: [{ trigger: "edge", hwirq: 49 }],
      nativeDriver: "virtio-mmio",
      nativeProbeError: "ENODEV", // an empty transport: virtio-mmio reads magic/version/device id 0 and gives up
      dmaCoherent: true, // QEMU's virt device tree marks its virtio-mmio nodes dma-coherent
      model: "virtio-mmio",
      ...g(3),
    },
    {
      name: "2c0a0000.dma",
      bus: "amba",
      compatible: ["arm,pl330", "arm,primecell"],
      regions: [{ base: 0x2c0a_0000n, size: 0x1000 }],
      // irq_abort first, then one line per event/interrupt resource 0..7 (DT "interrupts" order of the Linux binding).
      irqs: [144, 145, 146, 147, 148, 149, 150, 151, 152].map((hwirq) => ({ trigger: "level" as const, hwirq })),
      nativeDriver: "dma-pl330",
      periphid: 0x00241330, // r1p1 (as QEMU models it); Linux uses its LD/ST-only memcpy loops from r1p0 on
      model: "pl330",
      ...g(4),
    },
  ];
}

/**
 * QEMU's educational PCI device (`-device edu`, QEMU 7.2): 1234:11e8, revision 0x10, class 0x00ff00, one 1 MiB
 * memory BAR, INTA and a one-vector 64-bit MSI capability, QEMU's default subsystem ids 1af4:1100. The lab's kernel
 * has no driver for it (it starts unbound) and gave it IOMMU group 0 once vfio-pci probed it. The BAR address is a
 * model choice (the start of virt's 32-bit PCI window), not a measured value.
 */
export const EDU: DeviceSpec = {
  name: "0000:00:02.0",
  bus: "pci",
  compatible: [],
  regions: [],
  irqs: [{ trigger: "level", hwirq: 37 }], // INTA of slot 2 after virt's swizzle: SPI 5
  model: "edu",
  iommuGroup: 0,
  iommuGroupAtProbe: true,
  pci: {
    vendor: 0x1234,
    device: 0x11e8,
    subsystemVendor: 0x1af4,
    subsystemDevice: 0x1100,
    revision: 0x10,
    classCode: 0x00ff00,
    bars: [{ base: 0x1000_0000n, size: 0x10_0000, kind: "mem32" }],
    interruptPin: 1,
    msiVectors: 1,
    msi64: true,
  },
};

export const VIRT: BoardSpec = {
  name: "virt",
  description:
    "QEMU virt with an SMMUv3: PL011 console, PL031 RTC, two empty virtio-mmio transports, a PL330 DMA controller, the edu PCI device",
  iommu: "smmuv3",
  smmu: { profile: "smmuv3-s1", name: "9050000.smmuv3", ias: 48, coherentWalk: true },
  cmdline: { "vfio_platform.reset_required": "0" },
  pageSize: 4096,
  devices: [...devices(true), EDU],
  memory: VIRT_MEMORY,
};

export const VIRT_NOIOMMU: BoardSpec = {
  name: "virt-noiommu",
  description: "QEMU virt without an IOMMU, booted with vfio.enable_unsafe_noiommu_mode=1 (the kernel lab's setup), plus a PL330",
  iommu: "none",
  cmdline: { "vfio.enable_unsafe_noiommu_mode": "1", "vfio_platform.reset_required": "0" },
  pageSize: 4096,
  devices: devices(false),
  memory: VIRT_MEMORY,
};
