// What kind of value each command-line option takes, declared once in the option table (src/cli/command-options.ts):
// the scanner converts and checks a value by its kind (numbers, sizes, periods with their ranges, words from a list),
// shell completion offers what the kind allows, and the types below give every command its typed options.
import { UsageError } from "../usage-error.ts";
import { parseNumber, parseSize } from "./numbers.ts";
import { parsePeriod } from "./periods.ts";

/**
 * An option's value kind. `integer` and `size` take min/max as bigint (the strict number parser's range); `period`
 * is milliseconds; `enum` is one of `choices`; `word` is free text that completion may suggest `suggest` for (the
 * command or library checks it, with its own message); device, file, dir, user and group are text that completes
 * to device names, files, directories, users and groups.
 */
export type ValueKind =
  | { readonly kind: "text" }
  | { readonly kind: "word"; readonly suggest: "boards" | "drivers" | readonly string[] }
  | { readonly kind: "device" }
  | { readonly kind: "file" }
  | { readonly kind: "dir" }
  | { readonly kind: "user" }
  | { readonly kind: "group" }
  | { readonly kind: "integer"; readonly min: bigint; readonly max: bigint }
  | { readonly kind: "size"; readonly min: bigint; readonly max: bigint }
  | { readonly kind: "period"; readonly allowZero?: boolean }
  | { readonly kind: "enum"; readonly choices: readonly string[] };

/** One option of the table. A `flags` string in cac's syntax names it; `value` is absent for a plain flag. */
export interface OptionSpec {
  /** `-e, --execute <lines>` (value required), `--color [when]` (value only as `--color=WHEN`), `--json`. */
  readonly flags: string;
  readonly description: string;
  readonly value?: ValueKind;
  /** The value used when the option is not given, written as a user would type it (`64M`, `5s`); checked like one. */
  readonly default?: string;
  /** The option may be given more than once (`--buffer a=4k --buffer b=4k`): its value is the list, in order. */
  readonly repeatable?: boolean;
}

/** The value a kind converts to. */
export type ValueOf<K> = K extends { kind: "integer" | "size" | "period" }
  ? number
  : K extends { kind: "enum"; choices: readonly (infer C extends string)[] }
    ? C
    : string;

// `--dry-run` -> dryRun: cac's key convention, at the type level.
type Camel<S extends string> = S extends `${infer A}-${infer B}${infer R}` ? `${A}${Uppercase<B>}${Camel<R>}` : S;
type LongName<F extends string> = F extends `${string}--${infer L}` ? (L extends `${infer N} ${string}` ? N : L) : never;
/** The key an option's value is stored under: the camelCase long name (`--dry-run` -> `dryRun`). */
export type OptionKey<F extends string> = Camel<LongName<F>>;

// A flag is a boolean; an optional value (`--color [when]`) is true when given bare and false for its `--no-` form.
type OptionValue<O> = O extends { value: infer K }
  ? O extends { repeatable: true }
    ? readonly ValueOf<K>[]
    : O extends { flags: `${string}[${string}` }
      ? ValueOf<K> | boolean
      : ValueOf<K>
  : boolean;

/**
 * The typed options of a list of option specs: one key per option (never `--no-x`, which sets x to false), required
 * when the spec has a default, else optional. A key that is not in the table is a compile error.
 */
export type OptionsFrom<T extends readonly OptionSpec[]> = {
  [O in T[number] as O extends { default: string } ? NoNegation<O["flags"]> : never]: OptionValue<O>;
} & {
  [O in T[number] as O extends { default: string } ? never : NoNegation<O["flags"]>]?: OptionValue<O>;
};
type NoNegation<F extends string> = LongName<F> extends `no-${string}` ? never : OptionKey<F>;

/** The value `text` (as typed) means for an option of `kind`, shown as `display` (`--size`) in messages. @throws UsageError */
export function convertValue(kind: ValueKind, text: string, display: string, optionalValue = false): string | number {
  switch (kind.kind) {
    case "integer":
      return Number(parseNumber(text, display, { min: kind.min, max: kind.max }));
    case "size":
      return Number(parseSize(text, display, { min: kind.min, max: kind.max }));
    case "period":
      return parsePeriod(text, display, kind.allowZero === false ? { allowZero: false } : {});
    case "enum":
      if (!kind.choices.includes(text)) throw enumRefusal(display, text, kind.choices, optionalValue);
      return text;
    default:
      return text;
  }
}

/**
 * The one refusal of a word outside a list, for options and environment variables alike:
 * `invalid --color 'sometimes': expected always, never, auto — write --color=always|never|auto`.
 */
export function enumRefusal(display: string, text: string, choices: readonly string[], optionalValue = false): UsageError {
  const sep = display.startsWith("--") ? (optionalValue ? "=" : " ") : "=";
  return new UsageError(`invalid ${display} '${text}': expected ${choices.join(", ")}`, `write ${display}${sep}${choices.join("|")}`);
}
