// The command-line scanner: splits argv into the command, its positional words and its options, from THE command
// table, keeping every value exactly as typed (a string); then converts each value once, by the kind the option table
// declares (parse/option-kinds.ts). cac's parser turns numeric-looking values into lossy numbers (2^64-1 ->
// 18446744073709552000, 1e3 -> 1000) and silently keeps one of two repeated options, so cac only prints help; this
// file decides what the command line means, and refuses what it cannot mean one way.
import { UsageError } from "../usage-error.ts";
import { omitsDevice } from "./physical.ts";
import { convertValue, enumRefusal, type ValueKind } from "./option-kinds.ts";

/** An option as the command table spells it (`-e, --execute <lines>`, `--color [when]`, `--no-color`), with the
 * kind of value it takes and its default. */
export interface ScanOptionSpec {
  readonly flags: string;
  readonly value?: ValueKind;
  readonly default?: string;
  readonly repeatable?: boolean;
}

/** A command as the scanner needs it: its name, cac usage (`read <device> <address> [count]`) and options. */
export interface ScanCommandSpec {
  name: string;
  usage: string;
  options: readonly ScanOptionSpec[];
}

/** A positional argument of a usage string. */
export interface UsageArg {
  name: string;
  optional: boolean;
  variadic: boolean;
}

/** Positional arguments of a cac usage string ("read <device> <address> [count]"), in order. */
export function usageArgs(usage: string): UsageArg[] {
  return usage
    .split(/\s+/)
    .slice(1)
    .flatMap((token): UsageArg[] => {
      const m = /^([<[])(\.\.\.)?([^\]>]+)[\]>]$/.exec(token);
      return m ? [{ name: m[3]!, optional: m[1] === "[", variadic: m[2] !== undefined }] : [];
    });
}

