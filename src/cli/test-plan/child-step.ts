// One CLI command run as a child process of the same vfio-plat, for a plan step: the isolation that lets a hung or
// crashing step be ended without ending the plan. A step's timeout sends SIGTERM, then SIGKILL after a grace period;
// a stop signal the plan receives is passed on to the child, which is then waited for (it cleans up like any command).
import type { StopSignal } from "../output/exit-codes.ts";

/** How a child ended, with everything it printed. */
export interface ChildOutcome {
  /** Its exit status; for a child ended by a signal, 128 + the signal's number (as a shell reports it). */
  exitCode: number;
  stdout: string;
  stderr: string;
  /** It overran its time and was killed. */
  timedOut: boolean;
  /** The stop signal the plan passed on to it, if any. */
  interrupted?: StopSignal;
}

export interface ChildOptions {
  env: Record<string, string | undefined>;
  cwd?: string;
  stdin?: string;
  /** End it (SIGTERM) after this long. */
  timeoutMs: number;
  /** After SIGTERM, wait this long before SIGKILL. */
  graceMs: number;
  /** The plan's stop signal: when it fires, its reason (the signal's name) is sent to the child. */
  abort?: AbortSignal;
  /** Called once the child runs (the test pause hook stops the plan here). */
  onSpawn?: (pid: number) => void;
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Run `argv` (argv[0] is the program) to its end, however it ends.
 * @throws only when the program cannot be started at all (the spawn error)
 */
export async function runChild(argv: string[], opts: ChildOptions): Promise<ChildOutcome> {
  const child = Bun.spawn(argv, {
    env: opts.env,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  let interrupted: StopSignal | undefined;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = (sig: NodeJS.Signals): void => {
    try {
      child.kill(sig);
    } catch {
      // Already gone.
    }
  };
  const escalate = (): void => {
    killTimer ??= setTimeout(() => stop("SIGKILL"), opts.graceMs);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop("SIGTERM");
    escalate();
  }, opts.timeoutMs);
  const onAbort = (): void => {
    const r = opts.abort?.reason;
    const sig: StopSignal = r === "SIGTERM" || r === "SIGHUP" ? r : "SIGINT";
    interrupted = sig;
    stop(sig);
    escalate();
  };
  if (opts.abort?.aborted) onAbort();
  else opts.abort?.addEventListener("abort", onAbort, { once: true });
  opts.onSpawn?.(child.pid);
  try {
    const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
    await child.exited;
    const code = child.exitCode ?? 128 + (SIGNAL_NUMBERS[child.signalCode ?? ""] ?? 0);
    const out: ChildOutcome = { exitCode: code, stdout, stderr, timedOut };
    if (interrupted) out.interrupted = interrupted;
    return out;
  } finally {
    clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    opts.abort?.removeEventListener("abort", onAbort);
  }
}
