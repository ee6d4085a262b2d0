// udev rules that give a user or group lasting access to a device's VFIO nodes, so the work after `bind` needs no
// root: /dev/vfio/N (or /dev/vfio/noiommu-N) and the iommufd cdev /dev/vfio/devices/vfioX. The group node's class
// device ("vfio", named N or noiommu-N) has no parent, so it is matched through the IOMMU group's sysfs directory
// (TEST on /sys/kernel/iommu_groups/<N>/devices/<device>): the rule follows the device when its group number changes.
// udev gives an all-digit name no %n (sd-device sets no sysnum for it), so N is %k for "N" and %n for "noiommu-N":
// two lines. The cdev ("vfio-dev") is a child of the device: KERNELS matches it.
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { deviceCdevOf } from "../vfio/device-cdev.ts";
import { resolveGroup, resolveUser } from "./account-ids.ts";
import { describeDevice, type HostDevice } from "./discovery.ts";
import { evaluateRules, type UdevEvent } from "./udev-match.ts";
import { commentLines } from "./persist-bind.ts";
import type { Bus } from "./sysfs.ts";
import {
  checkRuleDeviceName,
  factsLine,
  quoteUdev,
  readRuleFile,
  removeRuleFile,
  ruleFacts,
  ruleFileName,
  UdevValueError,
  writeRuleFile,
} from "./udev-rules.ts";

/** Who gets the nodes: a user and/or a group, as spelled (name or number) and as resolved, and the mode. */
export interface AccessGrant {
  user?: { spelled: string; id: number };
  group?: { spelled: string; id: number };
  /** Permission bits, e.g. 0o660. */
  mode: number;
}

const TAG = "access";

/** The mode a grant gets when none is given: group read-write with a group, else owner read-write. */
export function defaultAccessMode(grant: Omit<AccessGrant, "mode">): number {
  return grant.group !== undefined ? 0o660 : 0o600;
}

/** A mode as udev and chmod(1) write it: four octal digits. */
export function modeText(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

/** The rule text for one device, after the caller's comment lines. @throws UdevValueError for a name udev would read as something else */
export function accessRuleText(dev: { bus: Bus; name: string }, grant: AccessGrant, comments: readonly string[] = []): string {
  const name = checkRuleDeviceName(dev.name);
  if (grant.user === undefined && grant.group === undefined) throw new UdevValueError("owner", "", "give a user or a group");
  const assign = [
    ...(grant.user ? [`OWNER=${quoteUdev("user", grant.user.spelled)}`] : []),
    ...(grant.group ? [`GROUP=${quoteUdev("group", grant.group.spelled)}`] : []),
    `MODE="${modeText(grant.mode)}"`,
  ].join(", ");
  return [
    ...commentLines(comments),
    factsLine(TAG, { bus: dev.bus, device: name, uid: grant.user?.id, gid: grant.group?.id, mode: modeText(grant.mode) }),
    `# /dev/vfio/N or /dev/vfio/noiommu-N: the node of the IOMMU group that holds the device, whatever its number.`,
    `SUBSYSTEM=="vfio", KERNEL=="[0-9]*", TEST=="/sys/kernel/iommu_groups/%k/devices/${name}", ${assign}`,
    `SUBSYSTEM=="vfio", KERNEL=="noiommu-[0-9]*", TEST=="/sys/kernel/iommu_groups/%n/devices/${name}", ${assign}`,
    `# /dev/vfio/devices/vfioX, the iommufd cdev: a child of the device.`,
    `SUBSYSTEM=="vfio-dev", KERNELS==${quoteUdev("device name", name)}, ${assign}`,
    "",
  ].join("\n");
}

/** Install the rule of one device into `dir` (atomically). @returns its path. @throws UdevValueError, the file system's error */
export function installAccessRule(dir: string, dev: { bus: Bus; name: string }, grant: AccessGrant, comments: readonly string[] = []): string {
  return writeRuleFile(dir, ruleFileName("access", dev.bus, dev.name), accessRuleText(dev, grant, comments));
}

/** Remove the rule of one device; false when it had none. @throws the file system's error */
export function removeAccessRule(dir: string, dev: { bus: Bus; name: string }): boolean {
  return removeRuleFile(dir, ruleFileName("access", dev.bus, dev.name));
}

/** What an installed access rule sets: the ids and mode read back from its facts line, or undefined when none. */
export function loadAccessRule(dir: string, dev: { bus: Bus; name: string }): { uid?: number; gid?: number; mode: number } | undefined {
  const text = readRuleFile(dir, ruleFileName("access", dev.bus, dev.name));
  const f = text === undefined ? undefined : ruleFacts(text, TAG);
  if (!f || !f.mode || !/^0[0-7]{3}$/.test(f.mode)) return undefined;
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const uid = num(f.uid);
  const gid = num(f.gid);
  return { ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}), mode: parseInt(f.mode, 8) };
}

/** One node after a rule was applied: who owns it now. */
export interface NodeAccess {
  path: string;
  uid: number;
  gid: number;
  mode: number;
}

/** The VFIO nodes of a device that exist now: its group node and its cdev. */
export function vfioNodesOf(b: KernelBoundary, dev: HostDevice): string[] {
  const cdev = dev.vfioBound ? deviceCdevOf(b, dev.sysfsPath) : undefined;
  return [dev.groupNode, cdev].filter((n): n is string => n !== undefined);
}

/** The "add" event udev sees for one of a device's VFIO nodes: the group node has no parent, the cdev is the device's child. */
export function nodeEvent(dev: HostDevice, node: string): UdevEvent {
  const kernel = node.slice(node.lastIndexOf("/") + 1);
  return node.startsWith("/dev/vfio/devices/")
    ? { action: "add", subsystem: "vfio-dev", kernel, parents: [dev.name] }
    : { action: "add", subsystem: "vfio", kernel, parents: [] };
}

/**
 * Do what udev does with the rule files `texts` when the device's VFIO nodes appear: evaluate the rules for each
 * node's "add" event (host/udev-match.ts: the rule text decides) and set the OWNER, GROUP and MODE they assign
 * (unchanged where they assign none). @returns each node as stat reads it back, and whether a rule matched it.
 * @throws UdevRuleSyntaxError, InvalidArgumentError (an unknown user or group), SyscallError (EPERM: not root)
 */
export function applyAccess(b: KernelBoundary, dev: HostDevice, texts: readonly string[]): (NodeAccess & { matched: boolean })[] {
  const now = describeDevice(b, dev.bus, dev.name);
  return vfioNodesOf(b, now).map((path) => {
    const o = evaluateRules(texts, nodeEvent(now, path), (p) => b.fs.exists(p));
    const before = b.fs.stat(path);
    const matched = o.owner !== undefined || o.group !== undefined || o.mode !== undefined;
    if (o.owner !== undefined || o.group !== undefined) {
      b.fs.chown(path, o.owner !== undefined ? resolveUser(o.owner) : before.uid, o.group !== undefined ? resolveGroup(o.group) : before.gid);
    }
    if (o.mode !== undefined) {
      if (!/^0?[0-7]{3,4}$/.test(o.mode)) throw new UdevValueError("MODE", o.mode, "it is not octal permission bits");
      b.fs.chmod(path, parseInt(o.mode, 8) & 0o777);
    }
    const after = b.fs.stat(path);
    return { path, uid: after.uid, gid: after.gid, mode: after.mode & 0o7777, matched };
  });
}