interface FlagDef {
  /** camelCase key of the long name (cac's convention: `--dry-run` -> dryRun). */
  key: string;
  /** Every key the value is stored under (long and short), so commands may read either. */
  keys: string[];
  /** How the option is named in messages: `--width`. */
  display: string;
  value: "none" | "required" | "optional";
  /** For `--no-x`: stores false under x's keys. */
  negates?: boolean;
  choices?: readonly string[];
  /** Given more than once, the values collect in a list instead of being refused as a repeat. */
  repeatable?: boolean;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Long and short names of a flags string, and what kind of value it takes. */
function defsOf(specs: readonly ScanOptionSpec[]): { long: Map<string, FlagDef>; short: Map<string, FlagDef> } {
  const long = new Map<string, FlagDef>();
  const short = new Map<string, FlagDef>();
  const plain: { spec: ScanOptionSpec; longs: string[]; shorts: string[]; value: FlagDef["value"] }[] = [];
  for (const spec of specs) {
    const tokens = spec.flags.split(/[\s,]+/).filter(Boolean);
    const longs = tokens.filter((t) => t.startsWith("--")).map((t) => t.slice(2));
    const shorts = tokens.filter((t) => /^-[^-]$/.test(t)).map((t) => t.slice(1));
    const value = tokens.some((t) => t.startsWith("<")) ? "required" : tokens.some((t) => t.startsWith("[")) ? "optional" : "none";
    plain.push({ spec, longs, shorts, value });
  }
  const byLong = new Map(plain.flatMap((p) => p.longs.map((l) => [l, p] as const)));
  for (const p of plain) {
    const name = p.longs[0] ?? p.shorts[0]!;
    // `--no-color` beside `--color`: the same option, negated (a repeat of either is a repeat of both).
    const base = name.startsWith("no-") ? byLong.get(name.slice(3)) : undefined;
    const keyName = base ? name.slice(3) : name;
    const def: FlagDef = {
      key: camel(keyName),
      keys: [camel(keyName), ...(base ? base.shorts : p.shorts)],
      display: base ? `--${keyName}` : p.longs[0] !== undefined ? `--${p.longs[0]}` : `-${p.shorts[0]}`,
      value: p.value,
      ...(base ? { negates: true } : {}),
      ...(p.spec.value?.kind === "enum" ? { choices: p.spec.value.choices } : {}),
      ...(p.spec.repeatable ? { repeatable: true } : {}),
    };
    for (const l of p.longs) long.set(l, def);
    for (const s of p.shorts) short.set(s, def);
  }
  return { long, short };
}

/** What a command line means. Values are exactly as typed; booleans are true (false for `--no-x`). */
export interface ScannedArgs {
  /** The command, when the first positional word names one. */
  command?: ScanCommandSpec;
  /** The first positional word (the command word, known or not). */
  word?: string;
  /** Positional words after the command word. */
  positionals: string[];
  /** Option values by key (camelCase long name, and the short letter too); a repeatable option's are a list. */
  options: Record<string, string | boolean | string[]>;
  /** The first problem found (unknown option, repeated option, missing value...), thrown by checkScanned. */
  error?: UsageError;
  /** The problem came before the command word (so `-e x list` is about -e, not about a command 'x'). */
  errorFirst?: boolean;
}

// A word after a value-taking option is its value unless it looks like another option; `-` (stdin) and negative
// numbers are values, so `--output -` works and `--timeout -5` is refused by the number parser, not as "no value".
const looksLikeOption = (t: string) => t.length > 1 && t.startsWith("-") && !/^-[0-9.]/.test(t);

function scanWith(argv: readonly string[], specs: readonly ScanOptionSpec[], helpFor: string): Omit<ScannedArgs, "command"> {
  const { long, short } = defsOf(specs);
  const words: string[] = [];
  const options: Record<string, string | boolean | string[]> = {};
  const given = new Map<string, string>();
  let error: UsageError | undefined;
  let errorFirst = false;
  const fail = (message: string, hint = `see vfio-plat ${helpFor}--help`) => {
    if (error) return;
    error = new UsageError(message, hint);
    errorFirst = words.length === 0;
  };
  const set = (def: FlagDef, typed: string, value: string | boolean) => {
    if (def.repeatable && typeof value === "string") {
      const list = [...((options[def.key] as string[] | undefined) ?? []), value];
      for (const k of def.keys) options[k] = list;
      return;
    }
    const before = given.get(def.key);
    if (before !== undefined) {
      fail(`option ${def.display} given twice ('${before}', then '${typed}')`, "give each option once");
      return;
    }
    given.set(def.key, typed);
    for (const k of def.keys) options[k] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "--") {
      words.push(...argv.slice(i + 1));
      break;
    }
    // `-` (stdin) and negative numbers are words: no option starts with a digit, and the number parser explains signs.
    if (!t.startsWith("-") || t === "-" || /^-[0-9.]/.test(t)) {
      words.push(t);
      continue;
    }
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      const name = eq >= 0 ? t.slice(2, eq) : t.slice(2);
      const inline = eq >= 0 ? t.slice(eq + 1) : undefined;
      const def = long.get(name);
      if (!def) {
        fail(`unknown option '--${name}'`);
        continue;
      }
      if (def.value === "none") {
        if (inline !== undefined) fail(`option --${name} takes no value (got '${t}')`);
        else set(def, t, !def.negates);
      } else if (def.value === "optional") {
        if (inline === undefined) set(def, t, true);
        else if (def.choices && !def.choices.includes(inline)) {
          const refusal = enumRefusal(def.display, inline, def.choices, true);
          fail(refusal.message, refusal.hint);
        } else set(def, t, inline);
      } else if (inline !== undefined) {
        set(def, t, inline);
      } else if (i + 1 < argv.length && !looksLikeOption(argv[i + 1]!)) {
        set(def, `${t} ${argv[i + 1]}`, argv[++i]!);
      } else {
        fail(`option ${def.display} needs a value`);
      }
      continue;
    }
    // Short options: -x, a cluster of flags -xy, or a flag with its value glued on or next (-e 'read 0:0').
    for (let j = 1; j < t.length; j++) {
      const def = short.get(t[j]!);
      if (!def) {
        fail(`unknown option '-${t[j]}'${t.length > 2 ? ` in '${t}'` : ""}`);
        break;
      }
      if (def.value !== "required") {
        set(def, `-${t[j]}`, !def.negates);
        continue;
      }
      const glued = t.slice(j + 1);
      if (glued !== "") set(def, t, glued);
      else if (i + 1 < argv.length && !looksLikeOption(argv[i + 1]!)) set(def, `-${t[j]} ${argv[i + 1]}`, argv[++i]!);
      else fail(`option -${t[j]} needs a value`);
      break;
    }
  }
  const [word, ...positionals] = words;
  return { ...(word !== undefined ? { word } : {}), positionals, options, ...(error ? { error, errorFirst } : {}) };
}

