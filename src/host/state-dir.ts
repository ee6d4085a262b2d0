// Where bind keeps each device's original driver when the caller names no directory: one default per boundary. A
// simulated board keeps it beside its own state (so two boards never share bind records); the real machine uses
// /run/vfio-plat for root, else $XDG_RUNTIME_DIR/vfio-plat, else a per-user directory in the temp dir.
import { join } from "node:path";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";

/**
 * The temporary directory as node:os tmpdir() gives it on Linux ($TMPDIR, $TMP, $TEMP, else /tmp; no trailing slash),
 * without loading node:os: that module alone costs a one-shot CLI call a few ms.
 */
export function tempDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.TMPDIR || env.TMP || env.TEMP || "/tmp";
  return dir.length > 1 && dir.endsWith("/") ? dir.slice(0, -1) : dir;
}

/** The state directory of each simulated board's boundary, told by whoever created it (openBoundary). */
const simStateDirs = new WeakMap<KernelBoundary, string>();

/** Record that `b` simulates the board whose state lives in `stateDir` (its bind records then go to <stateDir>/host). */
export function rememberSimStateDir(b: KernelBoundary, stateDir: string): void {
  simStateDirs.set(b, stateDir);
}

/** The state directory of the simulated board `b` simulates, or undefined for the real machine. */
export function simStateDirOf(b: KernelBoundary): string | undefined {
  return simStateDirs.get(b);
}

/**
 * The bind state directory for `b`: $VFIO_PLAT_STATE_DIR when set, else <board state>/host for a simulated board,
 * else /run/vfio-plat (root), $XDG_RUNTIME_DIR/vfio-plat, or <tmp>/vfio-plat-<uid>. Only
 * computes the path: the bind records create their folders (mode 0700) when they first write.
 */
export function defaultStateDir(b: KernelBoundary): string {
  const env = process.env.VFIO_PLAT_STATE_DIR;
  if (env) return env;
  const sim = simStateDirs.get(b);
  if (sim !== undefined) return join(sim, "host");
  if (process.getuid?.() === 0) return "/run/vfio-plat";
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime ? join(runtime, "vfio-plat") : join(tempDir(), `vfio-plat-${process.getuid?.() ?? 0}`);
}

