// Small process helpers for the lab's host side: run a command, capture or stream its output, and fail with the
// command line and the tail of its stderr, so a broken apt-get or make says what broke.

export interface Ran {
  exit: number;
  stdout: string;
  stderr: string;
}

/** Run to completion and capture. Never throws on a non-zero exit (see `mustRun`). */
export function run(cmd: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Ran {
  const r = Bun.spawnSync(cmd, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { exit: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Run and return stdout. @throws Error naming the command and its stderr tail when it exits non-zero. */
export function mustRun(cmd: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): string {
  const r = run(cmd, opts);
  if (r.exit !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exit}: ${(r.stderr || r.stdout).trim().split("\n").slice(-15).join("\n")}`);
  return r.stdout;
}

/** Run with stdout/stderr going to ours (long builds show progress). @throws Error when it exits non-zero. */
export async function runLoud(cmd: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<void> {
  const p = Bun.spawn(cmd, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdin: "ignore", stdout: "inherit", stderr: "inherit" });
  const exit = await p.exited;
  if (exit !== 0) throw new Error(`${cmd.join(" ")} exited ${exit}`);
}

/** Whether a program is on PATH. */
export function have(program: string): boolean {
  return Bun.which(program) !== null;
}

/** Log a harness progress line on stderr. */
export function log(msg: string): void {
  process.stderr.write(`[lab] ${msg}\n`);
}
