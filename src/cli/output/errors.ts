// The ONE mapping from an error to what the user sees: exit code, a one-line message
// (`vfio-plat: <what>: <reason> (<CODE>) — <fix>`), a hint keyed by errno and context, and the JSON error line.
// The exit codes themselves are the one table in exit-codes.ts.
import { RegisterMapFileError } from "../../registers/errors.ts";
import { strerror } from "../../boundary/errno.ts";
import { SyscallError } from "../../boundary/syscall-error.ts";
import { BusyError, DeviceNotFoundError, InvalidArgumentError, PagemapHiddenError, TimeoutError, UnsupportedError, VerifyError, VfioError } from "../../vfio/errors.ts";
import { InterruptedError, interruptedOf } from "../usage-error.ts";
import { BoardFileError, UnknownBoardError } from "../../sim/boards/board-errors.ts";
import { UserModelError } from "../../sim/devices/user-model-errors.ts";
import { BoardIommuError } from "../../sim/boards/board-iommu.ts";
import { StateDamagedError, StateLockedError } from "../../sim/state/state-errors.ts";
import { hintForErrno, type SysInfo } from "./errno-words.ts";
import { refusalHint } from "./library-words.ts";
import { OutputClosedError } from "./stdio.ts";
import { EXIT, EXIT_CODES, signalExit } from "./exit-codes.ts";
import { escapeUnsafe, jsonUnsafeEscaped } from "./safe-text.ts";

const PROG = "vfio-plat";

/** Everything the CLI needs to report one error. */
interface ErrorReport {
  exit: number;
  /** errno name (`EBUSY`) when a system call is behind the error, else the exit table name (`USAGE`) or signal. */
  code: string;
  /** `<what>: <reason> (<CODE>)` — the message without the program name or the hint. */
  message: string;
  hint?: string;
  syscall?: string;
  path?: string;
  request?: string;
  /** The whole stderr line: `vfio-plat: <message> — <hint>`; empty when `quiet`. */
  line: string;
  /** The --json error object, written as one line on stderr. */
  json: { error: ErrorJson };
  /** Stack traces of the error and its causes; present only when `debug` was requested. */
  stack?: string;
  /** Print nothing at all (stdout closed by its reader). */
  quiet: boolean;
}

interface ErrorJson {
  code: string;
  syscall: string | null;
  path: string | null;
  request: string | null;
  exit: number;
  message: string;
  hint: string | null;
  /** A check that did not hold (expect, poll, the run verbs): the target, the expected and the actual value. */
  check?: { target: string; expected: string; actual: string };
}

/** The check facts an error of `chain` carries (poll-register.ts attaches them), safe to print. */
function checkOf(chain: readonly unknown[]): ErrorJson["check"] {
  for (const e of chain) {
    const c = (e as { check?: unknown } | null)?.check as Record<string, unknown> | undefined;
    if (c && typeof c.target === "string" && typeof c.expected === "string" && typeof c.actual === "string") {
      return { target: safeText(c.target), expected: safeText(c.expected), actual: safeText(c.actual) };
    }
  }
  return undefined;
}

function chainOf(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  // Bounded walk: a cause cycle must not hang error reporting.
  while (e !== undefined && e !== null && chain.length < 16 && !chain.includes(e)) {
    chain.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return chain;
}

// Linux gives 95 two names; the runtime's table may report ENOTSUP, but the kernel and strerror(3) say EOPNOTSUPP.
const ERRNO_ALIAS: Readonly<Record<string, string>> = { ENOTSUP: "EOPNOTSUPP" };

function sysInfoOf(e: unknown): SysInfo | undefined {
  if (e instanceof SyscallError) {
    const info: SysInfo = { code: ERRNO_ALIAS[e.code] ?? e.code, syscall: e.syscall };
    if (e.path !== undefined) info.path = e.path;
    if (e.request !== undefined) info.request = e.request;
    return info;
  }
  if (typeof e !== "object" || e === null) return undefined;
  const o = e as { code?: unknown; syscall?: unknown; path?: unknown; errno?: unknown };
  if (typeof o.code !== "string" || !/^E[A-Z0-9]+$/.test(o.code) || typeof o.syscall !== "string") return undefined;
  const info: SysInfo = { code: ERRNO_ALIAS[o.code] ?? o.code, syscall: o.syscall };
  if (typeof o.path === "string") info.path = o.path;
  return info;
}

/** How a failed system call reads in a message: "cannot open /dev/vfio/7", "VFIO_SET_IOMMU on /dev/vfio/vfio". */
function describeSyscall(s: SysInfo): string {
  const on = s.path !== undefined ? ` ${s.path}` : "";
  switch (s.syscall) {
    case "open":
      return `cannot open${on}`;
    case "read":
    case "readFile":
    case "readlink":
    case "readdir":
      return `cannot read${on}`;
    case "write":
    case "writeFile":
      return `cannot write${on}`;
    case "ioctl":
      return `${s.request ?? "ioctl"}${s.path !== undefined ? ` on ${s.path}` : ""}`;
    default:
      return `${s.syscall ?? "system call"}${s.request ? ` ${s.request}` : ""}${on}`;
  }
}

/** What the top error says it was doing, without the cause's message that most wrappers append. */
function describeWrapper(e: Error): string {
  if (e instanceof VfioError) return `${e.operation}${e.device ? ` on ${e.device}` : ""}`;
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error && e.message.endsWith(`: ${cause.message}`)) {
    return e.message.slice(0, -(cause.message.length + 2));
  }
  return e.message;
}

