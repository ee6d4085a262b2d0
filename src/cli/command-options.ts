// Every option of every command, with the kind of value it takes (a number in a range, a size, a period, one of a few
// words, a device, a file) and its default: THE table the scanner converts and checks values by (parse/argv.ts), and
// --help, the man page and the shell completions are generated from. `as const` keeps each command's options typed:
// a handler takes OptionsOf<"read">, so an option key that is not in this table is a compile error.
import { DMA_TEST_INJECTIONS, DMA_TEST_PATTERN_WORDS, PL330_ACTIONS, SHELLS } from "./parse/choices.ts";
import { U32_MAX } from "./parse/numbers.ts";
import { BUSES } from "../host/sysfs.ts";
import { DEFAULT_POLL_INTERVAL_MS, DEFAULT_POLL_MS, DEFAULT_WATCH_INTERVAL_MS, periodOption } from "./poll-defaults.ts";
import type { OptionsFrom, OptionSpec, ValueKind } from "./parse/option-kinds.ts";

/** The ways devices are opened (--iommu-mode, VFIO_PLAT_IOMMU_MODE). */
export const IOMMU_MODES = ["auto", "group", "iommufd"] as const;
/** The words --color=WHEN takes. */
export const COLOR_WHEN = ["always", "never", "auto"] as const;

/** A register map for names (read, write, poll, expect, run, info). */
const REGS = {
  flags: "--regs <file>",
  description: "Register map file (JSON or YAML, docs/register-maps.md) for register names, instead of the device's own map",
  value: { kind: "file" },
} as const;

/** Access width, for the commands that read or write one register. */
const WIDTH = {
  flags: "--width <bits>",
  description: "Access width 8|16|32|64 (default 32; a named register has its map's width)",
  value: { kind: "word", suggest: ["8", "16", "32", "64"] },
} as const;

/** A physical ADDRESS (as @ADDRESS), for the commands that take one register address. */
const PHYS = {
  flags: "--phys",
  description: "ADDRESS is a physical address (as @ADDRESS): the bound device and region covering it are used; DEVICE may be left out",
} as const;

const WAIT = {
  flags: "--wait <period>",
  description: "Wait this long for another process's bind/unbind of the device (default 30s; 0: answer busy at once)",
  value: { kind: "period" },
} as const;

/** bind and unbind: every device of a device's IOMMU group, as one transaction. */
const GROUP_OF = (verb: "Bind" | "Unbind") =>
  ({
    flags: "--group-of <device>",
    description: `${verb} every device of this device's IOMMU group, as one transaction (instead of naming them)`,
    value: { kind: "device" },
  }) as const;

export const GLOBAL_OPTIONS = [
  { flags: "--sim", description: "Use the simulated board (also VFIO_PLAT_SIM=1)" },
  { flags: "--sim-state <dir>", description: "State directory of the simulated board (also VFIO_PLAT_SIM_STATE)", value: { kind: "dir" } },
  {
    flags: "--sim-board <name>",
    description: "Board for a new simulated state: virt (SMMUv3), virt-noiommu, a board file FILE.json or a device tree FILE.dtb/.dts (also VFIO_PLAT_SIM_BOARD)",
    value: { kind: "word", suggest: "boards" },
  },
  {
    flags: "--iommu-mode <mode>",
    description: "Open devices through auto (cdev + /dev/iommu when the kernel offers it, else the group), group or iommufd (also VFIO_PLAT_IOMMU_MODE)",
    value: { kind: "enum", choices: IOMMU_MODES },
  },
  { flags: "--json", description: "Machine-readable output (one JSON document, or JSON Lines for event streams)" },
  {
    flags: "--color [when]",
    description: "Colour: --color=always (same as --color), never or auto (the default: only on a terminal)",
    value: { kind: "enum", choices: COLOR_WHEN },
  },
  { flags: "--no-color", description: "Same as --color=never (also NO_COLOR=1)" },
  { flags: "--debug", description: "Show stack traces on errors" },
  { flags: "--trace", description: "Print every kernel-boundary call (open, ioctl, pread, ...) decoded on stderr" },
] as const satisfies readonly OptionSpec[];

/** Options every command line understands that are not in GLOBAL_OPTIONS: help and version (main.ts acts on them). */
export const IMPLICIT_OPTIONS = [
  { flags: "-h, --help", description: "Show help (for a command: vfio-plat COMMAND --help)" },
  { flags: "-V, --version", description: "Print version, git revision, Bun version and libc" },
] as const satisfies readonly OptionSpec[];

