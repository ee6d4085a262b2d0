// Errno parity: the bad inputs a user can type that reach a kernel refusal, each with the exit code and the errno name
// stderr must show, so the simulated board and the lab's real kernel are held to the same answer. A few refusals the
// library makes before any system call (reset without the RESET flag, a chosen DMA address on a noiommu container) are
// here too, for the exit code. The kernel refusals the CLI cannot reach (GET_DEVICE_FD with a wrong name, EBADF) are left out.
import type { Scenario } from "./scenario.ts";

const RTC = "9010000.pl031";
const VIRTIO = "a000000.virtio_mmio";
const EDU = "0000:00:02.0";
/** The type1 container path, explicitly: on a kernel with device cdevs `auto` would take iommufd (edu-iommufd.scenario.ts). */
const GROUP = ["--iommu-mode", "group"];

/** noiommu profile: the PL031 (vfio-amba, level interrupt) and an empty virtio-mmio transport (vfio-platform, edge). */
export const errnoParityNoiommu: Scenario = {
  name: "errno parity (noiommu)",
  profile: "noiommu",
  steps: [
    { kind: "command", name: "read of a device not on a VFIO driver: not found", args: ["read", RTC, "0:0xff0"], exit: 3, stderr: "is not bound to VFIO" },
    { kind: "command", name: "bind of a device that does not exist: not found", args: ["bind", "9990000.nosuch"], exit: 3, stderr: "no device" },
    { kind: "command", name: "bind pl031", args: ["bind", RTC], exit: 0 },
    { kind: "background", name: "hold the group", args: ["irq", RTC, "0", "--timeout", "30s"], ready: /armed/ },
    // open(2) of the held group node fails with EBUSY; the CLI names the holder instead of the errno.
    { kind: "command", name: "EBUSY: second opener of the group", args: ["read", RTC, "0:0xff0"], exit: 5, stderr: "is held by process" },
    { kind: "command", name: "EBUSY: unbind while the group is open", args: ["unbind", RTC], exit: 5, stderr: "is open in process" },
    { kind: "stop", name: "Ctrl-C the holder", signal: "SIGINT", exit: 130 },
    // VFIO_DEVICE_RESET would be EINVAL; the library refuses first, from the missing VFIO_DEVICE_FLAGS_RESET.
    { kind: "command", name: "no reset function (kernel: EINVAL)", args: ["reset", RTC], exit: 6, stderr: "no reset function" },
    // noiommu: a DMA buffer is pinned memory at its physical address (pagemap, as root); the address cannot be chosen.
    { kind: "command", name: "noiommu: dma map lands at a physical address", args: ["run", RTC, "-e", "dma map x 4096; dma fill x ones; dma expect x ones 0 4096"], exit: 0 },
    { kind: "command", name: "noiommu: dma map at a chosen address is refused", args: ["run", RTC, "-e", "dma map x 4096 at 0x40000000"], exit: 2, stderr: "on a noiommu container the device sees the buffer at its physical address" },
    { kind: "command", name: "unbind pl031", args: ["unbind", RTC], exit: 0 },
    { kind: "command", name: "bind virtio-mmio", args: ["bind", VIRTIO], exit: 0 },
    // VFIO_DEVICE_SET_IRQS(UNMASK|MASK) on an interrupt without VFIO_IRQ_INFO_MASKABLE: the kernel says EINVAL.
    { kind: "command", name: "EINVAL: unmask of an edge interrupt (armed)", args: ["run", VIRTIO, "-e", "irq arm 0; irq unmask 0"], exit: 1, stderr: "VFIO_DEVICE_SET_IRQS: Invalid argument (EINVAL)" },
    { kind: "command", name: "EINVAL: unmask of an edge interrupt (not armed)", args: ["run", VIRTIO, "-e", "irq unmask 0"], exit: 1, stderr: "VFIO_DEVICE_SET_IRQS: Invalid argument (EINVAL)" },
    { kind: "command", name: "EINVAL: mask of an edge interrupt", args: ["run", VIRTIO, "-e", "irq mask 0"], exit: 1, stderr: "VFIO_DEVICE_SET_IRQS: Invalid argument (EINVAL)" },
    { kind: "command", name: "unbind virtio-mmio", args: ["unbind", VIRTIO], exit: 0 },
  ],
};

/**
 * smmuv3 profile: edu behind the SMMUv3 (type1 container). MAP_DMA into the MSI window or across its edge, above the
 * 48-bit IOVA space, or over an existing mapping; a second opener of the real group /dev/vfio/0.
 */
export const errnoParitySmmuv3: Scenario = {
  name: "errno parity (smmuv3)",
  profile: "smmuv3",
  steps: [
    { kind: "command", name: "bind edu", args: ["bind", EDU], exit: 0 },
    { kind: "command", name: "EINVAL: MAP_DMA inside the MSI window", args: [...GROUP, "run", EDU, "-e", "dma map x 4096 at 0x8000000"], exit: 1, stderr: "(EINVAL)" },
    { kind: "command", name: "EINVAL: MAP_DMA across the MSI window's start", args: [...GROUP, "run", EDU, "-e", "dma map x 8192 at 0x7fff000"], exit: 1, stderr: "(EINVAL)" },
    { kind: "command", name: "MAP_DMA just below the MSI window", args: [...GROUP, "run", EDU, "-e", "dma map x 4096 at 0x7fff000"], exit: 0 },
    { kind: "command", name: "MAP_DMA just above the MSI window", args: [...GROUP, "run", EDU, "-e", "dma map x 4096 at 0x8100000"], exit: 0 },
    { kind: "command", name: "EINVAL: MAP_DMA above the 48-bit IOVA space", args: [...GROUP, "run", EDU, "-e", "dma map x 4096 at 0x1000000000000"], exit: 1, stderr: "(EINVAL)" },
    { kind: "command", name: "EEXIST: MAP_DMA at an IOVA already mapped", args: [...GROUP, "run", EDU, "-e", "dma map a 8192 at 0x100000; dma map b 4096 at 0x100000"], exit: 1, stderr: "VFIO_IOMMU_MAP_DMA on /dev/vfio/vfio: File exists (EEXIST)" },
    { kind: "command", name: "EEXIST: MAP_DMA overlapping a mapping", args: [...GROUP, "run", EDU, "-e", "dma map a 8192 at 0x100000; dma map b 4096 at 0x101000"], exit: 1, stderr: "VFIO_IOMMU_MAP_DMA on /dev/vfio/vfio: File exists (EEXIST)" },
    { kind: "background", name: "hold the group", args: [...GROUP, "irq", EDU, "0", "--timeout", "30s"], ready: /armed/ },
    { kind: "command", name: "EBUSY: second opener of /dev/vfio/0", args: [...GROUP, "read", EDU, "0:0x0"], exit: 5, stderr: "is held by process" },
    { kind: "stop", name: "Ctrl-C the holder", signal: "SIGINT", exit: 130 },
    { kind: "command", name: "no reset function (kernel: EINVAL)", args: ["reset", EDU], exit: 6, stderr: "no reset function" },
    { kind: "command", name: "unbind edu", args: ["unbind", EDU], exit: 0 },
  ],
};
