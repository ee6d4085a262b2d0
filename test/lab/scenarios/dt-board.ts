// The board built from QEMU's own device tree of the lab machine (scripts/boards/dtbs.ts dumps it with the smmuv3
// profile's -M options) against what the real kernel created from that tree: every device with an of_node on the
// platform and amba buses, its bus and whether it has an IOMMU group. (Linux 6.12 shows no interrupt count in sysfs
// — the amba irq0/irq1 attributes are gone — so interrupt counts are compared where VFIO reports them: first-light's
// `info` of the PL031 and a virtio-mmio transport.) Judged on the host; the simulated board has no such shell step.
import type { StepRecord } from "../protocol.ts";
import type { BoardSpec } from "../../../src/sim/boards/board-spec.ts";
import type { Check, LabScenario } from "./lab-scenario.ts";

/** The board from the dumped tree (loaded lazily: the guest has neither scripts/ nor the DTB). */
function treeBoard(): BoardSpec | string {
  const { builtDtbDir, QEMU_VIRT_DTB } = require("../../../scripts/boards/dtbs.ts") as typeof import("../../../scripts/boards/dtbs.ts");
  const { boardSpecOf } = require("../../../src/sim/boards/board-of.ts") as typeof import("../../../src/sim/boards/board-of.ts");
  const dir = builtDtbDir();
  if (!dir) return "the real DTBs are not built (bun scripts/boards/dtbs.ts)";
  return boardSpecOf(`${dir}/${QEMU_VIRT_DTB}`);
}

interface KernelDevice {
  bus: string;
  group: boolean;
}

/** Lines "BUS NAME group=N" (N empty without a group) printed by the guest. */
function kernelDevices(r: StepRecord): Map<string, KernelDevice> {
  const out = new Map<string, KernelDevice>();
  for (const l of r.stdout.split("\n")) {
    const m = /^(platform|amba) (\S+) group=(\S*)$/.exec(l.trim());
    if (m) out.set(m[2]!, { bus: m[1]!, group: m[3] !== "" });
  }
  return out;
}

const sameAsTree: Check = (r, backend) => {
  if (backend !== "real") return undefined;
  if (r.exit !== 0) return `exit ${r.exit}: ${r.stderr}`;
  const board = treeBoard();
  if (typeof board === "string") return board;
  const kernel = kernelDevices(r);
  if (kernel.size === 0) return `no device lines in ${JSON.stringify(r.stdout.slice(0, 200))}`;
  const problems: string[] = [];
  for (const [name, k] of kernel) {
    const d = board.devices.find((x) => x.name === name);
    if (!d) {
      problems.push(`${name} (${k.bus}) is on the real kernel, not on the tree's board`);
      continue;
    }
    if (d.bus !== k.bus) problems.push(`${name}: bus ${d.bus} on the board, ${k.bus} on the kernel`);
    if ((d.iommuGroup !== undefined) !== k.group) problems.push(`${name}: group ${d.iommuGroup ?? "none"} on the board, ${k.group ? "one" : "none"} on the kernel`);
  }
  for (const d of board.devices) if (!kernel.has(d.name)) problems.push(`${d.name} (${d.bus}) is on the tree's board, not on the real kernel`);
  return problems.length === 0 ? undefined : problems.join("; ");
};

export const dtBoard: LabScenario = {
  name: "dt-board",
  profile: "smmuv3",
  simBoard: "virt",
  steps: [
    {
      kind: "shell",
      name: "devices from the tree equal the board built from it",
      command:
        'for b in platform amba; do for d in /sys/bus/$b/devices/*; do [ -e $d/of_node ] || continue; g=$(readlink $d/iommu_group); echo "$b ${d##*/} group=${g##*/}"; done; done',
      check: sameAsTree,
    },
  ],
};
