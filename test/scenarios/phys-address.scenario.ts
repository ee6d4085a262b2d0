// Physical addresses on a real kernel's sysfs (issue 17 item 5): the PL031's window read from its of_node `reg`
// (through the of_node symlink, the root's #address-cells/#size-cells), edu's from its PCI `resource`; the
// refusals (not bound, outside DEVICE, unaligned, nothing there) with the simulator's exit codes.
import { jsonHas, type Scenario } from "./scenario.ts";

const PL031 = "9010000.pl031";
const EDU = "0000:00:02.0";
/** Far above anything QEMU virt maps (RAM, devices and the PCIe windows sit below 0x80_0000_0000 + 512 GiB). */
const NOWHERE = "@0x7f0000000000";

export const physPl031Noiommu: Scenario = {
  name: "physical addresses on the pl031 (noiommu)",
  profile: "noiommu",
  steps: [
    { kind: "command", name: "before bind: the covering device is named, not bound", args: ["read", "@0x09010ff0"], exit: 3, stderr: "9010000.pl031, which is not bound to VFIO" },
    { kind: "command", name: "bind", args: ["bind", PL031], exit: 0 },
    { kind: "command", name: "PCellID0 by physical address, DEVICE left out", args: ["read", "@0x09010ff0"], exit: 0, stdout: "0x0000000d\n" },
    { kind: "command", name: "--phys, 8 bits", args: ["read", "--phys", "0x09010ffc", "--width", "8"], exit: 0, stdout: "0xb1\n" },
    {
      kind: "command",
      name: "ID dump with both forms in JSON",
      args: ["read", "@0x09010fe0", "8", "--json"],
      exit: 0,
      check: jsonHas({ device: PL031, phys: "0x9010fe0", region: 0, offset: "0xfe0", values: ["0x00000031", "0x00000010", "0x00000014", "0x00000000", "0x0000000d", "0x000000f0", "0x00000005", "0x000000b1"] }),
    },
    { kind: "command", name: "write --dry-run names the resolution", args: ["write", "--dry-run", "@0x09010010", "0x1"], exit: 0, stdout: "dry-run: @0x9010010 is 9010000.pl031 region 0 offset 0x10\ndry-run: write 0:0x00000010.l = 0x00000001\n" },
    { kind: "command", name: "expect at a physical address", args: ["expect", "@0x09010ff0.b", "0x0d"], exit: 0 },
    { kind: "command", name: "run's verbs", args: ["run", PL031, "-e", "read @0x09010ff0; expect @0x09010ffc.b 0xb1"], exit: 0 },
    { kind: "command", name: "DEVICE that does not cover it", args: ["read", PL031, "@0x09000000"], exit: 2 },
    { kind: "command", name: "a 64-bit access not aligned for its width", args: ["read", "@0x09010ffc.q"], exit: 2 },
    { kind: "command", name: "nothing at that address", args: ["read", NOWHERE], exit: 3 },
    { kind: "command", name: "unbind", args: ["unbind", PL031], exit: 0 },
  ],
};

export const physEduSmmuv3: Scenario = {
  name: "physical addresses on edu (smmuv3)",
  profile: "smmuv3",
  steps: [
    { kind: "command", name: "bind edu", args: ["bind", EDU], exit: 0 },
    { kind: "command", name: "edu's ID register by its BAR0 address (sysfs resource)", args: ["read", "@0x10000000"], exit: 0, stdout: "0x010000ed\n" },
    { kind: "command", name: "the same with DEVICE given", args: ["read", EDU, "@0x10000000", "--json"], exit: 0, check: jsonHas({ device: EDU, phys: "0x10000000", region: 0, offset: "0x0" }) },
    { kind: "command", name: "unbind edu", args: ["unbind", EDU], exit: 0 },
  ],
};
