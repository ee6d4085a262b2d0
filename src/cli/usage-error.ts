// The command line's own error kinds: a usage error (bad input on the command line or in a script, exit 2) and an
// interruption by a stop signal (exit 128+N, after cleanup). The library knows neither: it throws InvalidArgumentError
// for a bad argument and AbortedError when a caller's AbortSignal ends a wait; the CLI maps those to these.
import { AbortedError, InvalidArgumentError } from "../vfio/errors.ts";
import type { StopSignal } from "./output/exit-codes.ts";

/** Bad input on the command line or in a script, detected before touching anything. `hint` says how to fix it. */
export class UsageError extends InvalidArgumentError {
  override readonly name = "UsageError";
  constructor(message: string, hint?: string) {
    super(message, hint);
  }
}

/** A SIGINT/SIGTERM/SIGHUP ended a command (main.ts aborts the context with the signal's name); cleanup has run. */
export class InterruptedError extends AbortedError {
  override readonly name = "InterruptedError";
  constructor(readonly signal: StopSignal) {
    super(signal, `interrupted by ${signal}`);
  }

  /** The error for an aborted `signal`: its reason names the signal (the CLI aborts with "SIGTERM", "SIGHUP"); any
   * other reason counts as Ctrl-C (SIGINT). The one place an abort becomes a signal name. */
  static override fromAbort(signal: AbortSignal): InterruptedError {
    return InterruptedError.fromReason(signal.reason);
  }

  static fromReason(r: unknown): InterruptedError {
    return new InterruptedError(r === "SIGTERM" || r === "SIGHUP" ? r : "SIGINT");
  }
}

/** `e` as the CLI sees it: a library AbortedError becomes the InterruptedError naming its signal; anything else as is. */
export function interruptedOf(e: unknown): unknown {
  return e instanceof AbortedError && !(e instanceof InterruptedError) ? InterruptedError.fromReason(e.reason) : e;
}
