// bind --persist and udev-rule on a real kernel and on the simulated board: the persistent bind's rule is written
// and listed, a "reboot" (unbind without --persist) leaves it, applying it as udev does at "add" (its RUN command,
// parsed from the file) brings the PL031 back on vfio-amba; the access rule's exact text, and the owner and mode it
// sets on /dev/vfio/noiommu-N as udev would; unbind --persist removes the rule and restores rtc-pl031.
import { json, type Scenario, type StepResult } from "./scenario.ts";

const DEV = "9010000.pl031";
const BIND_RULE = "90-vfio-plat-bind-amba-9010000.pl031.rules";

type ListJson = { devices: { name: string; driver: string | null; vfio: boolean; persistent: boolean }[] };

/** list DEV --json must show this driver and persistent mark. */
function listed(driver: string, persistent: boolean): (r: StepResult) => string | undefined {
  return (r) => {
    const d = json<ListJson>(r).devices.find((x) => x.name === DEV);
    return d?.driver === driver && d.persistent === persistent ? undefined : `pl031 entry: ${JSON.stringify(d)}`;
  };
}

type Applied = { applied: { device: string; ran: { command: string[]; exit: number } | null; nodes: { path: string; uid: number; gid: number; mode: string }[] }[] };

/** The rule's RUN, as --apply parsed and ran it: an absolute program, then this bind. */
function ranBind(r: StepResult): string | undefined {
  const a = json<Applied>(r).applied[0];
  const cmd = a?.ran?.command ?? [];
  const tail = cmd.slice(-4).join(" ");
  if (a?.ran?.exit !== 0 || !cmd[0]?.startsWith("/") || tail !== `bind ${DEV} --group 0`) return `ran: ${JSON.stringify(a?.ran)}`;
  return undefined;
}

export const persistBind: Scenario = {
  name: "persistent bind and udev rules (noiommu)",
  profile: "noiommu",
  steps: [
    {
      kind: "command",
      name: "bind --persist writes the rule",
      args: ["bind", DEV, "--persist", "--group", "0", "--json"],
      exit: 0,
      check: (r) => {
        const j = json<{ outcome: string; driver: string; persistent_rule: string | null }>(r);
        return j.outcome === "bound" && j.driver === "vfio-amba" && j.persistent_rule?.endsWith(`/${BIND_RULE}`) ? undefined : r.stdout;
      },
    },
    { kind: "command", name: "list marks it persistent", args: ["list", DEV, "--json"], exit: 0, check: listed("vfio-amba", true) },
    { kind: "command", name: "reboot: the binding is gone, the rule stays", args: ["unbind", DEV], exit: 0, stdout: `${DEV}: unbound from vfio-amba, back on rtc-pl031\n` },
    { kind: "command", name: "after the reboot: on rtc-pl031, still persistent", args: ["list", DEV, "--json"], exit: 0, check: listed("rtc-pl031", true) },
    { kind: "command", name: "udev's add: the rule's RUN binds it again", args: ["udev-rule", DEV, "--apply", "--json"], exit: 0, check: ranBind },
    { kind: "command", name: "back on vfio-amba", args: ["list", DEV, "--json"], exit: 0, check: listed("vfio-amba", true) },
    {
      kind: "command",
      name: "the access rule's text",
      args: ["udev-rule", DEV, "--group", "0", "--mode", "0640"],
      exit: 0,
      stdout: [
        "# vfio-plat udev-rule: the VFIO nodes of 9010000.pl031 for group 0, mode 0640.",
        "# vfio-plat-access: bus=amba device=9010000.pl031 gid=0 mode=0640",
        "# /dev/vfio/N or /dev/vfio/noiommu-N: the node of the IOMMU group that holds the device, whatever its number.",
        'SUBSYSTEM=="vfio", KERNEL=="[0-9]*", TEST=="/sys/kernel/iommu_groups/%k/devices/9010000.pl031", GROUP="0", MODE="0640"',
        'SUBSYSTEM=="vfio", KERNEL=="noiommu-[0-9]*", TEST=="/sys/kernel/iommu_groups/%n/devices/9010000.pl031", GROUP="0", MODE="0640"',
        "# /dev/vfio/devices/vfioX, the iommufd cdev: a child of the device.",
        'SUBSYSTEM=="vfio-dev", KERNELS=="9010000.pl031", GROUP="0", MODE="0640"',
        "",
      ].join("\n"),
    },
    { kind: "command", name: "install the access rule", args: ["udev-rule", DEV, "--user", "0", "--group", "0", "--mode", "0604", "--install", "--json"], exit: 0 },
    {
      kind: "command",
      name: "udev's add: owner and mode on the group node",
      args: ["udev-rule", DEV, "--apply", "--json"],
      exit: 0,
      check: (r) => {
        const nodes = json<Applied>(r).applied[0]?.nodes ?? [];
        const group = nodes.find((n) => /^\/dev\/vfio\/noiommu-\d+$/.test(n.path));
        return group && group.mode === "0604" && group.uid === 0 && group.gid === 0 ? undefined : `nodes: ${JSON.stringify(nodes)}`;
      },
    },
    { kind: "command", name: "remove the access rule", args: ["udev-rule", DEV, "--remove"], exit: 0 },
    {
      kind: "command",
      name: "unbind --persist removes the rule",
      args: ["unbind", DEV, "--persist", "--json"],
      exit: 0,
      check: (r) => {
        const j = json<{ outcome: string; driver: string | null; persistent_rule_removed: string | null }>(r);
        return j.outcome === "unbound" && j.driver === "rtc-pl031" && j.persistent_rule_removed?.endsWith(`/${BIND_RULE}`) ? undefined : r.stdout;
      },
    },
    { kind: "command", name: "no longer persistent", args: ["list", DEV, "--json"], exit: 0, check: listed("rtc-pl031", false) },
  ],
};

const EDU = "0000:00:02.0";

/** The access rule on a real IOMMU (smmuv3: edu behind the SMMU), where the group node is /dev/vfio/N: udev gives an
 * all-digit name no %n, so only the KERNEL=="[0-9]*" line with %k matches it; --apply reads the installed rule's text. */
export const udevAccessSmmuv3: Scenario = {
  name: "udev access rule (smmuv3)",
  profile: "smmuv3",
  steps: [
    { kind: "command", name: "bind edu", args: ["bind", EDU], exit: 0 },
    { kind: "command", name: "install the access rule", args: ["udev-rule", EDU, "--user", "0", "--group", "0", "--mode", "0604", "--install"], exit: 0 },
    {
      kind: "command",
      name: "udev's add: the rule matches /dev/vfio/N by %k and sets owner and mode",
      args: ["udev-rule", EDU, "--apply", "--json"],
      exit: 0,
      check: (r) => {
        const nodes = json<Applied>(r).applied[0]?.nodes ?? [];
        const group = nodes.find((n) => /^\/dev\/vfio\/\d+$/.test(n.path));
        return group && group.mode === "0604" && group.uid === 0 && group.gid === 0 ? undefined : `nodes: ${JSON.stringify(nodes)}`;
      },
    },
    { kind: "command", name: "remove the access rule", args: ["udev-rule", EDU, "--remove"], exit: 0 },
    { kind: "command", name: "unbind edu", args: ["unbind", EDU], exit: 0 },
  ],
};
