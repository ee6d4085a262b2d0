// What every command gets: the global options, the chosen kernel boundary (opened lazily, so `--help` loads no
// backend), output writers that respect --json, the state directory, and cleanup that runs on exit or Ctrl-C.
import { mkdirSync } from "node:fs";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { defaultStateDir } from "../host/state-dir.ts";
import { defaultSimStateDir, openBoundary } from "../open-boundary.ts";
import type { IommuMode } from "../vfio/session.ts";
import type { StaleLock } from "../sim/state/pid-lock.ts";
import { makeChalks, type Chalks } from "./output/color.ts";
import { writeStderr } from "./output/stdio.ts";
import { isTerminal } from "./output/terminal.ts";

// The notices' words need the simulated board's lock constants: loaded only when a notice is given.
const notices = (): typeof import("./output/notices.ts") => require("./output/notices.ts");

export interface GlobalOptions {
  sim?: boolean;
  simState?: string;
  simBoard?: string;
  json?: boolean;
  color?: boolean;
  debug?: boolean;
  /** Print every kernel-boundary call on stderr. */
  trace?: boolean;
  /** How devices are opened (validated from --iommu-mode / VFIO_PLAT_IOMMU_MODE by main); auto when absent. */
  iommuMode?: IommuMode;
}

/** True when the environment asks for the simulated board (VFIO_PLAT_SIM set and not 0/false/empty). */
export function simFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.VFIO_PLAT_SIM;
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

export class CliContext {
  private boundaryPromise: Promise<KernelBoundary> | undefined;
  /** The boundary openBoundary returned, once it has (the trace and test-pause wrappers go around it). */
  private opened: KernelBoundary | undefined;
  private readonly cleanups: (() => void)[] = [];
  readonly abort = new AbortController();
  /**
   * The stop signal that ends the process at once (after the cleanups), counting from 1: the second for a command (a
   * command stuck outside any checkpoint must still be stoppable); a command whose own stop must finish (the test
   * plan giving devices back) raises it, and gets the signals in between through onExtraSignal.
   */
  signalsToExit = 2;
  /** Told of a stop signal that neither starts the stop (the first) nor ends the process (signalsToExit). */
  onExtraSignal?: (signal: string) => void;

  constructor(readonly opts: GlobalOptions) {}

  private chalks: Chalks | undefined;

  /** Colour for stdout and stderr: decoration only (NO_COLOR, --no-color, pipes and --json turn it off). */
  get colors(): Chalks {
    this.chalks ??= makeChalks({
      flag: this.opts.color,
      env: process.env,
      json: this.json,
      stdoutIsTTY: isTerminal(1),
      stderrIsTTY: isTerminal(2),
    });
    return this.chalks;
  }

  get sim(): boolean {
    return this.opts.sim === true || simFromEnv();
  }
  get json(): boolean {
    return this.opts.json === true;
  }
  get simStateDir(): string {
    return this.opts.simState ?? process.env.VFIO_PLAT_SIM_STATE ?? defaultSimStateDir();
  }

  /** The kernel boundary for this run (real or simulated), created on first use. */
  boundary(): Promise<KernelBoundary> {
    this.boundaryPromise ??= openBoundary({
      onStaleLock: (lock) => this.notifyStaleLock(lock),
      onLockWait: (path, holder) => this.notify(notices().lockWaitNotice(path, holder.pid, this.json)),
      sim: this.sim,
      simStateDir: this.simStateDir,
      ...((this.opts.simBoard ?? process.env.VFIO_PLAT_SIM_BOARD) ? { simBoard: this.opts.simBoard ?? process.env.VFIO_PLAT_SIM_BOARD } : {}),
    }).then(async (opened) => {
      this.onCleanup(() => opened.dispose());
      this.opened = opened; // the boundary openBoundary made (defaultStateDir knows it), before any wrapper
      let b = opened;
      // Test hook (VFIO_PLAT_TEST_PAUSE_AT): stop after the k-th write so a test can SIGKILL a bind at that step.
      if (process.env.VFIO_PLAT_TEST_PAUSE_AT !== undefined) {
        const { pausingBoundary, testPauseStep } = await import("../trace/test-pause-hook.ts");
        const { writeStderr } = await import("./output/stdio.ts");
        const at = testPauseStep();
        if (at !== undefined) b = pausingBoundary(b, at, writeStderr);
      }
      if (!this.opts.trace) return b;
      const { tracingBoundary } = await import("../trace/tracing-boundary.ts");
      const { writeStderr } = await import("./output/stdio.ts");
      return tracingBoundary(b, (line) => writeStderr(`trace: ${line}\n`));
    });
    return this.boundaryPromise;
  }

  /** Tell the user that a stale lock of the simulated board was taken over (a notice on stderr; the run goes on). */
  notifyStaleLock(lock: StaleLock): void {
    this.notify(notices().staleLockNotice(lock, this.json));
  }

  /** Write a notice line on stderr; a notice must never stop the command that gave it. */
  notify(line: string): void {
    try {
      writeStderr(line);
    } catch {
      // stderr closed: the command goes on.
    }
  }

  /**
   * Where `bind` keeps the original driver of each device: the library's defaultStateDir for this run's boundary
   * ($VFIO_PLAT_STATE_DIR, else beside the simulated board's state, else /run/vfio-plat for root, else
   * $XDG_RUNTIME_DIR/vfio-plat, else a per-user directory in /tmp), created here. Call after boundary() resolved.
   */
  stateDir(): string {
    if (!this.opened) throw new Error("CliContext.stateDir() before boundary()");
    const dir = defaultStateDir(this.opened);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      // A file (or a file on the way) where the directory should be: name it and say how to get past it.
      const fix = process.env.VFIO_PLAT_STATE_DIR ? "set VFIO_PLAT_STATE_DIR to a directory" : `move the file at ${dir} (or on its path) away`;
      throw Object.assign(new Error(`bind state directory ${dir} cannot be created`, { cause: e }), { hint: fix });
    }
    return dir;
  }

  /** Register cleanup (close fds, disable interrupts); runs in reverse order, once. */
  onCleanup(fn: () => void): void {
    this.cleanups.push(fn);
  }

  runCleanups(): void {
    while (this.cleanups.length) {
      const fn = this.cleanups.pop()!;
      try {
        fn();
      } catch {
        // Cleanup must not hide the error that brought us here.
      }
    }
  }
}
