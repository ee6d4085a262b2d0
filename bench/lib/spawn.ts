// Running a benchmark's child process: its output, exit status, wall time and peak memory, with a clear error when a
// child that must succeed does not.

export interface ChildRun {
  exitCode: number;
  stdout: string;
  /** From just before spawn to exit, in milliseconds. */
  wallMs: number;
  /** Peak resident set size, in bytes. */
  maxRssBytes: number;
}

/**
 * Run argv to completion. `fds` become the child's fds 3, 4, ... (dup'ed, so close-on-exec does not apply).
 * @throws Error naming the command when it exits non-zero and `allowFailure` is not set.
 */
export async function runChild(
  argv: string[],
  opts: { fds?: number[]; env?: Record<string, string | undefined>; cwd?: string; allowFailure?: boolean } = {},
): Promise<ChildRun> {
  const t0 = Bun.nanoseconds();
  const proc = Bun.spawn(argv, {
    stdio: ["ignore", "pipe", "pipe", ...(opts.fds ?? [])],
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const exitCode = await proc.exited;
  const wallMs = (Bun.nanoseconds() - t0) / 1e6;
  if (exitCode !== 0 && !opts.allowFailure) {
    throw new Error(`${argv.join(" ")} exited ${exitCode}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
  }
  return { exitCode, stdout, wallMs, maxRssBytes: proc.resourceUsage()?.maxRSS ?? 0 };
}

/** The first number a reference program printed (its per-operation figure). @throws Error when there is none. */
export function firstNumber(stdout: string, what: string): number {
  const v = Number.parseFloat(stdout.trim().split(/\s+/)[0] ?? "");
  if (!Number.isFinite(v)) throw new Error(`${what} printed no number: ${JSON.stringify(stdout.slice(0, 200))}`);
  return v;
}
