// The command table: every command's name, usage, options and examples in one place. main.ts registers cac from it,
// and --help, shell completions and the man page are generated from the same data so they cannot drift. Each
// command's code is imported only when that command runs.
import type { CliContext } from "./context.ts";
import { COMMAND_OPTIONS, GLOBAL_OPTIONS, IMPLICIT_OPTIONS, type CommandName, type OptionsOf } from "./command-options.ts";
import type { OptionSpec } from "./parse/option-kinds.ts";

export { GLOBAL_OPTIONS, IMPLICIT_OPTIONS };
export type { OptionSpec };

/** A command's handler: positional words as typed, options converted and checked by the scanner. */
export type CommandRun<O> = (ctx: CliContext, args: string[], options: O) => Promise<number | void>;

export interface CommandSpec {
  name: CommandName;
  /** cac usage: "read <device> <address> [count]" */
  usage: string;
  description: string;
  options: readonly OptionSpec[];
  examples: string[];
  /** The handler, typed for this command's options (main.ts passes what the scanner built from the same table). */
  load: () => Promise<{ run: CommandRun<never> }>;
}

/** A command of the table: its options are COMMAND_OPTIONS[name], and its handler must take exactly their types. */
function command<N extends CommandName>(spec: {
  name: N;
  usage: string;
  description: string;
  examples: string[];
  load: () => Promise<{ run: CommandRun<OptionsOf<N>> }>;
}): CommandSpec {
  return { ...spec, options: COMMAND_OPTIONS[spec.name] };
}

