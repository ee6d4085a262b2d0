// The udev rules the lab's guest applies at boot: a persistent bind and an access rule for a device no other scenario
// touches (the second virtio-mmio transport, empty on QEMU virt), written on the host by the same code as
// `bind --persist` and `udev-rule --install` (host/persist-bind.ts with the CLI's words, host/udev-access.ts), with the
// guest's program path. /init applies them before the scenarios of the boot that runs boot-udev (guest/udev-coldplug.ts).
import { persistRuleText, type PersistentBind } from "../../../src/host/persist-bind.ts";
import { accessRuleText } from "../../../src/host/udev-access.ts";
import { ruleFileName } from "../../../src/host/udev-rules.ts";
import { accessComments, persistWords } from "../../../src/cli/rule-words.ts";
import { BOOT_DEVICE, BOOT_OWNER } from "../scenarios/boot-udev.ts";

/** Where the rules wait in the initramfs; /init copies them to /etc/udev/rules.d (the real machine's place, where list
 * and unbind --persist read them) only for the boot that runs boot-udev. */
export const GUEST_RULES_DIR = "lab/udev-rules.d";

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
