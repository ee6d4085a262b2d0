// Decides whether (and how richly) to colour each output stream. chalk ignores NO_COLOR and sniffs process.argv on its
// own, so we decide here, once, with a pure function: --color/--no-color > NO_COLOR > FORCE_COLOR > TTY, and --json
// always means no colour. Colour is decoration only; every meaning is also written as text.
// chalk is loaded only for a stream that gets colour: importing it loads node:tty (~20 ms of every start-up, most runs
// write to a pipe).
import type { ChalkInstance } from "chalk";

/** chalk's levels: 0 none, 1 basic 16 colours, 2 256 colours, 3 truecolor. */
export type ColorLevel = 0 | 1 | 2 | 3;

export interface ColorInput {
  /** true for --color, false for --no-color, undefined when neither was given. */
  flag?: boolean | undefined;
  /** The environment (process.env). */
  env: Readonly<Record<string, string | undefined>>;
  /** Whether the stream being decided for is a terminal. */
  isTTY: boolean;
  /** --json given: no colour on either stream, whatever else says. */
  json?: boolean | undefined;
}

/** How many colours the terminal can show once colour is on (at least 1). */
function depth(env: ColorInput["env"]): ColorLevel {
  const forced = forceColorLevel(env.FORCE_COLOR);
  if (forced !== undefined && forced > 0) return forced;
  const colorterm = env.COLORTERM?.toLowerCase();
  if (colorterm === "truecolor" || colorterm === "24bit") return 3;
  if (/256/.test(env.TERM ?? "")) return 2;
  return 1;
}

/** FORCE_COLOR as chalk reads it: "0"/"false" -> 0, ""/"true" -> 1, "1".."3" -> that level; anything else -> 1. */
function forceColorLevel(value: string | undefined): ColorLevel | undefined {
  if (value === undefined) return undefined;
  if (value === "0" || value === "false") return 0;
  if (value === "" || value === "true") return 1;
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n) || n < 1) return 1;
  return Math.min(n, 3) as ColorLevel;
}

/**
 * The colour level for one stream. Precedence, first match wins:
 * 1. `json` -> 0;  2. `flag` false -> 0, true -> on;  3. NO_COLOR present and non-empty -> 0;
 * 4. FORCE_COLOR present -> its level (0 = off);  5. not a TTY, or TERM=dumb -> 0;  6. on.
 * "On" means the terminal's depth: FORCE_COLOR 1-3, else COLORTERM=truecolor|24bit -> 3, TERM *256* -> 2, else 1.
 */
export function colorLevel(input: ColorInput): ColorLevel {
  const { flag, env, isTTY, json } = input;
  if (json) return 0;
  if (flag === false) return 0;
  if (flag === true) return depth(env);
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return 0;
  const forced = forceColorLevel(env.FORCE_COLOR);
  if (forced !== undefined) return forced === 0 ? 0 : depth(env);
  if (!isTTY || env.TERM === "dumb") return 0;
  return depth(env);
}

/**
 * The --color/--no-color flag from raw arguments, for colouring an error found while the command line itself was
 * being scanned (parse/argv.ts refuses a repeat; here the last one wins). Understands `--color`,
 * `--color=always|never|auto`, `--no-color`; stops at `--`. Returns undefined when absent or `auto`.
 */
export function colorFlagFromArgv(argv: readonly string[]): boolean | undefined {
  let flag: boolean | undefined;
  for (const arg of argv) {
    if (arg === "--") break;
    if (arg === "--color" || arg === "--color=always") flag = true;
    else if (arg === "--no-color" || arg === "--color=never") flag = false;
    else if (arg === "--color=auto") flag = undefined;
  }
  return flag;
}

export interface Chalks {
  /** For data and human output on stdout. */
  stdout: ChalkInstance;
  /** For diagnostics on stderr (decided by stderr's TTY, so `2>log | cat` colours each stream correctly). */
  stderr: ChalkInstance;
}

/** Build the two chalk instances from one decision per stream. */
export function makeChalks(opts: {
  flag?: boolean | undefined;
  env: ColorInput["env"];
  json?: boolean | undefined;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}): Chalks {
  const { flag, env, json } = opts;
  return {
    stdout: chalkAt(colorLevel({ flag, env, json, isTTY: opts.stdoutIsTTY })),
    stderr: chalkAt(colorLevel({ flag, env, json, isTTY: opts.stderrIsTTY })),
  };
}

/** A chalk instance at `level`; level 0 needs no chalk at all (see plainChalk). */
function chalkAt(level: ColorLevel): ChalkInstance {
  if (level === 0) return plainChalk();
  const { Chalk } = require("chalk") as typeof import("chalk");
  return new Chalk({ level });
}

/**
 * What chalk at level 0 does, without loading chalk: every style (chained or not) returns its arguments joined by a
 * space, unchanged; `level` is 0. Style methods that take arguments first (hex, rgb, ansi256, bg…) return the same.
 */
function plainChalk(): ChalkInstance {
  const join = (...args: unknown[]) => args.join(" ");
  const taking = new Set(["rgb", "hex", "ansi256", "bgRgb", "bgHex", "bgAnsi256"]);
  const self: ChalkInstance = new Proxy(join, {
    get(_t, prop) {
      if (prop === "level") return 0;
      if (typeof prop === "string" && taking.has(prop)) return () => self;
      return self;
    },
  }) as unknown as ChalkInstance;
  return self;
}