/** Exit code implied by an errno (and the ioctl it came from). */
function exitForErrno(s: SysInfo): number {
  switch (s.code) {
    case "ENOENT":
    case "ENODEV":
      return EXIT.NOT_FOUND;
    case "EACCES":
    case "EPERM":
      return EXIT.PERMISSION;
    case "EBUSY":
      return EXIT.BUSY;
    case "ENOTTY":
    case "EOPNOTSUPP":
    case "ENOSYS":
      return EXIT.UNSUPPORTED;
    case "EINVAL":
      // vfio-platform answers VFIO_DEVICE_RESET with EINVAL when the device has no reset function.
      return s.request === "VFIO_DEVICE_RESET" ? EXIT.UNSUPPORTED : EXIT.FAILED;
    case "ETIMEDOUT":
      return EXIT.TIMEOUT;
    default:
      return EXIT.FAILED;
  }
}

function ownHint(e: unknown): string | undefined {
  const words = refusalHint(e);
  if (words !== undefined) return words;
  const h = (e as { hint?: unknown }).hint;
  return typeof h === "string" && h !== "" ? h : undefined;
}

function stackOf(chain: unknown[]): string | undefined {
  const parts = chain.map((e) => (e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e)));
  return parts.length ? parts.join("\nCaused by: ") : undefined;
}

/** Longest word (a device name, a token, a path) shown whole in an error; longer ones keep their head and tail. */
export const MAX_WORD = 100;
/** Longest message or hint shown whole. */
export const MAX_TEXT = 1000;

/** `head…tail (N chars)` for text longer than `max` (N counts code points of the original). */
function shorten(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.ceil(max * 0.6);
  const tail = Math.floor(max * 0.2);
  return `${chars.slice(0, head).join("")}…${chars.slice(-tail).join("")} (${chars.length} chars)`;
}

