// The one place that chooses a backend: the real machine, or the simulated board (which is handed the real OS
// primitives so its interrupts reach real eventfds and its DMA reaches real memory). Imports are lazy so that a
// command never loads a backend it does not use.
import { join } from "node:path";
import type { KernelBoundary } from "./boundary/kernel-boundary.ts";
import { rememberSimStateDir, tempDir } from "./host/state-dir.ts";
import type { BoardSpec, LockWaitListener, ResetResult, StaleLockListener, StateIssue } from "./sim/index.ts";

export interface BoundaryOptions {
  /** Use the simulated board instead of the real machine. */
  sim?: boolean;
  /** The simulated board's state directory (default: $VFIO_PLAT_SIM_STATE or <tmp>/vfio-plat-sim-<uid>). */
  simStateDir?: string;
  /**
   * Board to create when the state directory is new: a name ("virt", "virt-noiommu"), a board file (.json), a device
   * tree (.dtb/.dts), or a whole BoardSpec (a board of your own, e.g. with a device whose model is your module:
   * docs/device-models.md).
   */
  simBoard?: string | BoardSpec;
  /** Told about each stale lock file of the simulated board that was taken over or cleared (for a notice). */
  onStaleLock?: StaleLockListener;
  /** Told when a wait for the simulated board's lock lasts (another process keeps it), for a notice. */
  onLockWait?: LockWaitListener;
}

/** Default state directory of the simulated board. */
export function defaultSimStateDir(): string {
  return process.env.VFIO_PLAT_SIM_STATE || join(tempDir(), `vfio-plat-sim-${process.getuid?.() ?? 0}`);
}

/** Create the boundary for the chosen backend. */
export async function openBoundary(opts: BoundaryOptions = {}): Promise<KernelBoundary> {
  const { createRealBoundary } = await import("./ffi/index.ts");
  const real = createRealBoundary();
  if (!opts.sim) return real;
  const { createSimBoundary } = await import("./sim/index.ts");
  const stateDir = opts.simStateDir ?? defaultSimStateDir();
  // The board's store creates the directory (and reports a file in its way as damaged state).
  // Test knob: VFIO_PLAT_SIM_CAP_SYS_ADMIN=0 runs the simulated process without CAP_SYS_ADMIN (pagemap hides PFNs),
  // =1 with it; unset: as the real euid says (root has it).
  const cap = process.env.VFIO_PLAT_SIM_CAP_SYS_ADMIN;
  const sim = createSimBoundary({
    stateDir,
    os: real,
    ...(cap === "0" || cap === "1" ? { capSysAdmin: cap === "1" } : {}),
    ...(opts.simBoard ? { board: opts.simBoard } : {}),
    ...(opts.onStaleLock ? { onStaleLock: opts.onStaleLock } : {}),
    ...(opts.onLockWait ? { onLockWait: opts.onLockWait } : {}),
  });
  rememberSimStateDir(sim, stateDir); // bindDevice's default state directory goes beside the board's
  return sim;
}

/**
 * Boot the simulated board in its state directory afresh (the fix for damaged state): `simBoard` when given, else the
 * board it had, else the default. Throws StateDamagedError when the directory is a file, StateLockedError when a live
 * process has the board open, UnknownBoardError for an unknown board name.
 */
export async function resetSimBoard(opts: Omit<BoundaryOptions, "sim">): Promise<ResetResult> {
  const { boardSpecOf, resetBoard } = await import("./sim/index.ts");
  const spec = opts.simBoard !== undefined ? boardSpecOf(opts.simBoard) : undefined;
  return resetBoard(opts.simStateDir ?? defaultSimStateDir(), spec, {
    ...(opts.onStaleLock ? { onStaleLock: opts.onStaleLock } : {}),
    ...(opts.onLockWait ? { onLockWait: opts.onLockWait } : {}),
  });
}

/**
 * The simulated board in its state directory as a board file's text (booting `simBoard`, else the default board,
 * when the directory is new). Throws StateDamagedError for damaged state, UnknownBoardError / BoardFileError for a bad
 * `simBoard`.
 */
export async function exportSimBoard(opts: Omit<BoundaryOptions, "sim">): Promise<{ stateDir: string; board: string; text: string }> {
  // Straight to the two modules: the sim's index (what every --sim command loads) stays without the board-file code.
  const [{ activeBoard }, { boardFileText }] = await Promise.all([import("./sim/state/active-board.ts"), import("./sim/boards/board-file/export-board-file.ts")]);
  const stateDir = opts.simStateDir ?? defaultSimStateDir();
  const spec = activeBoard(stateDir, opts.simBoard, {
    ...(opts.onStaleLock ? { onStaleLock: opts.onStaleLock } : {}),
    ...(opts.onLockWait ? { onLockWait: opts.onLockWait } : {}),
  });
  return { stateDir, board: spec.name, text: boardFileText(spec) };
}

/** What is wrong with the simulated board's state directory (damaged files, stale locks), changing nothing. */
export async function inspectSimState(stateDir: string = defaultSimStateDir()): Promise<StateIssue[]> {
  const { inspectState } = await import("./sim/index.ts");
  return inspectState(stateDir);
}
