// What shell completion (and the man page) need to know about the command line, derived from THE command table
// (src/cli/command-table.ts, options and their value kinds in command-options.ts) at generation time: commands, their
// positional arguments and options, and what kind of word each argument or option value is (a device name, a file,
// one of a few words). Value kinds are the table's own (options, and positionals by their usage name); fixed word
// lists are the table's or the parsers' own arrays (parse/choices.ts, the board and driver tables), never copies.
import { BOARDS } from "../../sim/boards/index.ts";
import { BOARD_FILE_EXTENSIONS } from "../../sim/boards/board-of.ts";
import { VFIO_DRIVERS } from "../../host/sysfs.ts";
import { COMMANDS, GLOBAL_OPTIONS, IMPLICIT_OPTIONS, type CommandSpec, type OptionSpec } from "../command-table.ts";
import { usageArgs } from "../parse/argv.ts";
import { SHELLS } from "../parse/choices.ts";
import { ARGUMENT_KINDS } from "../command-options.ts";
import type { ValueKind as OptionValueKind } from "../parse/option-kinds.ts";

/** What a word may be, for completion. */
export type ValueKind =
  | { kind: "none" }
  | { kind: "devices" }
  | { kind: "files" }
  | { kind: "dirs" }
  | { kind: "users" }
  | { kind: "groups" }
  /** One of `words`, or (with `files`) a file whose name ends `.EXT` for one of these extensions (any case). */
  | { kind: "words"; words: readonly string[]; files?: readonly string[] };

export interface ModelOption {
  /** "sim-state" for --sim-state */
  long?: string;
  /** "y" for -y */
  short?: string;
  /** The value placeholder ("dir" in `--sim-state <dir>`), when the option takes a value. */
  valueName?: string;
  /** cac's `[value]`: the value may be left out. */
  valueOptional?: boolean;
  description: string;
  values: ValueKind;
  /** The flags exactly as the command table spells them, for the man page. */
  flags: string;
  /** The value's kind and default as the option table declares them, for the man page. */
  kind?: OptionValueKind;
  default?: string;
}

export interface ModelArg {
  name: string;
  optional: boolean;
  variadic: boolean;
  values: ValueKind;
}

export interface ModelCommand {
  name: string;
  usage: string;
  description: string;
  args: ModelArg[];
  options: ModelOption[];
  examples: string[];
}

export interface CompletionModel {
  program: string;
  /** Options valid before or after any command (the table's globals plus cac's --help and main's --version). */
  globals: ModelOption[];
  commands: ModelCommand[];
}

export { SHELLS };
export type Shell = (typeof SHELLS)[number];

const NONE: ValueKind = { kind: "none" };

/** What completes for an option's value, from the kind the option table declares. */
export function completionOf(kind: OptionValueKind | undefined): ValueKind {
  switch (kind?.kind) {
    case undefined:
    case "text":
    case "integer":
    case "size":
    case "period":
      return NONE;
    case "device":
      return { kind: "devices" };
    case "file":
      return { kind: "files" };
    case "dir":
      return { kind: "dirs" };
    case "user":
      return { kind: "users" };
    case "group":
      return { kind: "groups" };
    case "enum":
      return { kind: "words", words: kind.choices };
    case "word":
      // A board is a built-in name or a board file / device tree (--sim-board): both complete.
      if (kind.suggest === "boards") return { kind: "words", words: Object.keys(BOARDS), files: BOARD_FILE_EXTENSIONS };
      return { kind: "words", words: kind.suggest === "drivers" ? [...VFIO_DRIVERS] : kind.suggest };
  }
}

/** Split cac flags ("-e, --execute <lines>") into their parts. */
export function parseFlags(o: OptionSpec): ModelOption {
  const opt: ModelOption = {
    description: o.description,
    values: NONE,
    flags: o.flags,
    ...(o.value ? { kind: o.value } : {}),
    ...(o.default !== undefined ? { default: o.default } : {}),
  };
  for (const token of o.flags.split(/[\s,]+/).filter(Boolean)) {
    if (token.startsWith("--")) opt.long = token.slice(2);
    else if (token.startsWith("-")) opt.short = token.slice(1);
    else if (/^<.+>$/.test(token)) opt.valueName = token.slice(1, -1);
    else if (/^\[.+\]$/.test(token)) {
      opt.valueName = token.slice(1, -1);
      opt.valueOptional = true;
    }
  }
  if (opt.valueName !== undefined) opt.values = completionOf(o.value);
  return opt;
}

/** Positional arguments of a cac usage string ("read <device> <address> [count]"). */
export function parseUsageArgs(usage: string): ModelArg[] {
  return usageArgs(usage).map((a) => ({ ...a, values: completionOf(ARGUMENT_KINDS[a.name]) }));
}

function modelCommand(c: CommandSpec): ModelCommand {
  return {
    name: c.name,
    usage: c.usage,
    description: c.description,
    args: parseUsageArgs(c.usage),
    options: c.options.map(parseFlags),
    examples: [...c.examples],
  };
}

/** The model of the command line, read from the command table now (never cached: the table is the truth). */
export function completionModel(commands: readonly CommandSpec[] = COMMANDS, globals: readonly OptionSpec[] = GLOBAL_OPTIONS): CompletionModel {
  return {
    program: "vfio-plat",
    globals: [...globals, ...IMPLICIT_OPTIONS].map(parseFlags),
    commands: commands.map(modelCommand),
  };
}

/** Every option (global and per command) that takes a value, as the shell sees it: "--sim-state", "-e". */
export function valueTakingFlags(m: CompletionModel): string[] {
  const all = [...m.globals, ...m.commands.flatMap((c) => c.options)].filter((o) => o.valueName !== undefined && !o.valueOptional);
  return [...new Set(all.flatMap((o) => [...(o.long ? [`--${o.long}`] : []), ...(o.short ? [`-${o.short}`] : [])]))];
}

/** The flags of an option as words: ["-e", "--execute"]. */
export function flagWords(o: ModelOption): string[] {
  return [...(o.short ? [`-${o.short}`] : []), ...(o.long ? [`--${o.long}`] : [])];
}