/** A long word of a message, shortened around its quotes: `'7777…777' (150 chars):`, counting only the token. */
function shortenWord(word: string): string {
  const m = /^([('"`]*)([\s\S]*?)(['"`)]*)([:,;.]?)$/.exec(word)!;
  const core = [...m[2]!];
  if (core.length <= MAX_WORD) return word;
  const short = `${core.slice(0, Math.ceil(MAX_WORD * 0.6)).join("")}…${core.slice(-Math.floor(MAX_WORD * 0.2)).join("")}`;
  return `${m[1]}${short}${m[3]} (${core.length} chars)${m[4]}`;
}

/**
 * Make text that may carry untrusted input (device names, script tokens, file contents, option values) safe to print:
 * control characters and escape sequences become visible (`\x1b`, `\n`, `\t`, `\u{202e}`), a word longer than
 * MAX_WORD and a text longer than MAX_TEXT are shortened to `head…tail (N chars)`. Every error message and hint
 * goes through here (describeError), so no caller has to remember.
 */
export function safeText(text: string): string {
  const words = text.split(/( +)/).map((w) => (w.startsWith(" ") ? w : shortenWord(w)));
  return escapeUnsafe(shorten(words.join(""), MAX_TEXT));
}

/** Exit code and table name for an error of a known class, else undefined. */
function classify(e: unknown): { exit: number; code: string; hint?: string } | undefined {
  if (e instanceof OutputClosedError) return { exit: EXIT.OK, code: "EPIPE" };
  if (e instanceof InvalidArgumentError || e instanceof UnknownBoardError) return { exit: EXIT.USAGE, code: "USAGE", hint: "see vfio-plat --help" };
  if (e instanceof Error && e.name === "CACError") return { exit: EXIT.USAGE, code: "USAGE", hint: "see vfio-plat --help" };
  if (e instanceof BoardFileError) {
    const hint =
      e.where === "dtc" && e.found === "no dtc on PATH"
        ? "install dtc (apt-get install device-tree-compiler) or pass the .dtb"
        : /\.json$/i.test(e.file)
          ? "docs/board-files.md describes the format; vfio-plat sim-export writes a complete board file"
          : "fix the file or pick another board (docs/boards.md)";
    return { exit: EXIT.USAGE, code: "USAGE", hint };
  }
  if (e instanceof RegisterMapFileError) return { exit: EXIT.USAGE, code: "USAGE", hint: "docs/register-maps.md describes the map file format" };
  if (e instanceof BoardIommuError) return { exit: EXIT.USAGE, code: "USAGE", hint: "every device's iommu must name one of the board's smmus, with its stream IDs" };
  if (e instanceof DeviceNotFoundError) {
    return { exit: EXIT.NOT_FOUND, code: "NOT_FOUND", hint: "see vfio-plat list for device names" };
  }
  if (e instanceof BusyError) {
    const r: { exit: number; code: string; hint?: string } = { exit: EXIT.BUSY, code: "BUSY" };
    if (e.pid !== undefined) r.hint = `another process (pid ${e.pid}) holds it; stop it and retry`;
    return r;
  }
  if (e instanceof UnsupportedError) return { exit: EXIT.UNSUPPORTED, code: "UNSUPPORTED" };
  if (e instanceof PagemapHiddenError) return { exit: EXIT.PERMISSION, code: "PERMISSION" };
  if (e instanceof TimeoutError) return { exit: EXIT.TIMEOUT, code: "TIMEOUT" };
  if (e instanceof VerifyError) return { exit: EXIT.VERIFY_FAILED, code: "VERIFY_FAILED" };
  if (e instanceof InterruptedError) return { exit: signalExit(e.signal), code: e.signal };
  // A user's device model: one that cannot be loaded is the board's configuration (as a bad board file), else its bug.
  if (e instanceof UserModelError) return e.operation === "load" ? { exit: EXIT.USAGE, code: "USAGE" } : { exit: EXIT.FAILED, code: "FAILED" };
  if (e instanceof StateDamagedError) return { exit: EXIT.FAILED, code: "STATE_DAMAGED", hint: stateDamagedHint(e) };
  if (e instanceof StateLockedError) {
    const who = e.pid !== undefined ? `process ${e.pid}` : "another process";
    const stop = e.pid !== undefined ? ` (kill ${e.pid})` : "";
    return { exit: EXIT.BUSY, code: "BUSY", hint: `${who} keeps the simulated board locked (stopped?); let it finish or stop it${stop}` };
  }
  return undefined;
}

/** A word for the shell: as it is when it needs no quoting, else in single quotes. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The fix for damaged simulated-board state: point the option at a directory, or reset the board. */
export function stateDamagedHint(e: StateDamagedError): string {
  if (e.problem === "not-a-directory" && e.file === e.stateDir) {
    return "the simulated board's state must be a directory: point --sim-state (or VFIO_PLAT_SIM_STATE) at one, or remove the file";
  }
  return `reset the simulated board (it boots afresh; its bindings and registers are lost): ${simResetCommand(e.stateDir)}`;
}

/** The command line that resets the simulated board in `stateDir`. */
export function simResetCommand(stateDir: string): string {
  return `vfio-plat --sim-state ${shellWord(stateDir)} sim-reset`;
}

/**
 * Map any thrown value to an ErrorReport. Exit code: the first error of a known class in the `cause` chain decides;
 * otherwise the first errno found in the chain (SyscallError, or a raw fs error); otherwise 1. The hint is the
 * error's own `hint` if it has one, else one chosen by errno and context (syscall, ioctl request, path), else the
 * class's default. The reason text is strerror() of the errno. A closed stdout (OutputClosedError) gives exit 0 and
 * `quiet: true` and an empty `line`. The stack (with causes) is included only when `opts.debug` is set. Never throws.
 */
export function describeError(err: unknown, opts: { debug?: boolean } = {}): ErrorReport {
  // A library wait ended by the caller's AbortSignal is the signal that stopped the command.
  const chain = chainOf(err).map(interruptedOf);
  const top = chain[0];
  let cls: ReturnType<typeof classify>;
  for (const e of chain) if ((cls = classify(e))) break;
  const sysErr = chain.find((e) => sysInfoOf(e) !== undefined);
  const sys = sysErr !== undefined ? sysInfoOf(sysErr) : undefined;
  const device = chain.find((e): e is VfioError => e instanceof VfioError && e.device !== undefined)?.device;
  const pidHolder = chain.find((e) => typeof (e as { pid?: unknown } | null)?.pid === "number") as { pid: number } | undefined;
  const ctx: { device?: string; pid?: number } = {};
  if (device !== undefined) ctx.device = device;
  if (pidHolder !== undefined) ctx.pid = pidHolder.pid;

  let message: string;
  if (sys !== undefined) {
    const reason = `${strerror(sys.code)} (${sys.code})`;
    const sysWhat = describeSyscall(sys);
    const what = top === sysErr || !(top instanceof Error) ? sysWhat : `${describeWrapper(top)}: ${sysWhat}`;
    message = `${what}: ${reason}`;
  } else if (top instanceof Error) {
    message = top.message || top.name;
  } else {
    message = String(top);
  }

  // Built-in programming errors with nothing else behind them are our bugs, not the user's problem.
  const internal =
    cls === undefined &&
    sys === undefined &&
    (top instanceof TypeError || top instanceof RangeError || top instanceof ReferenceError || top instanceof SyntaxError);
  const quiet = chain.some((e) => e instanceof OutputClosedError);
  const exit = quiet ? EXIT.OK : (cls?.exit ?? (sys ? exitForErrno(sys) : EXIT.FAILED));
  const code = sys?.code ?? cls?.code ?? (EXIT_CODES.find((e) => e.code === exit)?.name ?? "FAILED");
  const rawHint =
    chain.map(ownHint).find((h) => h !== undefined) ??
    (sys ? hintForErrno(sys, ctx) : undefined) ??
    cls?.hint ??
    (internal ? "this looks like a bug in vfio-plat; rerun with --debug and report it" : undefined);
  const hint = rawHint !== undefined ? safeText(rawHint) : undefined;
  // Every line ends in its code before the hint, as documented: `<what>: <reason> (<CODE>) — <fix>`.
  message = safeText(message);
  if (!message.endsWith(`(${code})`)) message = `${message} (${code})`;

  const report: ErrorReport = {
    exit,
    code,
    message,
    line: quiet ? "" : `${PROG}: ${message}${hint ? ` — ${hint}` : ""}`,
    json: {
      error: {
        code,
        syscall: sys?.syscall ?? null,
        path: sys?.path ?? null,
        request: sys?.request ?? null,
        exit,
        message,
        hint: hint ?? null,
      },
    },
    quiet,
  };
  const check = checkOf(chain);
  if (check) report.json.error.check = check;
  if (hint !== undefined) report.hint = hint;
  if (sys?.syscall !== undefined) report.syscall = sys.syscall;
  if (sys?.path !== undefined) report.path = sys.path;
  if (sys?.request !== undefined) report.request = sys.request;
  if (opts.debug) {
    const stack = stackOf(chain);
    if (stack !== undefined) report.stack = stack;
  }
  return report;
}

/** Minimal colouring interface (a chalk instance fits). */
interface ErrorColors {
  red(text: string): string;
  dim(text: string): string;
}

/**
 * The text to write on stderr for a report: the one line (or the JSON line with `json`), then the stack only with
 * `debug`. Empty for a quiet report. Ends with a newline when not empty.
 */
export function renderError(report: ErrorReport, opts: { json?: boolean; debug?: boolean; colors?: ErrorColors } = {}): string {
  if (report.quiet) return "";
  let out: string;
  if (opts.json) {
    // JSON.stringify leaves DEL, C1 and bidi controls raw (in path, say): \u-escape them, the same data, terminal-safe.
    out = `${jsonUnsafeEscaped(JSON.stringify(report.json))}\n`;
  } else {
    const c = opts.colors;
    const hint = report.hint !== undefined ? ` — ${c ? c.dim(report.hint) : report.hint}` : "";
    out = `${c ? c.red(`${PROG}:`) : `${PROG}:`} ${report.message}${hint}\n`;
  }
  // A stack repeats the raw message: escape its control characters line by line (never shortened: it is for bugs).
  if (opts.debug && report.stack) out += `${report.stack.split("\n").map((l) => escapeUnsafe(l)).join("\n")}\n`;
  return out;
}
