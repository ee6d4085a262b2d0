// Bad-input rows: bind --persist, unbind --persist and udev-rule (the udev rules of persistent binds and of access to
// the VFIO nodes). See ../bad-input-cases.ts for the fields and the shared board.
import type { BadInputCase } from "../bad-input-cases.ts";
import { PL031 } from "./devices.ts";

export const UDEV: BadInputCase[] = [
  { args: ["udev-rule", PL031], exit: 2, says: "udev-rule needs --user or --group: whom the nodes are for", why: "udev-rule without --user or --group" },
  { args: ["udev-rule", PL031, "--group", "nosuchgroup"], exit: 2, says: "no group 'nosuchgroup' in /etc/group", why: "udev-rule --group with an unknown group (bind --group's check)" },
  { args: ["udev-rule", PL031, "--user", "nosuchuser"], exit: 2, says: "no user 'nosuchuser' in /etc/passwd", why: "udev-rule --user with an unknown user (bind --user's check)" },
  { args: ["udev-rule", PL031, "--group", "4294967295"], exit: 2, says: "group id 4294967295 is out of range", why: "udev-rule --group with (gid_t)-1" },
  { args: ["udev-rule", PL031, "--group", "0", "--mode", "999"], exit: 2, says: "invalid --mode '999'", why: "udev-rule --mode that is not octal" },
  { args: ["udev-rule", PL031, "--group", "0", "--mode", "04660"], exit: 2, says: "invalid --mode '04660'", why: "udev-rule --mode with setuid/sticky bits" },
  { args: ["udev-rule", PL031, "--group", "0", "--install", "--remove"], exit: 2, says: "--install and --remove exclude each other", why: "udev-rule with two actions" },
  { args: ["udev-rule", PL031, "--remove", "--group", "0"], exit: 2, says: "--remove takes no --group: it works on the installed rule", why: "udev-rule --remove with a group" },
  { args: ["udev-rule", PL031, "--apply", "--mode", "0660"], exit: 2, says: "--apply takes no --mode", why: "udev-rule --apply with a mode" },
  { args: ["udev-rule", "nosuch", "--group", "0"], exit: 3, says: "no device 'nosuch'", why: "udev-rule of an unknown device" },
  { args: ["udev-rule"], exit: 2, says: "missing required args for udev-rule: <device>", why: "udev-rule without a device" },
  { args: ["bind", PL031, "--persist", "--user", "nosuchuser"], exit: 2, says: "no user 'nosuchuser' in /etc/passwd", why: "bind --persist with an unknown user: nothing bound, no rule" },
  {
    args: ["bind", "a000000.virtio_mmio", "--persist"],
    exit: 1,
    says: "udev rules directory /dev/null/rules.d is not writable, so --persist cannot record the bind",
    why: "bind --persist where the rules directory cannot be (VFIO_PLAT_UDEV_RULES_DIR under a file): refused before the device is touched",
    env: { VFIO_PLAT_UDEV_RULES_DIR: "/dev/null/rules.d" },
  },
];
