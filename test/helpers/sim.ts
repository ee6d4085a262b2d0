// A simulated board for in-process tests: the real OS primitives (eventfds, memory) from the ffi backend, the
// simulated kernel on top, in a private state directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import { createRealBoundary } from "../../src/ffi/index.ts";
import { createSimBoundary } from "../../src/sim/index.ts";
import { ManualClock } from "../../src/sim/devices/manual-clock.ts";
import { SimBoundary } from "../../src/sim/sim-boundary.ts";
import type { BoardSpec } from "../../src/sim/boards/board-spec.ts";

export interface TestBoard {
  b: KernelBoundary;
  stateDir: string;
  /** A second boundary on the same state directory (another "process" view of the same board). */
  reopen(): KernelBoundary;
  dispose(): void;
}

export function makeSimBoard(board?: string | BoardSpec): TestBoard {
  const stateDir = mkdtempSync(join(tmpdir(), "vfio-plat-sim-"));
  const os = createRealBoundary();
  const opened: KernelBoundary[] = [];
  const open = () => {
    const b = createSimBoundary({ stateDir, os, ...(board ? { board } : {}) });
    opened.push(b);
    return b;
  };
  const b = open();
  return {
    b,
    stateDir,
    reopen: open,
    dispose() {
      for (const x of opened) x.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A simulated board on a manual clock (tests move time instead of sleeping), with real OS primitives. */
export interface ClockedBoard {
  sim: SimBoundary;
  clock: ManualClock;
  stateDir: string;
  /** Another process's view of the same board (e.g. of /dev/kmsg). */
  other(): SimBoundary;
  dispose(): void;
}

/** `board` in a private state directory (named `prefix`...), its clock starting at `startNs`. */
export function makeClockedBoard(board: BoardSpec, startNs: number, prefix: string): ClockedBoard {
  const stateDir = mkdtempSync(join(tmpdir(), prefix));
  const os = createRealBoundary();
  const clock = new ManualClock(startNs);
  const opened: SimBoundary[] = [];
  const open = () => {
    const b = new SimBoundary({ stateDir, os, board, clock });
    opened.push(b);
    return b;
  };
  return {
    sim: open(),
    clock,
    stateDir,
    other: open,
    dispose() {
      for (const b of opened) b.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
