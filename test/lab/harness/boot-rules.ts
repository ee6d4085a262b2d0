// The udev rules the lab's guest finds in /etc/udev/rules.d at boot: a persistent bind and an access rule for a
// device no other scenario touches (the second virtio-mmio transport, empty on QEMU virt), written on the host by
// the same code as `bind --persist` and `udev-rule --install` (host/persist-bind.ts with the CLI's words, host/
// udev-access.ts), with the guest's program path. The init script applies them before any scenario (guest/udev-coldplug.ts).
import { persistRuleText, type PersistentBind } from "../../../src/host/persist-bind.ts";
import { accessRuleText } from "../../../src/host/udev-access.ts";
import { ruleFileName } from "../../../src/host/udev-rules.ts";
import { accessComments, persistWords } from "../../../src/cli/rule-words.ts";

/** The device bound at boot by the shipped rule. */
export const BOOT_DEVICE = "a000200.virtio_mmio";
/** What the shipped access rule sets on its VFIO nodes (numbers: the guest has no accounts database). */
export const BOOT_OWNER = { uid: 1, gid: 2, mode: 0o640 };
/** Where the rules go in the guest (the real machine's place: list and unbind --persist read it there). */
export const GUEST_RULES_DIR = "etc/udev/rules.d";

/** The rule files, path inside the initramfs and text. `program` runs the guest's vfio-plat (absolute paths). */
export function bootRuleFiles(program: readonly string[]): { path: string; text: string }[] {
  const p: PersistentBind = { bus: "platform", name: BOOT_DEVICE, vfioDriver: "vfio-platform" };
  const dev = { bus: "platform" as const, name: BOOT_DEVICE };
  const grant = { user: { spelled: String(BOOT_OWNER.uid), id: BOOT_OWNER.uid }, group: { spelled: String(BOOT_OWNER.gid), id: BOOT_OWNER.gid }, mode: BOOT_OWNER.mode };
  return [
    { path: `${GUEST_RULES_DIR}/${ruleFileName("bind", "platform", BOOT_DEVICE)}`, text: persistRuleText(p, persistWords(program)(p)) },
    { path: `${GUEST_RULES_DIR}/${ruleFileName("access", "platform", BOOT_DEVICE)}`, text: accessRuleText(dev, grant, accessComments(BOOT_DEVICE, grant)) },
  ];
}
