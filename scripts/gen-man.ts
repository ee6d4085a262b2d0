// Writes docs/vfio-plat.1, the vfio-plat(1) man page, from the command table (commands, usage, options, examples),
// the exit-code table and the list of environment variables and files below, so the page and the CLI cannot drift.
// Run: bun run man (a test fails when the committed page differs from what this prints).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { completionModel, type ModelCommand, type ModelOption } from "../src/cli/completion/model.ts";
import { EXIT_CODES } from "../src/cli/output/exit-codes.ts";
import { SCRIPT_VERBS } from "../src/cli/script/script-verbs.ts";
import { valueWords } from "../src/cli/output/option-words.ts";
import { VERSION } from "../src/cli/version.ts";

/** The committed page, shipped through package.json "man". */
export const MAN_PATH = join(import.meta.dir, "../docs/vfio-plat.1");

/** Escape text for roff: backslashes, minus signs (so options copy-paste as ASCII), and a leading control character. */
export function roff(s: string): string {
  return s
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .replace(/`/g, "")
    .replace(/\u2014/g, "\\(em")
    .replace(/^([.'])/, "\\&$1");
}

const B = (s: string) => `\\fB${roff(s)}\\fR`;
const I = (s: string) => `\\fI${roff(s)}\\fR`;

/** `--sim-state dir` in man style: the flag bold, the value placeholder italic. */
function optionTerm(o: ModelOption): string {
  const flags = [...(o.short ? [B(`-${o.short}`)] : []), ...(o.long ? [B(`--${o.long}`)] : [])].join(", ");
  // An optional value is only ever given as --opt=VALUE (parse/argv.ts), so print it that way.
  return o.valueName !== undefined ? (o.valueOptional ? `${flags}[=${I(o.valueName)}]` : `${flags} ${I(o.valueName)}`) : flags;
}

/** An option's description, then what its value is and its default, from the option table's kind. */
function optionText(o: ModelOption): string {
  const value = valueWords(o.kind, o.default, o.values.kind === "words" ? o.values.words : undefined);
  return roff(o.description) + "." + (value !== undefined ? ` ${roff(`Value: ${value}.`)}` : "");
}

function argsText(c: ModelCommand): string {
  return c.args.map((a) => (a.optional ? `[${I(a.name)}${a.variadic ? " ..." : ""}]` : `${I(a.name)}${a.variadic ? " ..." : ""}`)).join(" ");
}

function synopsisLine(c: ModelCommand): string {
  const opts = c.options.map((o) => `[${[...(o.short ? [B(`-${o.short}`)] : []), ...(o.long ? [B(`--${o.long}`)] : [])].join("|")}${o.valueName !== undefined ? ` ${I(o.valueName)}` : ""}]`);
  return [B("vfio-plat"), `[${I("options")}]`, B(c.name), ...opts, argsText(c)].filter(Boolean).join(" ");
}

/** Environment variables vfio-plat reads, in the order the man page lists them. */
export const ENVIRONMENT: readonly [string, string][] = [
  ["VFIO_PLAT_SIM", "Set to 1 (anything but empty, 0 or false) to use the simulated board, as --sim does."],
  ["VFIO_PLAT_SIM_STATE", "State directory of the simulated board (default $TMPDIR/vfio-plat-sim-UID), as --sim-state does. Separate processes that share it see one board."],
  ["VFIO_PLAT_SIM_BOARD", "Board for a new simulated state directory: virt (SMMUv3, the default) or virt-noiommu."],
  ["VFIO_PLAT_SIM_CAP_SYS_ADMIN", "0 or 1: whether the simulated process has CAP_SYS_ADMIN, so that /proc/self/pagemap shows physical frame numbers (default: it has when vfio-plat runs as root)."],
  ["VFIO_PLAT_STATE_DIR", "Where bind remembers each device's original driver and driver_override (default /run/vfio-plat for root, else $XDG_RUNTIME_DIR/vfio-plat)."],
  ["VFIO_PLAT_UDEV_RULES_DIR", "Where bind --persist and udev-rule --install write their udev rules (default /etc/udev/rules.d; with --sim, udev/rules.d in the board's state directory)."],
  ["VFIO_PLAT_TEST_DEVICE", "For the test suite: a device bound to VFIO on this machine, to run the contract tests on real hardware."],
  ["NO_COLOR", "Turn colour off (no-color.org), whatever the terminal."],
  ["FORCE_COLOR", "Force colour into a pipe (0 turns it off)."],
  ["XDG_RUNTIME_DIR, TMPDIR", "Base directories of the default state directories."],
];

/** Files vfio-plat uses or that matter to it. */
export const FILES: readonly [string, string][] = [
  ["/dev/vfio/vfio", "The VFIO container device."],
  ["/dev/vfio/N, /dev/vfio/noiommu-N", "The IOMMU group node that bind makes appear; root-only unless handed over (bind --user/--group) or a udev rule says otherwise."],
  ["/sys/bus/platform/devices/*, /sys/bus/amba/devices/*", "The devices list shows; driver_override, driver/unbind and drivers_probe are what bind and unbind write."],
  ["/run/vfio-plat/", "Saved original bindings (root); $XDG_RUNTIME_DIR/vfio-plat/ otherwise."],
  ["$TMPDIR/vfio-plat-sim-UID/", "The simulated board's state."],
  ["/etc/udev/rules.d/90-vfio-plat-bind-BUS-DEVICE.rules", "A persistent bind (bind --persist): runs the bind when the device appears; its original driver is written beside the rule. unbind --persist removes it."],
  ["/etc/udev/rules.d/90-vfio-plat-access-BUS-DEVICE.rules", "A device's access rule (udev-rule --install): owner, group and mode of its /dev/vfio nodes."],
  ["/etc/udev/rules.d/90-vfio.rules", 'Example rule giving the group nodes to a group: SUBSYSTEM=="vfio", GROUP="vfio", MODE="0660"'],
  ["/etc/security/limits.conf", "Locked-memory limit (memlock) for non-root DMA mappings, e.g. \"@vfio - memlock 65536\"."],
];

/** Man pages of the tools vfio-plat users come from. */
export const SEE_ALSO = ["lspci(8)", "setpci(8)", "driverctl(8)", "memtool(1)", "gpiomon(1)", "udev(7)", "ulimit(1p)"];

/** The whole page. `date` goes into .TH (empty unless SOURCE_DATE_EPOCH or a caller gives one, so the output is stable). */
export function manPage(opts: { date?: string } = {}): string {
  const m = completionModel();
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);
  p(`.\\" vfio-plat(1): generated by scripts/gen-man.ts from the command table; do not edit (bun run man).`);
  p(`.TH VFIO\\-PLAT 1 "${opts.date ?? ""}" "vfio\\-plat ${roff(VERSION)}" "User Commands"`);
  p(".SH NAME", `vfio\\-plat \\- drive Linux vfio\\-platform and vfio\\-amba devices from user space`);

  p(".SH SYNOPSIS");
  for (const c of m.commands) p(".br", synopsisLine(c));
  p(".br", `${B("vfio-plat")} ${B("--version")} | ${B("--help")}`);

  p(".SH DESCRIPTION");
  p(
    roff(
      "vfio-plat binds platform and AMBA devices (the memory-mapped blocks a device tree describes) to the kernel's " +
        "vfio-platform or vfio-amba driver, shows their regions and interrupts, reads and writes registers at an exact " +
        "width, and waits for interrupts on an eventfd, from a shell or a script, as a user once the group node is " +
        "handed over. With --sim it works on a simulated board (QEMU virt's PL011, PL031, PL330 and virtio-mmio behind an " +
        "SMMUv3) that gives the kernel's answers, on any Linux machine.",
    ),
  );
  p(".PP", roff("DEVICE is the sysfs name (9010000.pl031), a /sys/bus/BUS/devices/NAME path, a unique compatible (arm,pl031) or a glob matching one device (*.pl031)."));
  p(".PP", roff("ADDRESS is [REGION:]OFFSET[.b|.w|.l|.q]: REGION is a region index (default 0) or a reg-names name; the suffix is the width, 8, 16, 32 (default) or 64 bits. devmem's w means 32 bits and memtool's 16, so bare letters and devmem's h are refused rather than guessed. Numbers are 0x, 0b, 0o or decimal; 010 is refused as ambiguous."));
  p(".PP", roff("Output data goes to stdout, everything else to stderr. --json prints one JSON document with \"schema\": 1 (irq and run print JSON Lines). Colour only on a terminal."));

  p(".SH COMMANDS");
  for (const c of m.commands) {
    p(".TP", [B(c.name), argsText(c)].filter(Boolean).join(" "), roff(c.description) + ".");
    if (c.options.length) {
      p(".RS");
      for (const o of c.options) p(".TP", optionTerm(o), optionText(o));
      p(".RE");
    }
  }

  p(".SH RUN SCRIPTS", roff("A run script has one step per line (# starts a comment; with -e, ; separates lines). It is checked whole before its first step, and the first failing step stops it, naming its line."));
  for (const v of SCRIPT_VERBS) p(".TP", B(v.form), roff(v.meaning) + ".");

  p(".SH OPTIONS", roff("These work with every command, before or after it."));
  for (const o of m.globals) p(".TP", optionTerm(o), optionText(o));

  p(".SH EXIT STATUS");
  for (const e of EXIT_CODES) p(".TP", `${B(String(e.code))} (${roff(e.name)})`, roff(e.meaning) + ".");
  p(".PP", roff("An error is one line on stderr, vfio-plat: <what>: <reason> (<ERRNO>) — <fix>, or a JSON line with --json."));

  p(".SH ENVIRONMENT");
  for (const [k, v] of ENVIRONMENT) p(".TP", B(k), roff(v));

  p(".SH FILES");
  for (const [k, v] of FILES) p(".TP", I(k), roff(v));

  p(".SH EXAMPLES");
  p(roff("A session on the simulated board (drop --sim, and use sudo for bind and unbind, on a real board):"));
  p(".PP", ".nf", ".RS");
  for (const line of [
    "vfio-plat --sim list",
    "vfio-plat --sim bind 9010000.pl031",
    "vfio-plat --sim info 9010000.pl031",
    "vfio-plat --sim read 9010000.pl031 0:0xff0.l",
    "vfio-plat --sim irq 9010000.pl031 0 --trigger --timeout 2s",
    "vfio-plat --sim unbind 9010000.pl031",
  ]) {
    p(roff(line));
  }
  p(".RE", ".fi");
  for (const c of m.commands) {
    if (!c.examples.length) continue;
    p(".PP", `${B(c.name)}:`, ".nf", ".RS", ...c.examples.map(roff), ".RE", ".fi");
  }

  p(".SH SEE ALSO");
  p(SEE_ALSO.map((s) => { const [n, sec] = s.split("("); return `${B(n!)}(${sec}`; }).join(", ") + ",");
  p(roff("busybox devmem, dpdk-devbind.py, and the kernel's Documentation/driver-api/vfio.rst."));
  p(".PP", roff("The README lists the equivalents of devmem, memtool, driverctl and dpdk-devbind commands, the udev rule, and fixes by errno."));
  return `${out.join("\n")}\n`;
}

if (import.meta.main) {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const date = epoch ? new Date(Number(epoch) * 1000).toISOString().slice(0, 10) : undefined;
  writeFileSync(MAN_PATH, manPage(date ? { date } : {}));
  console.log(`docs/vfio-plat.1 written (${completionModel().commands.length} commands)`);
}