/** Each command's own options, by command name. */
export const COMMAND_OPTIONS = {
  list: [
    { flags: "--names", description: "Print device names only, one per line (for shell completion)" },
    { flags: "--bus <bus>", description: "Only devices on this bus: platform, amba or pci", value: { kind: "enum", choices: BUSES } },
    { flags: "--driver <name>", description: "Only devices bound to this driver (vfio-platform, rtc-pl031, ...)", value: { kind: "word", suggest: "drivers" } },
    { flags: "--compatible <glob>", description: "Only devices with a compatible string matching this shell glob ('arm,pl0*')", value: { kind: "text" } },
    { flags: "--vfio", description: "Only devices bound to a VFIO driver" },
    { flags: "--no-vfio", description: "Only devices not bound to a VFIO driver" },
    { flags: "--group <n>", description: "Only devices in this IOMMU group", value: { kind: "integer", min: 0n, max: U32_MAX } },
  ],
  bind: [
    { flags: "--force", description: "Bind even a device the system uses (console, active network link)" },
    {
      flags: "--driver <name>",
      description: "VFIO driver: the one of the device's bus, vfio-platform, vfio-amba or vfio-pci (the default)",
      value: { kind: "word", suggest: "drivers" },
    },
    { flags: "--user <user>", description: "Then give /dev/vfio/N to this user (name or uid), as dpdk-devbind --uid does", value: { kind: "user" } },
    {
      flags: "--group <group>",
      description: "Then give /dev/vfio/N to this group (name or gid) and make it group read-write (lasting: udev MODE=\"0660\")",
      value: { kind: "group" },
    },
    WAIT,
    GROUP_OF("Bind"),
    {
      flags: "--persist",
      description: "Also bind it again at boot: a udev rule runs this bind when the device appears (unbind --persist removes it)",
    },
  ],
  unbind: [WAIT, GROUP_OF("Unbind"), { flags: "--persist", description: "Also remove the device's persistent bind (its udev rule from bind --persist)" }],
  info: [REGS],
  read: [
    {
      flags: "--width <bits>",
      description: "Access width 8|16|32|64 (default 32; 64 needs an mmap-able region)",
      value: { kind: "word", suggest: ["8", "16", "32", "64"] },
    },
    { flags: "-x, --swap", description: "Show values byte-swapped (big-endian blocks)" },
    { flags: "--decode", description: "Show every field of the register with its value and meaning (from the register map)" },
    { flags: "--read-clear", description: "Let a dump (COUNT) read read-to-clear registers too (skipped by default: reading clears them)" },
    REGS,
    { flags: "--to <file>", description: "Dump the COUNT registers to FILE as raw little-endian bytes at the width (- for stdout); a regular file is written whole or not at all, a device node, FIFO or symlink in place", value: { kind: "file" } },
    { flags: "--dry-run", description: "Print the reads that would be made (and the read-to-clear registers skipped), read nothing, open nothing" },
    PHYS,
  ],
  write: [
    { flags: "--width <bits>", description: "Access width 8|16|32|64 (default 32)", value: { kind: "word", suggest: ["8", "16", "32", "64"] } },
    { flags: "--readback", description: "Read the register back and fail (exit 8) if it differs" },
    { flags: "--dry-run", description: "Print the accesses that would be made, touch nothing (a range does not open the device)" },
    { flags: "--force", description: "Write a register or field the map says is read-only, and let a range write the registers it skips (and read a read-to-clear one, as --read-clear)" },
    { flags: "--read-clear", description: "Let a field or masked write read a read-to-clear register first (its read pops or clears something)" },
    REGS,
    {
      flags: "--fill <count>",
      description: "Write VALUE to COUNT consecutive registers at the width (memtool mw with a count); registers whose write does more than store it (RO, W1C, WO, RC, a write effect) skipped unless --force",
      value: { kind: "integer", min: 1n, max: 1n << 20n },
    },
    {
      flags: "--from <file>",
      description: "Write FILE's raw little-endian bytes to consecutive registers at the width (- for stdin); the size must be a multiple of the width",
      value: { kind: "file" },
    },
    { flags: "--length <bytes>", description: "With --from: load only the first BYTES of the file (it must have that many)", value: { kind: "size", min: 1n, max: 1n << 23n } },
    PHYS,
  ],
  poll: [
    WIDTH,
    { flags: "--timeout <period>", description: `Give up after PERIOD (default ${periodOption(DEFAULT_POLL_MS)}); exit 7 with the last value read`, value: { kind: "period" }, default: periodOption(DEFAULT_POLL_MS) },
    {
      flags: "--interval <period>",
      description: `Time between two reads (default ${periodOption(DEFAULT_POLL_INTERVAL_MS)})`,
      value: { kind: "period", allowZero: false },
      default: periodOption(DEFAULT_POLL_INTERVAL_MS),
    },
    REGS,
    PHYS,
  ],
  expect: [WIDTH, REGS, PHYS],
  irq: [
    {
      flags: "--count <n>",
      description: "Stop after N wakeups (default 1; 0 = until timeout or Ctrl-C)",
      value: { kind: "integer", min: 0n, max: U32_MAX },
      default: "1",
    },
    { flags: "--timeout <period>", description: "Give up after PERIOD (5s, 200ms); exit 7 (default: wait forever)", value: { kind: "period" } },
    { flags: "--trigger", description: "Fire the interrupt by loopback once armed (self-test)" },
  ],
  reset: [],
  run: [
    {
      flags: "-e, --execute <lines>",
      description: "Script given inline; ';' separates lines (give one source: FILE, - or one -e)",
      value: { kind: "text" },
    },
    { flags: "--force", description: "Let the script write registers or fields the map says are read-only" },
    { flags: "--read-clear", description: "Let the script's dumps (read ADDRESS COUNT), and its field or masked writes, read read-to-clear registers too" },
    REGS,
  ],
  log: [
    { flags: "--smmu", description: "Only the Arm SMMU driver's records (translation and permission faults)" },
    { flags: "-f, --follow", description: "Print the log, then every new record as it arrives, until Ctrl-C (as dmesg -w; --json: JSON Lines)" },
    { flags: "--follow-new", description: "As --follow, but only records that arrive from now on (as dmesg -W)" },
  ],
  watch: [
    WIDTH,
    {
      flags: "--interval <period>",
      description: `Time between two samples (default ${periodOption(DEFAULT_WATCH_INTERVAL_MS)}); samples keep to that beat however long a read takes`,
      value: { kind: "period", allowZero: false },
      default: periodOption(DEFAULT_WATCH_INTERVAL_MS),
    },
    { flags: "--count <n>", description: "Stop after N samples, exit 0 (default 0: until Ctrl-C)", value: { kind: "integer", min: 0n, max: U32_MAX }, default: "0" },
    { flags: "--read-clear", description: "Watch a read-to-clear register anyway (every sample clears what it holds)" },
    REGS,
    PHYS,
  ],
  doctor: [],
  "sim-reset": [],
  "sim-export": [],
  "dma-test": [
    { flags: "--size <size>", description: "Bytes per copy, k/M/G suffixes (default 64M)", value: { kind: "size", min: 1n, max: 1n << 30n }, default: "64M" },
    { flags: "--iterations <n>", description: "Number of copies (default 1)", value: { kind: "integer", min: 1n, max: 1_000_000n }, default: "1" },
    {
      flags: "--channel <n>",
      description: "DMA channel 0..7; its event and interrupt have the same number (default 0)",
      value: { kind: "integer", min: 0n, max: 7n },
      default: "0",
    },
    {
      flags: "--pattern <pattern>",
      description: "Source data: incrementing (default), random, zeros, ones or a byte 0xNN",
      value: { kind: "word", suggest: DMA_TEST_PATTERN_WORDS },
      default: "incrementing",
    },
    {
      flags: "--inject <fault>",
      description: "Provoke a failure: readonly-dst, unmapped-src or unmapped-program fault (exit 1); short-copy or shifted-dst fail the verify (exit 8)",
      value: { kind: "enum", choices: DMA_TEST_INJECTIONS },
    },
    {
      flags: "--timeout <period>",
      description: "Longest time a copy may go without progress (default 5s); exit 7 after killing the channel",
      value: { kind: "period", allowZero: false },
      default: "5s",
    },
  ],
  "blk-test": [
    {
      flags: "--sector <n>",
      description: "First sector (512 bytes) to OVERWRITE: required, there is no default (the data there is lost)",
      value: { kind: "integer", min: 0n, max: (1n << 53n) - 1n },
    },
    { flags: "--count <n>", description: "Sectors to write, read back and verify (default 128: 64 KiB)", value: { kind: "integer", min: 1n, max: 1n << 21n }, default: "128" },
    { flags: "--seed <n>", description: "Seed of the data pattern, so another program can recompute it (default 1)", value: { kind: "integer", min: 0n, max: U32_MAX }, default: "1" },
    {
      flags: "--request-size <size>",
      description: "Bytes per request, a multiple of 512 (default 64k)",
      value: { kind: "size", min: 512n, max: 1n << 20n },
      default: "64k",
    },
    {
      flags: "--timeout <period>",
      description: "Longest wait for one request to complete (default 5s); exit 7 after resetting the device",
      value: { kind: "period", allowZero: false },
      default: "5s",
    },
  ],
  pl330: [
    { flags: "--output <file>", description: "asm: write the binary program to FILE (- for stdout)", value: { kind: "file" } },
    { flags: "--listing", description: "asm: print address, bytes and source line per instruction" },
    {
      flags: "--base <address>",
      description: "Bus address of the first byte (listing addresses, label values; default 0)",
      value: { kind: "integer", min: 0n, max: 0xffff_ffffn },
    },
    { flags: "--hex", description: "disasm: the input is hex text, not binary" },
    { flags: "--device <device>", description: "disasm: read the bytes from this VFIO device's region instead of a file", value: { kind: "device" } },
    { flags: "--region <index>", description: "disasm --device: region index (default 0)", value: { kind: "integer", min: 0n, max: U32_MAX }, default: "0" },
    {
      flags: "--offset <offset>",
      description: "disasm --device: offset in the region (default 0)",
      value: { kind: "integer", min: 0n, max: 0xffff_ffffn },
      default: "0",
    },
    { flags: "--length <bytes>", description: "disasm --device: bytes to read", value: { kind: "size", min: 1n, max: 1n << 20n } },
    { flags: "--channel <n>", description: "exec: the channel that runs the program, 0..7 (default 0)", value: { kind: "integer", min: 0n, max: 7n } },
    {
      flags: "--buffer <spec>",
      description: "exec: a DMA buffer NAME=SIZE[:INIT] the program names (INIT zeros, ones, byte:0xNN, incrementing, random[:SEED]); repeatable",
      value: { kind: "text" },
      repeatable: true,
    },
    { flags: "--dump <name>", description: "exec: print buffer NAME as a hexdump after the run (else its SHA-256); repeatable", value: { kind: "text" }, repeatable: true },
    { flags: "--asm", description: "exec: PROGRAM is assembly text (default: text is assembled, anything else runs as microcode bytes)" },
    { flags: "--binary", description: "exec: PROGRAM is microcode bytes, even when it reads as text" },
    {
      flags: "--events <list>",
      description: "exec: enable the interrupts of only these events (INTEN bits), e.g. 0,3; none: no event interrupt (default: every event a DMASEV of the program names)",
      value: { kind: "text" },
    },
    {
      flags: "--timeout <period>",
      description: "exec: longest the program may run (default 5s); then DMAKILL and exit 7",
      value: { kind: "period", allowZero: false },
    },
  ],
  test: [
    { flags: "--tap", description: "Write the report as TAP version 13 on stdout (instead of the summary)" },
    { flags: "--junit <file>", description: "Also write the report as JUnit XML to FILE, on every ending (a signal too)", value: { kind: "file" } },
    { flags: "--only <glob>", description: "Run only the cases whose id matches GLOB (rtc/*, */identify); their device's bind and unbind run too", value: { kind: "text" } },
    { flags: "--list", description: "Print the plan's case ids, one per line, and touch nothing" },
  ],
  completion: [],
  "udev-rule": [
    { flags: "--user <user>", description: "Give the nodes to this user (name or uid)", value: { kind: "user" } },
    { flags: "--group <group>", description: "Give the nodes to this group (name or gid)", value: { kind: "group" } },
    { flags: "--mode <mode>", description: "Permission bits, octal (default 0660 with --group, else 0600)", value: { kind: "text" } },
    { flags: "--install", description: "Write the rule into the rules directory (/etc/udev/rules.d; VFIO_PLAT_UDEV_RULES_DIR) instead of printing it" },
    { flags: "--remove", description: "Remove the device's installed rule" },
    {
      flags: "--apply",
      description: "Apply the device's installed rules now, as udev does when it appears (its bind --persist rule, then this one): for systems without udevd",
    },
  ],
} as const satisfies Record<string, readonly OptionSpec[]>;

export type CommandName = keyof typeof COMMAND_OPTIONS;

/**
 * Positional arguments by the name the usage strings give them (`read <device> <address> [count]`), in the options'
 * kinds, for completion and the man page; a name not here (address, value, count, index) is typed, not picked. The
 * handlers check them (a device is looked up, an action or shell refused with the list).
 */
export const ARGUMENT_KINDS: Readonly<Record<string, ValueKind>> = {
  device: { kind: "device" },
  script: { kind: "file" },
  file: { kind: "file" },
  shell: { kind: "enum", choices: SHELLS },
  action: { kind: "enum", choices: PL330_ACTIONS },
  program: { kind: "file" },
  plan: { kind: "file" },
};

/** The typed options a command's handler receives: converted, checked, defaults applied. */
export type OptionsOf<C extends CommandName> = OptionsFrom<(typeof COMMAND_OPTIONS)[C]>;

/** The typed global options (`color` is true for a bare --color, false for --no-color, else the word). */
export type GlobalOptionValues = OptionsFrom<typeof GLOBAL_OPTIONS> & OptionsFrom<typeof IMPLICIT_OPTIONS>;
