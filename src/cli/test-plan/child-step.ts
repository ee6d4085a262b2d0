// One CLI command run as a child process of the same vfio-plat, for a plan step: the isolation that lets a hung or
// crashing step be ended without ending the plan. A step's timeout sends SIGTERM, then SIGKILL after a grace period;
// a stop signal the plan receives is passed on to the child, which is then waited for (it cleans up like any command).
// The child runs in a session of its own, so a Ctrl-C at the terminal reaches only the plan, which passes it on once:
// a second SIGINT would make the step's command skip to its emergency cleanups instead of stopping at its next step.
// Out of the plan's session, a step would outlive a SIGKILLed plan: its lifeline (an fd 3 pipe) ends it then.
import { spawn } from "node:child_process";
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
  /** End it (SIGTERM) after this long; Infinity: never (a command that must finish, as unbind). */
  timeoutMs: number;
  /** After SIGTERM, wait this long before SIGKILL. */
  graceMs: number;
  /** The plan's stop signal: when it fires, its reason (the signal's name) is sent to the child. */
  abort?: AbortSignal;
  /**
   * Give the child a lifeline (plan-lifeline.ts): a pipe on its fd 3 (VFIO_PLAT_PLAN_FD=3) that this process holds
   * open, so the child stops when the plan is gone, even SIGKILLed (its own session keeps it from any group kill).
   */
  lifeline?: boolean;
  /** Called once the child runs (the test pause hook stops the plan here). */
  onSpawn?: (pid: number) => void;
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Run `argv` (argv[0] is the program) to its end, however it ends.
 * @throws only when the program cannot be started at all (the spawn error)
 */
export async function runChild(argv: string[], opts: ChildOptions): Promise<ChildOutcome> {
  const env: Record<string, string | undefined> = { ...opts.env, VFIO_PLAT_PLAN_FD: opts.lifeline ? "3" : undefined };
  if (!opts.lifeline) delete env.VFIO_PLAT_PLAN_FD;
  const child = spawn(argv[0]!, argv.slice(1), {
    env: env as NodeJS.ProcessEnv,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    detached: true, // setsid(): out of the terminal's process group (see the top of the file)
    // fd 3, the lifeline: never written; its end closes when this process exits, however it exits.
    stdio: [opts.stdin !== undefined ? "pipe" : "ignore", "pipe", "pipe", ...(opts.lifeline ? (["pipe"] as const) : [])],
  });
  // A pid means it started (Bun spawns at once; its "spawn" event is not always emitted with an extra stdio pipe under
  // bun test); without one, the "error" event says why.
  const spawned =
    child.pid !== undefined
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          child.once("spawn", resolve);
          child.once("error", reject);
        });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on("data", (b: Buffer) => out.push(b));
  child.stderr!.on("data", (b: Buffer) => err.push(b));
  // The lifeline carries nothing, but it must flow to see its end: "close" waits for every stdio stream to end.
  (child.stdio[3] as import("node:stream").Readable | null | undefined)?.resume();
  await spawned;
  if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
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
  // setTimeout(fn, Infinity) would fire at once: no timer at all for a command that must finish.
  const timer = Number.isFinite(opts.timeoutMs)
    ? setTimeout(() => {
        timedOut = true;
        stop("SIGTERM");
        escalate();
      }, opts.timeoutMs)
    : undefined;
  const onAbort = (): void => {
    const r = opts.abort?.reason;
    const sig: StopSignal = r === "SIGTERM" || r === "SIGHUP" ? r : "SIGINT";
    interrupted = sig;
    stop(sig);
    escalate();
  };
  if (opts.abort?.aborted) onAbort();
  else opts.abort?.addEventListener("abort", onAbort, { once: true });
  opts.onSpawn?.(child.pid!);
  try {
    const end = await ended;
    const code = end.code ?? 128 + (SIGNAL_NUMBERS[end.signal ?? ""] ?? 0);
    const outcome: ChildOutcome = { exitCode: code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), timedOut };
    if (interrupted) outcome.interrupted = interrupted;
    return outcome;
  } finally {
    clearTimeout(timer);
    child.stdio[3]?.destroy();
    if (killTimer) clearTimeout(killTimer);
    opts.abort?.removeEventListener("abort", onAbort);
  }
}
