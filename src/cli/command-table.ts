// The command table: every command's name, usage, options and examples in one place. main.ts registers cac from it,
// and --help, shell completions and the man page are generated from the same data so they cannot drift. Each
// command's code is imported only when that command runs.
import type { CliContext } from "./context.ts";

export interface OptionSpec {
  /** cac flags: `-e, --execute <lines>` (value required), `--color [when]` (value only as `--color=WHEN`), `--json`. */
  flags: string;
  description: string;
  default?: unknown;
  /** The words an optional value may be (`--color=always`); anything else is refused. */
  choices?: readonly string[];
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
  { flags: "--sim-board <name>", description: "Board for a new simulated state: virt (SMMUv3), virt-noiommu, or a device tree FILE.dtb/FILE.dts (also VFIO_PLAT_SIM_BOARD)" },
  {
    flags: "--iommu-mode <mode>",
    description: "Open devices through auto (cdev + /dev/iommu when the kernel offers it, else the group), group or iommufd (also VFIO_PLAT_IOMMU_MODE)",
  },
  { flags: "--json", description: "Machine-readable output (one JSON document, or JSON Lines for event streams)" },
  {
    flags: "--color [when]",
    description: "Colour: --color=always (same as --color), never or auto (the default: only on a terminal)",
    choices: ["always", "never", "auto"],
  },
  { flags: "--no-color", description: "Same as --color=never (also NO_COLOR=1)" },
  { flags: "--debug", description: "Show stack traces on errors" },
  { flags: "--trace", description: "Print every kernel-boundary call (open, ioctl, pread, ...) decoded on stderr" },
];

/** Options every command line understands that are not in GLOBAL_OPTIONS: help and version (main.ts acts on them). */
export const IMPLICIT_OPTIONS: OptionSpec[] = [
  { flags: "-h, --help", description: "Show help (for a command: vfio-plat COMMAND --help)" },
  { flags: "-V, --version", description: "Print version, git revision, Bun version and libc" },
];

