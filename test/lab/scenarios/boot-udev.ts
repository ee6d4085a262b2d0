// The rules the guest found in /etc/udev/rules.d at boot (harness/boot-rules.ts), applied by /init's udev coldplug
// (guest/udev-coldplug.ts) before any scenario ran: the second virtio-mmio transport came up on vfio-platform by its
// bind --persist rule's RUN (no bind was run in this boot before this scenario), and its /dev/vfio/noiommu-N has the
// access rule's owner, group and mode. Then unbind --persist and udev-rule --remove take both away. On the simulated
// board (dry run) nothing ran at boot: the steps only have to succeed.
import type { StepRecord } from "../protocol.ts";
import type { Check, LabScenario } from "./lab-scenario.ts";

/** The device bound at boot by the shipped rule (the harness writes the rules: harness/boot-rules.ts; it is not in the guest). */
export const BOOT_DEVICE = "a000200.virtio_mmio";
/** What the shipped access rule sets on its VFIO nodes (numbers: the guest has no accounts database). */
export const BOOT_OWNER = { uid: 1, gid: 2, mode: 0o640 };

type Obj = Record<string, unknown>;
const exit0: Check = (r) => (r.exit === 0 ? undefined : `exit ${r.exit}; stderr: ${r.stderr.trim().slice(0, 400)}`);
const entry = (r: StepRecord): Obj | undefined => (JSON.parse(r.stdout) as { devices: Obj[] }).devices.find((d) => d.name === BOOT_DEVICE);

/** list's entry must show this driver and persistent mark (on the real kernel). */
const listed = (driver: string | null, persistent: boolean): Check => (r, backend) => {
  const bad = exit0(r, backend);
  if (bad || backend === "sim") return bad;
  const d = entry(r);
  return d?.driver === driver && d.persistent === persistent ? undefined : `${BOOT_DEVICE}: ${JSON.stringify(d)}`;
};

const owner = `${BOOT_OWNER.uid} ${BOOT_OWNER.gid} ${BOOT_OWNER.mode.toString(8)}`;

export const bootUdev: LabScenario = {
  name: "boot-udev",
  profile: "noiommu",
  simBoard: "virt-noiommu",
  steps: [
    { kind: "shell", name: "what the boot's udev coldplug did (its lines are on the console above)", command: "ls -l /etc/udev/rules.d /dev/vfio" },
    { kind: "cli", name: "on vfio-platform since boot, marked persistent", args: ["list", BOOT_DEVICE, "--json"], check: listed("vfio-platform", true) },
    {
      kind: "shell",
      name: "its group node has the access rule's owner, group and mode",
      command: `n=$(basename "$(readlink /sys/bus/platform/devices/${BOOT_DEVICE}/iommu_group)"); stat -c '%u %g %a' /dev/vfio/noiommu-$n`,
      check: (r, backend) => (backend === "sim" || r.stdout.trim() === owner ? undefined : `stat: ${JSON.stringify(r.stdout)} ${r.stderr.trim()}, want ${owner}`),
    },
    {
      kind: "cli",
      name: "unbind --persist: back to no driver, the boot rule removed",
      args: ["unbind", BOOT_DEVICE, "--persist", "--json"],
      check: (r, backend) => {
        const bad = exit0(r, backend);
        if (bad || backend === "sim") return bad;
        const j = JSON.parse(r.stdout) as Obj;
        return j.outcome === "unbound" && String(j.persistent_rule_removed).startsWith("/etc/udev/rules.d/90-vfio-plat-bind-platform-") ? undefined : r.stdout;
      },
    },
    { kind: "cli", name: "remove the access rule", args: ["udev-rule", BOOT_DEVICE, "--remove"], check: exit0 },
    { kind: "cli", name: "no longer persistent", args: ["list", BOOT_DEVICE, "--json"], check: listed(null, false) },
  ],
};
