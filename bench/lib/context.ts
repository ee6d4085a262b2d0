// What every benchmark row gets: the C reference programs (if a compiler was found), the sample count, a scratch
// directory, the real kernel boundary, and the command to start the vfio-plat CLI with this repository's Bun.
import type { KernelBoundary } from "../../src/boundary/kernel-boundary.ts";
import type { CBuild } from "./c-build.ts";
import type { RowOutcome, RowSpec } from "./row.ts";

export interface BenchContext {
  /** The built C programs, or undefined without a C compiler. */
  c: CBuild | undefined;
  /** Interleaved sample pairs per row (vfio-plat, reference, vfio-plat, ...). */
  samples: number;
  /** Fewer iterations per sample: a fast smoke run, not figures to publish. */
  quick: boolean;
  /** A scratch directory, removed after the run (on tmpfs when /dev/shm exists). */
  tmp: string;
  /** The real kernel boundary (libc through bun:ffi). */
  b: KernelBoundary;
  /** argv prefix that runs the vfio-plat CLI: [bun, src/cli/main.ts]. */
  cli: string[];
  /** The Bun executable running the bench. */
  bun: string;
  /** Repository root. */
  root: string;
  /**
   * The simulated board the in-process PL330 row (pl330-poll-while-looping) builds (a board name, board file or
   * DTB, as --sim-board takes); undefined: the default board. The CLI rows keep the default board.
   */
  simBoard?: string;
  /** Progress on stderr. */
  log(message: string): void;
}

/** A set of rows measured together (they share setup): their specs, and a run that yields each row's outcome. */
export interface RowGroup {
  name: string;
  rows: RowSpec[];
  /** Outcomes by row id; a row missing from the result is reported as skipped. */
  run(ctx: BenchContext): Promise<Record<string, RowOutcome>>;
}

/** The reason every C-dependent row gives when there is no compiler. */
export const NO_CC: RowOutcome = { kind: "skipped", reason: "no C compiler" };