export const COMMANDS: CommandSpec[] = [
  {
    name: "list",
    usage: "list",
    description: "List platform, AMBA and PCI devices with driver, IOMMU group and device-tree or PCI identity",
    options: [{ flags: "--names", description: "Print device names only, one per line (for shell completion)" }],
    examples: ["vfio-plat list", "vfio-plat --sim list --json"],
    load: () => import("./commands/list.ts"),
  },
  {
    name: "bind",
    usage: "bind <device>",
    description: "Bind a device to vfio-platform / vfio-amba / vfio-pci (remembers and restores the original driver on failure)",
    options: [
      { flags: "--force", description: "Bind even a device the system uses (console, active network link)" },
      { flags: "--driver <name>", description: "VFIO driver: the one of the device's bus, vfio-platform, vfio-amba or vfio-pci (the default)" },
      { flags: "--user <user>", description: "Then give /dev/vfio/N to this user (name or uid), as dpdk-devbind --uid does" },
      { flags: "--group <group>", description: "Then give /dev/vfio/N to this group (name or gid) and make it group read-write (lasting: udev MODE=\"0660\")" },
      { flags: "--wait <period>", description: "Wait this long for another process's bind/unbind of the device (default 30s; 0: answer busy at once)" },
    ],
    examples: ["vfio-plat bind 9010000.pl031", "vfio-plat bind arm,pl031", "sudo vfio-plat bind 9010000.pl031 --user $USER"],
    load: () => import("./commands/bind.ts"),
  },
  {
    name: "unbind",
    usage: "unbind <device>",
    description: "Unbind a device from VFIO and give it back to its original driver (a device not bound to VFIO: notice, exit 0)",
    options: [
      { flags: "--wait <period>", description: "Wait this long for another process's bind/unbind of the device (default 30s; 0: answer busy at once)" },
    ],
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
    description: "Run a script of read/write/expect/irq/dma/sleep/reset lines in ONE open session (file, or - for stdin)",
    options: [{ flags: "-e, --execute <lines>", description: "Script given inline; ';' separates lines (give one source: FILE, - or one -e)" }],
    examples: [
      "vfio-plat run 9010000.pl031 alarm.vfio",
      "echo 'read 0:0xfe0.b 8' | vfio-plat run 9010000.pl031 -",
    ],
    load: () => import("./commands/run.ts"),
  },
  {
    name: "log",
    usage: "log",
    description: "Print the kernel log (/dev/kmsg), e.g. the IOMMU's fault records after a DMA went wrong",
    options: [{ flags: "--smmu", description: "Only the Arm SMMU driver's records (translation and permission faults)" }],
    examples: ["vfio-plat log --smmu", "vfio-plat log --json"],
    load: () => import("./commands/log.ts"),
  },
  {
    name: "doctor",
    usage: "doctor [device]",
    description: "Explain why a device cannot be bound or opened (VFIO, IOMMU group, reset, coherency, permissions, holder)",
    options: [],
    examples: ["vfio-plat doctor", "vfio-plat doctor 9010000.pl031"],
    load: () => import("./commands/doctor.ts"),
  },
  {
    name: "sim-reset",
    usage: "sim-reset",
    description:
      "Boot the simulated board afresh in its state directory (bindings, registers, locks and kernel log are lost): the fix for damaged board state",
    options: [],
    examples: ["vfio-plat sim-reset", "vfio-plat --sim-state /tmp/board --sim-board virt-noiommu sim-reset"],
    load: () => import("./commands/sim-reset.ts"),
  },
  {
    name: "dma-test",
    usage: "dma-test <device>",
    description: "Copy memory with a PL330 through the IOMMU, verify every byte and report throughput; --inject provokes a fault",
    options: [
      { flags: "--size <size>", description: "Bytes per copy, k/M/G suffixes (default 64M)" },
      { flags: "--iterations <n>", description: "Number of copies (default 1)" },
      { flags: "--channel <n>", description: "DMA channel 0..7; its event and interrupt have the same number (default 0)" },
      { flags: "--pattern <pattern>", description: "Source data: incrementing (default), random, zeros, ones or a byte 0xNN" },
      { flags: "--inject <fault>", description: "Provoke a failure: readonly-dst, unmapped-src or unmapped-program fault (exit 1); short-copy or shifted-dst fail the verify (exit 8)" },
      { flags: "--timeout <period>", description: "Longest time a copy may go without progress (default 5s); exit 7 after killing the channel" },
    ],
    examples: [
      "vfio-plat dma-test 2c0a0000.dma --size 1M",
      "vfio-plat dma-test 2c0a0000.dma --size 4k --iterations 100 --pattern random --json",
      "vfio-plat dma-test 2c0a0000.dma --size 64k --inject readonly-dst",
    ],
    load: () => import("./commands/dma-test.ts"),
  },
  {
    name: "pl330",
    usage: "pl330 <action> [file]",
    description: "PL330 microcode tools: asm FILE|- (TRM syntax to hex, --output binary) and disasm FILE|- (listing)",
    options: [
      { flags: "--output <file>", description: "asm: write the binary program to FILE (- for stdout)" },
      { flags: "--listing", description: "asm: print address, bytes and source line per instruction" },
      { flags: "--base <address>", description: "Bus address of the first byte (listing addresses, label values; default 0)" },
      { flags: "--hex", description: "disasm: the input is hex text, not binary" },
      { flags: "--device <device>", description: "disasm: read the bytes from this VFIO device's region instead of a file" },
      { flags: "--region <index>", description: "disasm --device: region index (default 0)" },
      { flags: "--offset <offset>", description: "disasm --device: offset in the region (default 0)" },
      { flags: "--length <bytes>", description: "disasm --device: bytes to read" },
    ],
    examples: [
      "vfio-plat pl330 asm copy.s",
      "vfio-plat pl330 asm copy.s --output copy.bin && vfio-plat pl330 disasm copy.bin --base 0x1000",
      "echo 'bc 01 f7 c0 3d 00 34 00 00' | vfio-plat pl330 disasm --hex -",
    ],
    load: () => import("./commands/pl330.ts"),
  },
  {
    name: "completion",
    usage: "completion <shell>",
    description: "Print the shell completion script for bash, zsh or fish (device names complete live)",
    options: [],
    examples: [
      "vfio-plat completion bash > ~/.local/share/bash-completion/completions/vfio-plat",
      "vfio-plat completion fish > ~/.config/fish/completions/vfio-plat.fish",
    ],
    load: () => import("./commands/completion.ts"),
  },
];
