// The CLI's words in vfio-plat's udev rules: the command a persistent bind's rule runs (this very vfio-plat, by
// absolute path, with the bind's options) and the comment lines that tell a reader of /etc/udev/rules.d what each file
// is and which command removes it. The library (host/persist-bind.ts, host/udev-access.ts) checks and writes them.
import type { PersistentBind, RuleWords } from "../host/persist-bind.ts";
import { modeText, type AccessGrant } from "../host/udev-access.ts";

/**
 * The absolute command line that runs this vfio-plat: the bun executable and the script, or the one file of a
 * compiled build. udev runs RUN programs with a bare PATH, so nothing may be looked up.
 */
export function vfioPlatProgram(): string[] {
  const main = Bun.main;
  return main.includes("$bunfs") || main === process.execPath ? [process.execPath] : [process.execPath, main];
}

/** The bind a persistent bind's rule runs: the same device, owner (as numbers), --force and --driver. */
export function bindRunCommand(p: PersistentBind, program: readonly string[]): string[] {
  const args = [...program, "bind", p.name];
  if (p.driverGiven) args.push("--driver", p.vfioDriver);
  if (p.force) args.push("--force");
  if (p.uid !== undefined) args.push("--user", String(p.uid));
  if (p.gid !== undefined) args.push("--group", String(p.gid));
  return args;
}

/** The words of a persistent bind's rule file. */
export function persistWords(program: readonly string[] = vfioPlatProgram()): (p: PersistentBind) => RuleWords {
  return (p) => ({
    run: bindRunCommand(p, program),
    comments: [
      `vfio-plat bind --persist: ${p.name} goes to ${p.vfioDriver} again whenever it appears (at boot too).`,
      `RUN, not ATTR{driver_override}: the native driver has usually probed before udev handles "add".`,
      `\`vfio-plat unbind --persist ${p.name}\` removes this file; the line below is read back.`,
    ],
  });
}

/** The comment line of a device's access rule (udev-rule). */
export function accessComments(name: string, grant: AccessGrant): string[] {
  const who = [grant.user ? `user ${grant.user.spelled}` : "", grant.group ? `group ${grant.group.spelled}` : ""].filter((s) => s).join(" and ");
  return [`vfio-plat udev-rule: the VFIO nodes of ${name} for ${who}, mode ${modeText(grant.mode)}.`];
}
