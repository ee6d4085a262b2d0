// Spawns the real CLI (`bun src/cli/main.ts ...`) against a private simulated board, so CLI tests check exactly what a
// user sees: stdout, stderr and the exit code, from a separate process per command.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "../..");
export const MAIN = join(REPO, "src/cli/main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh simulated board in a temp directory; `dispose()` deletes it. */
export function tempSimState(prefix = "vfio-plat-test-"): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Environment for a CLI run on the simulated board in `stateDir` (no colour, no inherited sim settings). Devices open
 * through their group (VFIO_PLAT_IOMMU_MODE=group): these tests check the group path's ioctl sequence and outputs;
 * holder naming through the cdev in `auto` mode is tested in cdev-holder.test.ts (pass VFIO_PLAT_IOMMU_MODE in
 * `extra`), and the shared scenarios (sim.test.ts) clear it to use `auto` as the lab.
 */
export function simEnv(stateDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("VFIO_PLAT_") && k !== "FORCE_COLOR") env[k] = v;
  }
  return { ...env, VFIO_PLAT_SIM: "1", VFIO_PLAT_SIM_STATE: stateDir, NO_COLOR: "1", VFIO_PLAT_IOMMU_MODE: "group", ...extra };
}

/** Run the CLI to completion. */
export function runCli(args: string[], opts: { env: Record<string, string>; stdin?: string }): CliResult {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], {
    cwd: REPO,
    env: opts.env,
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Start the CLI in the background (for waits, signals, a second opener). */
export function spawnCli(args: string[], env: Record<string, string>) {
  return Bun.spawn([process.execPath, MAIN, ...args], { cwd: REPO, env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
}

/** Read a child's stdout until `pattern` appears (or the stream ends); returns everything read so far. */
export async function readUntil(stream: ReadableStream<Uint8Array>, pattern: RegExp, timeoutMs = 15000): Promise<string> {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (!pattern.test(text)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<{ done: true; value: undefined }>((r) => setTimeout(() => r({ done: true, value: undefined }), left)),
      ]);
      if (chunk.done) break;
      text += dec.decode(chunk.value);
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}

/**
 * Wait until `pid` is stopped (state T in /proc/PID/stat). The test pause hook (VFIO_PLAT_TEST_PAUSE_AT) prints its line
 * just BEFORE it stops itself: a SIGCONT sent on that line alone may arrive first and be lost.
 */
export async function waitStopped(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stat = await Bun.file(`/proc/${pid}/stat`).text();
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("T")) return;
    await Bun.sleep(5);
  }
  throw new Error(`process ${pid} never stopped`);
}
