// A smoke test of the lab's second boot profile (SMMUv3 + GICv3 + QEMU's `edu` PCI device, no noiommu): the SMMU
// probed, edu is on the PCI bus at 0000:00:02.0 (where the simulated board has it), /dev/iommu exists for iommufd; and,
// with no IOMMU in front of the PL031, `bind` must fail cleanly (vfio-amba cannot get a group) and give the RTC back
// to rtc-pl031. The PCI/SMMU work itself is the shared suite's (test/scenarios/edu-smmuv3.scenario.ts).
import type { StepRecord } from "../protocol.ts";
import type { Check, LabScenario } from "./lab-scenario.ts";

const RTC = "9010000.pl031";
const realOnly = (c: Check): Check => (r, b) => (b === "real" ? c(r, b) : undefined);
const ok = (test: (r: StepRecord) => boolean): Check => (r) => (r.exit === 0 && test(r) ? undefined : `exit ${r.exit}: ${r.stdout}${r.stderr}`);

export const smmuv3Smoke: LabScenario = {
  name: "smmuv3-smoke",
  profile: "smmuv3",
  simBoard: "virt",
  steps: [
    {
      kind: "shell",
      name: "SMMUv3 and iommufd present",
      command: "ls /sys/class/iommu; ls /dev/iommu; dmesg | grep -i smmu",
      check: realOnly(ok((r) => /smmu/.test(r.stdout) && r.stdout.includes("/dev/iommu"))),
    },
    {
      kind: "shell",
      name: "edu on the PCI bus",
      command: 'for d in /sys/bus/pci/devices/*; do g=$(readlink $d/iommu_group); echo "${d##*/} $(cat $d/vendor):$(cat $d/device) group=${g##*/}"; done',
      check: realOnly(ok((r) => r.stdout.includes("0000:00:02.0 0x1234:0x11e8"))),
    },
    {
      kind: "cli",
      name: "list",
      args: ["list", "--json"],
      check: ok((r) => (JSON.parse(r.stdout) as { devices: { name: string; driver: string | null }[] }).devices.some((d) => d.name === RTC && d.driver === "rtc-pl031")),
    },
    // The PL031 sits outside the SMMU: on the real kernel vfio-amba's probe fails (no IOMMU group, noiommu off).
    { kind: "cli", name: "bind pl031 without an IOMMU", args: ["bind", RTC, "--json"], check: realOnly((r) => (r.exit !== 0 ? undefined : `bind succeeded: ${r.stdout}`)) },
    {
      kind: "shell",
      name: "pl031 back on rtc-pl031",
      command: `l=$(readlink /sys/bus/amba/devices/${RTC}/driver); echo "driver \${l##*/}"; cat /sys/bus/amba/devices/${RTC}/driver_override`,
      check: realOnly(ok((r) => r.stdout.includes("driver rtc-pl031"))),
    },
  ],
};
