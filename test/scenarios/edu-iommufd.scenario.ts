// QEMU's edu through vfio-pci behind the SMMUv3, opened the cdev + iommufd way (--iommu-mode iommufd):
// /dev/vfio/devices/vfio0 bound to /dev/iommu and attached to an IOAS. The same DMA copy RAM -> device -> RAM and the
// same SMMU translation fault as the group path, then the IOAS_MAP refusals (EEXIST on overlap, EINVAL in the MSI
// window and off the IOMMU page) and the exclusivity of the two paths: a group open while the cdev is bound is EBUSY,
// a second cdev bind is EINVAL, a cdev bind while the group is open is EBUSY; each names the holder's pid and node.
import { EDU_UNMAPPED_SCRIPT, eduDmaScript } from "./edu-scripts.ts";
import { diff, doctorHas, json, jsonHas, type Scenario } from "./scenario.ts";

const DEV = "0000:00:02.0";
const FD = ["--iommu-mode", "iommufd"];
const GROUP = ["--iommu-mode", "group"];

/** 2048 bytes RAM -> edu's buffer -> RAM with the completion interrupt, then a DMA from an unmapped IOVA. */
const DMA_SCRIPT = eduDmaScript(77, false);
const UNMAPPED_SCRIPT = EDU_UNMAPPED_SCRIPT;


export const eduIommufd: Scenario = {
  name: "edu via the vfio cdev and iommufd",
  profile: "smmuv3",
  steps: [
    { kind: "command", name: "bind edu", args: ["bind", DEV], exit: 0 },
    {
      kind: "command",
      name: "info through the cdev",
      args: [...FD, "info", DEV, "--json"],
      exit: 0,
      check: (r) => {
        const doc = json<Record<string, unknown>>(r);
        return diff(doc, { api: "vfio-pci", iommu_group: 0, iommu_mode: "iommufd", cdev: "/dev/vfio/devices/vfio0", group_node: null, noiommu: false });
      },
    },
    {
      kind: "command",
      name: "auto picks the cdev when the kernel has one",
      args: ["info", DEV, "--json"],
      exit: 0,
      check: jsonHas({ iommu_mode: "iommufd" }),
    },
    {
      kind: "command",
      name: "DMA RAM -> device -> RAM through an IOAS",
      args: [...FD, "run", DEV, "-e", DMA_SCRIPT],
      exit: 0,
      check: (r) =>
        /dma dst: random:77, 2048 bytes at offset 0x0 as expected/.test(r.stdout) && /zeros, 2048 bytes at offset 0x800 as expected/.test(r.stdout)
          ? undefined
          : r.stdout,
    },
    { kind: "command", name: "DMA from an IOVA unmapped from the IOAS", args: [...FD, "run", DEV, "-e", UNMAPPED_SCRIPT], exit: 0, stdout: /irq 0: count 1\n/ },
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
    {
      kind: "command",
      name: "EEXIST: IOAS_MAP overlapping a mapping",
      args: [...FD, "run", DEV, "-e", "dma map a 8192 at 0x100000; dma map b 4096 at 0x101000"],
      exit: 1,
      stderr: "IOMMU_IOAS_MAP on /dev/iommu: File exists (EEXIST)",
    },
    {
      kind: "command",
      name: "EINVAL: IOAS_MAP inside the MSI window (reserved once attached)",
      args: [...FD, "run", DEV, "-e", "dma map x 4096 at 0x8000000"],
      exit: 1,
      stderr: "IOMMU_IOAS_MAP on /dev/iommu: Invalid argument (EINVAL)",
    },
    {
      kind: "command",
      name: "EINVAL: IOAS_MAP at an IOVA off the IOMMU page",
      args: [...FD, "run", DEV, "-e", "dma map x 4096 at 0x100800"],
      exit: 1,
      stderr: "IOMMU_IOAS_MAP on /dev/iommu: Invalid argument (EINVAL)",
    },
    { kind: "command", name: "IOAS_MAP just above the MSI window", args: [...FD, "run", DEV, "-e", "dma map x 4096 at 0x8100000"], exit: 0 },
    { kind: "background", name: "hold the device through its cdev", args: [...FD, "irq", DEV, "0", "--timeout", "30s"], ready: /armed/ },
    // The holder is named by pid through /proc/<pid>/fd, whose link for a cdev reads /dev/vfio/devices/vfio0.
    {
      kind: "command",
      name: "EBUSY: the group node while the cdev is bound, holder named",
      args: [...GROUP, "read", DEV, "0:0x0"],
      exit: 5,
      stderr: "cannot open /dev/vfio/0: Device or resource busy (EBUSY): the cdev /dev/vfio/devices/vfio0 is held by process",
    },
    {
      kind: "command",
      name: "EINVAL: a second cdev bind, holder named",
      args: [...FD, "read", DEV, "0:0x0"],
      exit: 5,
      stderr: "VFIO_DEVICE_BIND_IOMMUFD answers EINVAL): the cdev /dev/vfio/devices/vfio0 is held by process",
    },
    { kind: "command", name: "EBUSY: unbind while the cdev is bound", args: ["unbind", DEV], exit: 5, stderr: "/dev/vfio/devices/vfio0 is open in process" },
    {
      kind: "command",
      name: "doctor names the cdev holder",
      args: ["doctor", DEV, "--json"],
      exit: 0,
      check: doctorHas({ driver: { status: "ok", message: "vfio-pci" }, holder: { status: "warn", message: "/dev/vfio/devices/vfio0 is open in process" } }),
    },
    { kind: "stop", name: "Ctrl-C the cdev holder", signal: "SIGINT", exit: 130 },
    { kind: "background", name: "hold the group", args: [...GROUP, "irq", DEV, "0", "--timeout", "30s"], ready: /armed/ },
    { kind: "command", name: "EBUSY: a cdev bind while the group is open", args: [...FD, "read", DEV, "0:0x0"], exit: 5, stderr: "cdev: the group /dev/vfio/0 is busy (EBUSY): the group is held by process" },
    { kind: "stop", name: "Ctrl-C the group holder", signal: "SIGINT", exit: 130 },
    { kind: "command", name: "edu ID register through the cdev again", args: [...FD, "read", DEV, "0:0x0"], exit: 0, stdout: "0x010000ed\n" },
    { kind: "command", name: "unbind edu", args: ["unbind", DEV], exit: 0 },
  ],
};
