// bind and unbind of several devices in one call (one transaction), on the real kernel and the simulated board alike:
// two devices bound and unbound together, and the refusals found before anything is touched (an unknown second device,
// the console as the second, one --driver for two buses, a device named twice, --group-of a device without a group),
// each leaving nothing on VFIO. On smmuv3 only edu sits behind the IOMMU (the platform devices have no group there),
// so that boot checks --group-of and the up-front refusals with edu.
import { jsonHas, type CommandStep, type Scenario } from "./scenario.ts";

const RTC = "9010000.pl031";
const VIRTIO = "a000000.virtio_mmio";
const EDU = "0000:00:02.0";

/** `list --vfio --names`: exactly these devices on a VFIO driver (in list order), or none. */
function onVfio(names: string[]): CommandStep {
  return { kind: "command", name: `on VFIO: ${names.join(", ") || "none"}`, args: ["list", "--vfio", "--names"], exit: 0, stdout: names.map((n) => `${n}\n`).join("") };
}

export const groupBindNoiommu: Scenario = {
  name: "group bind (noiommu)",
  profile: "noiommu",
  steps: [
    onVfio([]),
    {
      kind: "command",
      name: "bind two devices in one call",
      args: ["bind", RTC, VIRTIO, "--json"],
      exit: 0,
      check: jsonHas({ devices: [{ device: RTC, outcome: "bound", driver: "vfio-amba" }, { device: VIRTIO, outcome: "bound", driver: "vfio-platform" }] }),
    },
    onVfio([VIRTIO, RTC]),
    { kind: "command", name: "pl031 PeriphID0 through VFIO", args: ["read", RTC, "0:0xfe0"], exit: 0, stdout: "0x00000031\n" },
    { kind: "command", name: "virtio magic through VFIO", args: ["read", VIRTIO, "0:0x0"], exit: 0, stdout: "0x74726976\n" },
    {
      kind: "command",
      name: "unbind both in one call",
      args: ["unbind", RTC, VIRTIO, "--json"],
      exit: 0,
      check: jsonHas({ devices: [{ device: RTC, outcome: "unbound", driver: "rtc-pl031" }, { device: VIRTIO, outcome: "unbound", driver: null }] }),
    },
    onVfio([]),
    { kind: "command", name: "an unknown second device: refused before the first is touched", args: ["bind", RTC, "9990000.nosuch"], exit: 3, stderr: "no device '9990000.nosuch'" },
    onVfio([]),
    // Busy on both, for different reasons: the simulator finds the console; Linux's uart-pl011 has no unbind file.
    { kind: "command", name: "the console as the second device: refused before the first is touched", args: ["bind", RTC, "9000000.pl011"], exit: 5, stderr: "vfio-plat: 9000000.pl011" },
    onVfio([]),
    { kind: "command", name: "one --driver for two buses", args: ["bind", RTC, VIRTIO, "--driver", "vfio-amba"], exit: 2, stderr: "one driver vfio-amba for devices on 2 buses" },
    { kind: "command", name: "a device named twice", args: ["bind", RTC, "arm,pl031"], exit: 2, stderr: "is named twice" },
    { kind: "command", name: "--group-of a device without an IOMMU group", args: ["bind", "--group-of", RTC], exit: 2, stderr: "is in no IOMMU group" },
    onVfio([]),
  ],
};

export const groupBindSmmuv3: Scenario = {
  name: "group bind (smmuv3)",
  profile: "smmuv3",
  steps: [
    onVfio([]),
    { kind: "command", name: "an unknown second device: edu untouched", args: ["bind", EDU, "9990000.nosuch"], exit: 3, stderr: "no device '9990000.nosuch'" },
    { kind: "command", name: "edu named twice", args: ["bind", EDU, "0000:00:02.0"], exit: 2, stderr: "is named twice" },
    onVfio([]),
    { kind: "command", name: "bind edu", args: ["bind", EDU, "--json"], exit: 0, check: jsonHas({ device: EDU, outcome: "bound", driver: "vfio-pci" }) },
    { kind: "command", name: "--group-of edu: its group (edu alone) is bound already", args: ["bind", "--group-of", EDU, "--json"], exit: 0, check: jsonHas({ devices: [{ device: EDU, outcome: "already" }] }) },
    { kind: "command", name: "unbind --group-of edu", args: ["unbind", "--group-of", EDU, "--json"], exit: 0, check: jsonHas({ devices: [{ device: EDU, outcome: "unbound", unbound_from: "vfio-pci" }] }) },
    onVfio([]),
  ],
};
