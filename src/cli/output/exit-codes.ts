// THE exit-code table and THE signal table: every status vfio-plat exits with, and every signal it stops on with the
// status it gives (128 + the signal number, the shell's convention). main.ts, errors.ts, --help, the man page and
// docs/errors.md all read these two tables; nothing restates a code by hand.
import { formatTable } from "./table.ts";

/** The signals a command stops on (after its cleanups), with their numbers on Linux and what they usually mean. */
export const SIGNALS = [
  { name: "SIGHUP", number: 1, meaning: "the terminal went away" },
  { name: "SIGINT", number: 2, meaning: "Ctrl-C" },
  { name: "SIGTERM", number: 15, meaning: "kill, or a service manager stopping it" },
] as const;

export type StopSignal = (typeof SIGNALS)[number]["name"];

/** The names of the stop signals, in table order. */
export const STOP_SIGNALS: readonly StopSignal[] = SIGNALS.map((s) => s.name);

/** Exit status after a stop signal: 128 + its number (129, 130, 143). */
export function signalExit(signal: StopSignal): number {
  return 128 + SIGNALS.find((s) => s.name === signal)!.number;
}

/** Exit statuses by name, for code that exits on purpose. */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  PERMISSION: 4,
  BUSY: 5,
  UNSUPPORTED: 6,
  TIMEOUT: 7,
  VERIFY_FAILED: 8,
  SIGHUP: signalExit("SIGHUP"),
  SIGINT: signalExit("SIGINT"),
  SIGTERM: signalExit("SIGTERM"),
} as const;

export interface ExitCodeInfo {
  code: number;
  /** Stable symbolic name; also the JSON error `code` when no errno is involved. */
  name: string;
  meaning: string;
}

/** Every exit status vfio-plat uses, in order. Print this table; never restate it by hand. */
export const EXIT_CODES: readonly ExitCodeInfo[] = [
  { code: EXIT.OK, name: "OK", meaning: "success (also when the reader closes the output early, e.g. `| head -1`)" },
  {
    code: EXIT.FAILED,
    name: "FAILED",
    meaning:
      "operation failed (the kernel or device said no, in a way not listed below), the simulated board's state is " +
      "damaged, or standard output could not be written (closed with `>&-`, disk full)",
  },
  { code: EXIT.USAGE, name: "USAGE", meaning: "usage error: bad or missing argument, unknown command or option" },
  { code: EXIT.NOT_FOUND, name: "NOT_FOUND", meaning: "no such device, or not bound to a VFIO driver (ENOENT, ENODEV)" },
  { code: EXIT.PERMISSION, name: "PERMISSION", meaning: "permission denied (EACCES, EPERM)" },
  { code: EXIT.BUSY, name: "BUSY", meaning: "busy: group or device held by another process (EBUSY)" },
  { code: EXIT.UNSUPPORTED, name: "UNSUPPORTED", meaning: "not supported by this kernel or device (ENOTTY, EOPNOTSUPP, no reset function)" },
  { code: EXIT.TIMEOUT, name: "TIMEOUT", meaning: "timed out waiting for an interrupt or DMA completion" },
  { code: EXIT.VERIFY_FAILED, name: "VERIFY_FAILED", meaning: "verification failed: read-back or DMA data mismatch" },
  ...SIGNALS.map((s) => ({
    code: signalExit(s.name),
    name: "INTERRUPTED",
    meaning: `interrupted by ${s.name}${s.name === "SIGINT" ? " (Ctrl-C)" : ""}, after cleanup`,
  })),
];

/** The exit-code table as aligned text lines (`  0  OK  success ...`), for --help, README and man page. */
export function formatExitCodes(indent = "  "): string[] {
  return formatTable(
    EXIT_CODES.map((e) => [String(e.code), e.name, e.meaning]),
    { align: ["right", "left", "left"] },
  ).map((l) => indent + l);
}
