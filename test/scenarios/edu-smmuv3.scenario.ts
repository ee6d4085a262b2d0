// QEMU's edu PCI device through vfio-pci behind the SMMUv3, as the lab boots it (-M virt,iommu=smmuv3,gic-version=3
// -device edu): unbound and groupless until vfio-pci binds it, then group 0 and /dev/vfio/0; the vfio-pci view
// (flags PCI, 9 regions, BAR0 1 MiB at 0, config space at 7 << 40, INTx level); the ID register; bus mastering off
// after every open and set through config space; DMA RAM -> device -> RAM of 2048 bytes with `run`'s dma verbs; INTx
// from edu's raise register; a DMA from an unmapped IOVA leaving an SMMU event 0x10 in the kernel log; unbind.
import { EDU_UNMAPPED_SCRIPT, eduDmaScript } from "./edu-scripts.ts";
import { diff, doctorHas, json, jsonHas, type Scenario, type StepResult } from "./scenario.ts";

const DEV = "0000:00:02.0";
/** The same function as lspci names it: the CLI takes the address without its domain too. */
const SHORT = "00:02.0";

interface ListJson {
  devices: { name: string; bus: string; driver: string | null; iommu_group: number | null; pci?: { vendor: string; device: string } | null }[];
}

function listEntry(r: StepResult) {
  return json<ListJson>(r).devices.find((d) => d.name === DEV);
}

/** The config-space COMMAND register as `read DEV 7:0x4.w` prints it. */
function command(r: StepResult): number {
  return Number(r.stdout.trim());
}

const DMA_SCRIPT = eduDmaScript(2024, true);
const UNMAPPED_SCRIPT = EDU_UNMAPPED_SCRIPT;

export const eduSmmuv3: Scenario = {
  name: "edu via vfio-pci behind the SMMUv3",
  profile: "smmuv3",
  steps: [
    {
      kind: "command",
      name: "list shows edu unbound, without an IOMMU group yet",
      args: ["list", "--json"],
      exit: 0,
      check: (r) => {
        const d = listEntry(r);
        return diff(d, { bus: "pci", driver: null, iommu_group: null, pci: { vendor: "0x1234", device: "0x11e8" } });
      },
    },
    {
      kind: "command",
      name: "doctor before bind: driverless, no group yet, noiommu off",
      args: ["doctor", DEV, "--json"],
      exit: 0,
      check: doctorHas({
        vfio: { status: "ok" },
        noiommu: { status: "info", message: "off" },
        driver: { status: "info", message: "not bound" },
        "iommu-group": { status: "info", message: "no IOMMU group yet" },
      }),
    },
    {
      kind: "command",
      name: "bind (the group appears with it)",
      args: ["bind", DEV, "--json"],
      exit: 0,
      check: jsonHas({ outcome: "bound", driver: "vfio-pci", previous_driver: null, iommu_group: 0, group_node: "/dev/vfio/0" }),
    },
    {
      kind: "command",
      name: "doctor after bind: on vfio-pci, group 0 viable, free",
      args: ["doctor", SHORT, "--json"],
      exit: 0,
      check: doctorHas({ driver: { status: "ok", message: "vfio-pci" }, "iommu-group": { status: "ok", message: "IOMMU group 0" }, holder: { status: "ok" } }),
    },
    {
      kind: "command",
      name: "info",
      args: ["info", SHORT, "--json"],
      exit: 0,
      check: (r) => {
        const absent = (index: number, name: string) => ({ index, name, size: 0, flags: [] });
        const want = {
          api: "vfio-pci",
          flags: ["PCI"],
          iommu_group: 0,
          regions: [
            { index: 0, name: "BAR0", size: 0x10_0000, offset: "0x0", flags: ["READ", "WRITE", "MMAP"], mmap_tested: true },
            absent(1, "BAR1"),
            absent(2, "BAR2"),
            absent(3, "BAR3"),
            absent(4, "BAR4"),
            absent(5, "BAR5"),
            absent(6, "ROM"),
            { index: 7, name: "CONFIG", offset: "0x70000000000", flags: ["READ", "WRITE"] },
            { index: 8, name: "VGA", error: "EINVAL" },
          ],
        };
        const doc = json<{ irqs: unknown[] }>(r);
        return (
          diff(doc, want) ??
          diff(doc.irqs.length, 5) ??
          diff(doc.irqs[0], { index: 0, name: "INTx", count: 1, flags: ["EVENTFD", "MASKABLE", "AUTOMASKED"], trigger: "level" })
        );
      },
    },
    { kind: "command", name: "edu ID register", args: ["read", DEV, "0:0x0"], exit: 0, stdout: "0x010000ed\n" },
    { kind: "command", name: "vendor and device ids in config space", args: ["read", DEV, "CONFIG:0x0"], exit: 0, stdout: "0x11e81234\n" },
    {
      kind: "command",
      name: "after open: memory decoding on, bus mastering off",
      args: ["read", DEV, "7:0x4.w"],
      exit: 0,
      check: (r) => ((command(r) & 0x6) === 0x2 ? undefined : `COMMAND ${r.stdout.trim()}`),
    },
    {
      kind: "command",
      name: "set memory + bus master in COMMAND",
      args: ["write", DEV, "7:0x4.w", "0x6:0x6", "--readback"],
      exit: 0,
      stdout: /readback 0x0[0-9a-f]*[67] matched/,
    },
    {
      kind: "command",
      name: "DMA RAM -> device -> RAM through the SMMU",
      args: ["run", DEV, "-e", DMA_SCRIPT],
      exit: 0,
      check: (r) =>
        /dma dst: random:2024, 2048 bytes at offset 0x0 as expected/.test(r.stdout) && /zeros, 2048 bytes at offset 0x800 as expected/.test(r.stdout)
          ? undefined
          : r.stdout,
    },
    {
      kind: "command",
      name: "INTx from the raise register",
      args: ["run", DEV, "-e", "irq arm 0; write 0:0x60 0x1; irq wait 0 5s; expect 0:0x24 0x1; write 0:0x64 0x1; irq unmask 0"],
      exit: 0,
      stdout: /irq 0: count 1\n/,
    },
    { kind: "command", name: "DMA from an unmapped IOVA", args: ["run", DEV, "-e", UNMAPPED_SCRIPT], exit: 0, stdout: /irq 0: count 1\n/ },
    {
      kind: "command",
      name: "the SMMU logged event 0x10 (translation fault)",
      args: ["log", "--smmu", "--json"],
      exit: 0,
      check: (r) => {
        const records = json<{ records: { message: string }[] }>(r).records;
        return records.some((x) => /^arm-smmu-v3 \S+: event 0x10 received:$/.test(x.message)) ? undefined : `no event 0x10 in ${r.stdout.slice(0, 300)}`;
      },
    },
    { kind: "command", name: "reset is unsupported (no reset method)", args: ["reset", DEV], exit: 6, stderr: "no reset function" },
    { kind: "command", name: "unbind", args: ["unbind", DEV, "--json"], exit: 0, check: jsonHas({ unbound_from: "vfio-pci", driver: null }) },
    {
      kind: "command",
      name: "no driver again",
      args: ["list", "--json"],
      exit: 0,
      check: (r) => diff(listEntry(r), { driver: null }),
    },
  ],
};
