// An empty virtio-mmio transport through vfio-platform in noiommu mode: the edge interrupt's flags, a 0x200-byte
// region without MMAP, the magic and version registers, and the errors the kernel gives for it.
import { jsonHas, type Scenario } from "./scenario.ts";

const DEV = "a000000.virtio_mmio";

export const virtioMmioNoiommu: Scenario = {
  name: "virtio-mmio via vfio-platform (noiommu)",
  profile: "noiommu",
  steps: [
    { kind: "command", name: "bind", args: ["bind", DEV, "--json"], exit: 0, check: jsonHas({ outcome: "bound", driver: "vfio-platform", previous_driver: null }) },
    {
      kind: "command",
      name: "info",
      args: ["info", DEV, "--json"],
      exit: 0,
      check: jsonHas({
        flags: ["PLATFORM"],
        regions: [{ index: 0, size: 0x200, flags: ["READ", "WRITE"], mmap_tested: null }],
        irqs: [{ index: 0, count: 1, flags: ["EVENTFD"], trigger: "edge" }],
      }),
    },
    { kind: "command", name: "magic", args: ["read", DEV, "0:0x0.l"], exit: 0, stdout: "0x74726976\n" },
    { kind: "command", name: "version", args: ["read", DEV, "0:0x4.l"], exit: 0, stdout: "0x00000001\n" },
    { kind: "command", name: "device id", args: ["read", DEV, "0:0x8.l"], exit: 0, stdout: "0x00000000\n" },
    { kind: "command", name: "no 64-bit access without MMAP", args: ["read", DEV, "0:0x0.q"], exit: 6, stderr: "cannot be mmap" },
    { kind: "command", name: "edge loopback", args: ["irq", DEV, "0", "--trigger", "--timeout", "5s"], exit: 0, stdout: /count 1 at/ },
    { kind: "command", name: "unmask of an edge interrupt is EINVAL", args: ["run", DEV, "-e", "irq arm 0; irq unmask 0"], exit: 1, stderr: "EINVAL" },
    { kind: "command", name: "mask of an edge interrupt is EINVAL", args: ["run", DEV, "-e", "irq arm 0; irq mask 0"], exit: 1, stderr: "EINVAL" },
    { kind: "command", name: "unbind", args: ["unbind", DEV, "--json"], exit: 0, check: jsonHas({ unbound_from: "vfio-platform", driver: null }) },
  ],
};