export const COMMANDS: CommandSpec[] = [
  command({
    name: "list",
    usage: "list [...device]",
    description:
      "List platform, AMBA and PCI devices with driver, IOMMU group and device-tree or PCI identity; filters (--bus, --driver, --compatible, --vfio, --group, names) combine",
    examples: ["vfio-plat list", "vfio-plat --sim list --json", "vfio-plat list --bus amba --no-vfio", "vfio-plat list --compatible 'arm,pl0*' --names", "vfio-plat list --group 3"],
    load: () => import("./commands/list.ts"),
  }),
  command({
    name: "bind",
    usage: "bind [...device]",
    description:
      "Bind devices to vfio-platform / vfio-amba / vfio-pci as one transaction (all bound, or every one back on its original driver); --group-of binds a whole IOMMU group",
    examples: [
      "vfio-plat bind 9010000.pl031",
      "vfio-plat bind arm,pl031",
      "sudo vfio-plat bind 9010000.pl031 --user $USER",
      "vfio-plat bind 9010000.pl031 a000000.virtio_mmio",
      "vfio-plat bind --group-of a000000.virtio_mmio",
      "sudo vfio-plat bind 9010000.pl031 --persist",
    ],
    load: () => import("./commands/bind.ts"),
  }),
  command({
    name: "unbind",
    usage: "unbind [...device]",
    description:
      "Unbind devices from VFIO and give each back to its original driver, several as one transaction (a device not bound to VFIO: notice, exit 0)",
    examples: ["vfio-plat unbind 9010000.pl031", "vfio-plat unbind 9010000.pl031 a000000.virtio_mmio", "vfio-plat unbind --group-of a000000.virtio_mmio", "sudo vfio-plat unbind 9010000.pl031 --persist"],
    load: () => import("./commands/unbind.ts"),
  }),
  command({
    name: "info",
    usage: "info <device>",
    description: "Show a VFIO device's flags, regions (size, offset, flags, mmap tested), interrupts and which register map applies",
    examples: ["vfio-plat info 9010000.pl031", "vfio-plat info a000000.virtio_mmio --json"],
    load: () => import("./commands/info.ts"),
  }),
  command({
    name: "read",
    usage: "read <device> <address> [count]",
    description:
      "Read registers: ADDRESS is [REGION:]OFFSET[.b|.w|.l|.q], a register name (REG, REG.FIELD) or a physical @ADDRESS (DEVICE may then be left out); COUNT gives a memtool-style dump, --to FILE the raw bytes",
    examples: [
      "vfio-plat read 9010000.pl031 RTCDR",
      "vfio-plat read 2c0a0000.dma DSR --decode",
      "vfio-plat read 2c0a0000.dma CSR0.CHANNEL_STATUS",
      "vfio-plat read 9010000.pl031 0:0xfe0 8",
      "vfio-plat read 9010000.pl031 0:0x0 0x400 --to regs.bin",
      "vfio-plat read @0x09010ff0.b",
    ],
    load: () => import("./commands/read.ts"),
  }),
  command({
    name: "write",
    usage: "write <device> <address> [...values]",
    description:
      "Write a register (silent); VALUE:MASK changes only the masked bits, REG.FIELD only that field (read-modify-write); several values, --fill COUNT or --from FILE write consecutive registers",
    examples: [
      "vfio-plat write 9010000.pl031 0:0x10 1",
      "vfio-plat write 2c0a0000.dma INTEN 0x1",
      "vfio-plat write 9010000.pl031 RTCCR.RTC_START 1",
      "vfio-plat write 9010000.pl031 0:0x10.l 0x1:0x1 --readback",
      "vfio-plat write 9010000.pl031 0:0x4 0x11 0x22",
      "vfio-plat write 9000000.pl011 0:0x24.l 0 --fill 4 --dry-run",
      "vfio-plat write 9010000.pl031 0:0x0 --from regs.bin",
      "vfio-plat write --phys 0x09010010 1 --dry-run",
    ],
    load: () => import("./commands/write.ts"),
  }),
  command({
    name: "poll",
    usage: "poll <device> <address> <value>",
    description: "Read a register (or field) until it equals VALUE[:MASK]; exit 7 on timeout with the last value and the bits that differ",
    examples: ["vfio-plat poll 2c0a0000.dma CSR0 0x0:0xf --timeout 1s", "vfio-plat poll 9010000.pl031 RTCRIS.RTCRIS 1 --interval 100ms"],
    load: () => import("./commands/poll.ts"),
  }),
  command({
    name: "expect",
    usage: "expect <device> <address> <value>",
    description: "Read a register (or field) once and fail (exit 8) unless it equals VALUE[:MASK]",
    examples: ["vfio-plat expect 9010000.pl031 RTCCR.RTC_START 1", "vfio-plat expect 2c0a0000.dma DSR 0x0:0xf"],
    load: () => import("./commands/expect.ts"),
  }),
  command({
    name: "irq",
    usage: "irq <device> [index]",
    description: "Arm an interrupt and wait for it (level interrupts are unmasked after each event)",
    examples: ["vfio-plat irq 9010000.pl031 0 --timeout 5s", "vfio-plat irq a000000.virtio_mmio --trigger --json"],
    load: () => import("./commands/irq.ts"),
  }),
  command({
    name: "reset",
    usage: "reset <device>",
    description: "Reset the device through VFIO_DEVICE_RESET (only devices with a reset function)",
    examples: ["vfio-plat reset 9010000.pl031"],
    load: () => import("./commands/reset.ts"),
  }),
  command({
    name: "run",
    usage: "run <device> [script]",
    description: "Run a script of read/write/expect/poll/irq/dma/sleep/reset lines in ONE open session (file, or - for stdin)",
    examples: [
      "vfio-plat run 9010000.pl031 examples/pl031-alarm.vfio",
      "echo 'read 0:0xfe0.b 8' | vfio-plat run 9010000.pl031 -",
      "vfio-plat run 9010000.pl031 -e 'irq unmask-fd 0; irq arm 0; irq wait 0; write 0:0x1c 1; irq signal-unmask 0'",
    ],
    load: () => import("./commands/run.ts"),
  }),
  command({
    name: "log",
    usage: "log",
    description: "Print the kernel log (/dev/kmsg), e.g. the IOMMU's fault records after a DMA went wrong",
    examples: ["vfio-plat log --smmu", "vfio-plat log --json", "vfio-plat log --follow --smmu", "vfio-plat log --follow-new --json"],
    load: () => import("./commands/log.ts"),
  }),
  command({
    name: "watch",
    usage: "watch <device> <...address>",
    description: "Read registers (or fields) every interval in one open session: redrawn in place on a terminal with the changed bits highlighted, one line (or JSON object) per sample on a pipe",
    examples: [
      "vfio-plat watch 9010000.pl031 RTCDR RTCCR.RTC_START",
      "vfio-plat watch 2c0a0000.dma DSR CSR0 --interval 100ms",
      "vfio-plat watch 9010000.pl031 0:0x0 --count 5 --json",
      "vfio-plat watch @0x09010000 @0x09010008",
    ],
    load: () => import("./commands/watch.ts"),
  }),
  command({
    name: "doctor",
    usage: "doctor [device]",
    description: "Explain why a device cannot be bound or opened (VFIO, IOMMU group, reset, coherency, permissions, holder)",
    examples: ["vfio-plat doctor", "vfio-plat doctor 9010000.pl031"],
    load: () => import("./commands/doctor.ts"),
  }),
  command({
    name: "sim-reset",
    usage: "sim-reset",
    description:
      "Boot the simulated board afresh in its state directory (bindings, registers, locks and kernel log are lost): the fix for damaged board state",
    examples: ["vfio-plat sim-reset", "vfio-plat --sim-state /tmp/board --sim-board virt-noiommu sim-reset"],
    load: () => import("./commands/sim-reset.ts"),
  }),
  command({
    name: "sim-export",
    usage: "sim-export [file]",
    description: "Write the simulated board (the built-in virt included) as a board file (JSON, docs/board-files.md) to FILE or stdout",
    examples: ["vfio-plat sim-export my-board.json", "vfio-plat --sim-state /tmp/b --sim-board my-board.json list"],
    load: () => import("./commands/sim-export.ts"),
  }),
  command({
    name: "dma-test",
    usage: "dma-test <device>",
    description: "Copy memory with a PL330 through the IOMMU, verify every byte and report throughput; --inject provokes a fault",
    examples: [
      "vfio-plat dma-test 2c0a0000.dma --size 1M",
      "vfio-plat dma-test 2c0a0000.dma --size 4k --iterations 100 --pattern random --json",
      "vfio-plat dma-test 2c0a0000.dma --size 64k --inject readonly-dst",
    ],
    load: () => import("./commands/dma-test.ts"),
  }),
  command({
    name: "blk-test",
    usage: "blk-test <device>",
    description:
      "Write a seeded pattern to the sectors you name on a virtio-blk disk (virtio-mmio), read it back and verify every byte (DESTRUCTIVE)",
    examples: [
      "vfio-plat blk-test a003e00.virtio_mmio --sector 2048",
      "vfio-plat blk-test a003e00.virtio_mmio --sector 0 --count 2048 --seed 7 --json",
    ],
    load: () => import("./commands/blk-test.ts"),
  }),
  command({
    name: "pl330",
    usage: "pl330 <action> [file] [program]",
    description:
      "PL330 microcode tools: asm FILE|- (TRM syntax to hex, --output binary), disasm FILE|- (listing) and exec DEVICE PROGRAM (run your own program on a channel)",
    examples: [
      "vfio-plat pl330 asm copy.s",
      "vfio-plat pl330 exec 2c0a0000.dma examples/pl330/copy.s --buffer src=4096:random --buffer dst=4096",
      "vfio-plat pl330 asm copy.s --output copy.bin && vfio-plat pl330 disasm copy.bin --base 0x1000",
      "echo 'bc 01 f7 c0 3d 00 34 00 00' | vfio-plat pl330 disasm --hex -",
    ],
    load: () => import("./commands/pl330.ts"),
  }),
  command({
    name: "test",
    usage: "test <plan>",
    description:
      "Run a test plan (YAML or JSON, docs/plans.md): per device bind, its steps as test cases, unbind; a summary, TAP (--tap), JSON Lines (--json) or JUnit XML (--junit)",
    examples: [
      "vfio-plat --sim test examples/plans/virt.yaml",
      "vfio-plat test examples/plans/virt-noiommu.yaml --tap --junit results.xml",
      "vfio-plat --sim test examples/plans/virt.yaml --only 'rtc/*' --list",
    ],
    load: () => import("./commands/test.ts"),
  }),
  command({
    name: "completion",
    usage: "completion <shell>",
    description: "Print the shell completion script for bash, zsh or fish (device names complete live)",
    examples: [
      "vfio-plat completion bash > ~/.local/share/bash-completion/completions/vfio-plat",
      "vfio-plat completion fish > ~/.config/fish/completions/vfio-plat.fish",
    ],
    load: () => import("./commands/completion.ts"),
  }),
  command({
    name: "udev-rule",
    usage: "udev-rule <...device>",
    description:
      "Print, install (--install) or remove (--remove) the udev rule that gives a user or group lasting access to the devices' /dev/vfio nodes; --apply applies the installed rules now",
    examples: [
      "vfio-plat udev-rule 9010000.pl031 --group vfio",
      "sudo vfio-plat udev-rule 9010000.pl031 --group vfio --install",
      "sudo vfio-plat udev-rule 9010000.pl031 --apply",
    ],
    load: () => import("./commands/udev-rule.ts"),
  }),
];
