// The command table: every command's name, usage, options and examples in one place. main.ts registers cac from it,
// and --help, shell completions and the man page are generated from the same data so they cannot drift. Each
// command's code is imported only when that command runs.
import type { CliContext } from "./context.ts";

export interface OptionSpec {
  flags: string;
  description: string;
  default?: unknown;
}

export interface CommandSpec {
  name: string;
  /** cac usage: "read <device> <address> [count]" */
  usage: string;
  description: string;
  options: OptionSpec[];
  examples: string[];
  load: () => Promise<{ run: (ctx: CliContext, args: string[], options: Record<string, unknown>) => Promise<number | void> }>;
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { flags: "--sim", description: "Use the simulated board (also VFIO_PLAT_SIM=1)" },
  { flags: "--sim-state <dir>", description: "State directory of the simulated board (also VFIO_PLAT_SIM_STATE)" },
  { flags: "--sim-board <name>", description: "Board for a new simulated state: virt (SMMUv3) or virt-noiommu (also VFIO_PLAT_SIM_BOARD)" },
  { flags: "--json", description: "Machine-readable output (one JSON document, or JSON Lines for event streams)" },
  { flags: "--color", description: "Force colour" },
  { flags: "--no-color", description: "No colour (also NO_COLOR)" },
  { flags: "--debug", description: "Show stack traces on errors" },
  { flags: "-y, --yes", description: "Answer yes to confirmation prompts" },
];

export const COMMANDS: CommandSpec[] = [
  {
    name: "list",
    usage: "list",
    description: "List platform and AMBA devices with driver, IOMMU group and device-tree identity",
    options: [{ flags: "--names", description: "Print device names only, one per line (for shell completion)" }],
    examples: ["vfio-plat list", "vfio-plat --sim list --json"],
    load: () => import("./commands/list.ts"),
  },
  {
    name: "bind",
    usage: "bind <device>",
    description: "Bind a device to vfio-platform / vfio-amba (remembers and restores the original driver on failure)",
    options: [
      { flags: "--force", description: "Bind even a device the system uses (console, active network link)" },
      { flags: "--driver <name>", description: "VFIO driver to use (default: vfio-platform or vfio-amba by bus)" },
    ],
    examples: ["vfio-plat bind 9010000.pl031", "vfio-plat bind arm,pl031"],
    load: () => import("./commands/bind.ts"),
  },
  {
    name: "unbind",
    usage: "unbind <device>",
    description: "Unbind a device from VFIO and give it back to its original driver",
    options: [],
    examples: ["vfio-plat unbind 9010000.pl031"],
    load: () => import("./commands/unbind.ts"),
  },
  {
    name: "info",
    usage: "info <device>",
    description: "Show a VFIO device's flags, regions (size, offset, flags, mmap tested) and interrupts",
    options: [],
    examples: ["vfio-plat info 9010000.pl031", "vfio-plat info a000000.virtio_mmio --json"],
    load: () => import("./commands/info.ts"),
  },
  {
    name: "read",
    usage: "read <device> <address> [count]",
    description: "Read registers: ADDRESS is [REGION:]OFFSET[.b|.w|.l|.q]; COUNT gives a memtool-style dump",
    options: [
      { flags: "--width <bits>", description: "Access width 8|16|32|64 (default 32; 64 needs an mmap-able region)" },
      { flags: "-x, --swap", description: "Show values byte-swapped (big-endian blocks)" },
    ],
    examples: ["vfio-plat read 9010000.pl031 0:0xff0.l", "vfio-plat read 9010000.pl031 0:0xfe0 8"],
    load: () => import("./commands/read.ts"),
  },
  {
    name: "write",
    usage: "write <device> <address> <value>",
    description: "Write a register (silent); VALUE:MASK changes only the masked bits (read-modify-write)",
    options: [
      { flags: "--width <bits>", description: "Access width 8|16|32|64 (default 32)" },
      { flags: "--readback", description: "Read the register back and fail (exit 8) if it differs" },
      { flags: "--dry-run", description: "Print the accesses that would be made, touch nothing" },
    ],
    examples: ["vfio-plat write 9010000.pl031 0:0x10 1", "vfio-plat write 9010000.pl031 0:0x10.l 0x1:0x1 --readback"],
    load: () => import("./commands/write.ts"),
  },
  {
    name: "irq",
    usage: "irq <device> [index]",
    description: "Arm an interrupt and wait for it (level interrupts are unmasked after each event)",
    options: [
      { flags: "--count <n>", description: "Stop after N wakeups (default 1; 0 = until timeout or Ctrl-C)" },
      { flags: "--timeout <period>", description: "Give up after PERIOD (5s, 200ms); exit 7 (default: wait forever)" },
      { flags: "--trigger", description: "Fire the interrupt by loopback once armed (self-test)" },
    ],
    examples: ["vfio-plat irq 9010000.pl031 0 --timeout 5s", "vfio-plat irq a000000.virtio_mmio --trigger --json"],
    load: () => import("./commands/irq.ts"),
  },
  {
    name: "reset",
    usage: "reset <device>",
    description: "Reset the device through VFIO_DEVICE_RESET (only devices with a reset function)",
    options: [],
    examples: ["vfio-plat reset 9010000.pl031"],
    load: () => import("./commands/reset.ts"),
  },
  {
    name: "run",
    usage: "run <device> [script]",
    description: "Run a script of read/write/irq/sleep/reset lines in ONE open session (file, or - for stdin)",
    options: [{ flags: "-e, --execute <lines>", description: "Script given inline; ';' separates lines" }],
    examples: [
      "vfio-plat run 9010000.pl031 alarm.vfio",
      "echo 'read 0:0xfe0.b 8' | vfio-plat run 9010000.pl031 -",
    ],
    load: () => import("./commands/run.ts"),
  },
  {
    name: "doctor",
    usage: "doctor [device]",
    description: "Explain why a device cannot be bound or opened (VFIO, IOMMU group, reset, coherency, permissions, holder)",
    options: [],
    examples: ["vfio-plat doctor", "vfio-plat doctor 9010000.pl031"],
    load: () => import("./commands/doctor.ts"),
  },
];