/**
 * Scan a command line (without the program name) against the global options and each command's options. The
 * command is the first positional word; options may come before or after it. Never throws: the first problem is in
 * `error` (see checkScanned).
 */
export function scanArgv(argv: readonly string[], commands: readonly ScanCommandSpec[], globals: readonly ScanOptionSpec[]): ScannedArgs {
  for (const command of commands) {
    // The command word is one of argv's words: a command not typed cannot be it (and scanning for it costs start-up).
    if (!argv.includes(command.name)) continue;
    const s = scanWith(argv, [...globals, ...command.options], `${command.name} `);
    if (s.word === command.name) return { ...s, command };
  }
  return scanWith(argv, globals, "");
}

/**
 * Refuse a command line that does not mean one thing: the scanner's first problem, an unknown command, and too few
 * or too many positional words for the command's usage.
 * @throws UsageError (exit 2) naming the option, word or missing argument.
 */
export function checkScanned(s: ScannedArgs): void {
  if (s.error && s.errorFirst) throw s.error;
  if (s.word !== undefined && s.command === undefined) {
    throw new UsageError(`unknown command '${s.word}'`, "see vfio-plat --help for the commands");
  }
  if (s.error) throw s.error;
  if (!s.command) return;
  const args = usageArgs(s.command.usage);
  // A physical address may stand in for DEVICE (`read @0x9010ff0`): the command finds the device covering it.
  const standsIn = args[0]?.name === "device" && args[1]?.name === "address" && omitsDevice(s.positionals, s.options.phys === true);
  const given = standsIn ? ["", ...s.positionals] : s.positionals;
  const missing = args.slice(given.length).filter((a) => !a.optional);
  if (missing.length > 0) {
    throw new UsageError(
      `missing required args for ${s.command.name}: ${missing.map((a) => `<${a.name}>`).join(" ")}`,
      `usage: vfio-plat ${s.command.usage}`,
    );
  }
  if (!args.some((a) => a.variadic) && given.length > args.length) {
    const extra = given.slice(args.length);
    throw new UsageError(
      `too many arguments for ${s.command.name}: ${extra.map((w) => `'${w}'`).join(" ")}`,
      `usage: vfio-plat ${s.command.usage}`,
    );
  }
}

/** Option values by key after conversion: numbers for integers, sizes and periods, words as typed, flags as booleans. */
export type ConvertedOptions = Record<string, string | number | boolean | (string | number)[]>;

/**
 * The values of `specs` in a scanned command line, each converted once by its kind, in table order, with the table's
 * defaults (converted the same way) for the options not given. Keys are camelCase long names only (`swap`, not `x`).
 * Call after checkScanned, so a bad value is reported after the command line's shape.
 * @throws UsageError naming the option and the value, exactly as the option's kind refuses it
 */
export function convertOptions(specs: readonly ScanOptionSpec[], given: ScannedArgs["options"]): ConvertedOptions {
  const { long } = defsOf(specs);
  const out: ConvertedOptions = {};
  for (const spec of specs) {
    const name = spec.flags.split(/[\s,]+/).find((t) => t.startsWith("--"))?.slice(2);
    const def = name !== undefined ? long.get(name) : undefined;
    if (!def || def.negates) continue;
    const v = given[def.key];
    const optional = def.value === "optional";
    if (Array.isArray(v) && spec.value) out[def.key] = v.map((x) => convertValue(spec.value!, x, def.display));
    else if (typeof v === "string" && spec.value) out[def.key] = convertValue(spec.value, v, def.display, optional);
    else if (v !== undefined) out[def.key] = v;
    else if (spec.default !== undefined && spec.value) out[def.key] = convertValue(spec.value, spec.default, def.display, optional);
  }
  return out;
}
