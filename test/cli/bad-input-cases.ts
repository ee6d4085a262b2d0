// The bad-input table: every case is a command line, the exit code it must give, and what its one-line error must
// say. The same table is printed in docs/errors.md (a test keeps the two in step), so users can look a code up.
// The rows live in bad-input/<area>.ts, one file per area of the CLI. Board state for all cases: the default simulated
// board with 9010000.pl031 and a000000.virtio_mmio bound to VFIO (a case with `setup` gets a board of its own).

export interface BadInputCase {
  args: string[];
  exit: number;
  /** A fragment the stderr line must contain. */
  says: string;
  why: string;
  /** Event streams and scripts print what happened before the failure; others print nothing on stdout. */
  partialStdout?: boolean;
  /** Text fed to the command's stdin (default: none). */
  stdin?: string;
  /** Extra environment for this case only. */
  env?: Record<string, string>;
  /**
   * Damage or prepare a board of this case's own before the command runs: the case then gets a fresh simulated board
   * (both devices bound as for the shared one) in `stateDir`, so what it breaks cannot leak into other cases.
   */
  setup?: (stateDir: string) => void;
}

import { BASICS } from "./bad-input/basics.ts";
import { SCRIPTS } from "./bad-input/scripts.ts";
import { STATE } from "./bad-input/state.ts";
import { BINDING } from "./bad-input/binding.ts";
import { OPTIONS } from "./bad-input/options.ts";
import { DMA_TEST } from "./bad-input/dma-test.ts";
import { BLK_TEST } from "./bad-input/blk-test.ts";
import { MISC } from "./bad-input/misc.ts";
import { BOARD_FILE } from "./bad-input/board-file.ts";
import { MODELS } from "./bad-input/models.ts";
import { BOARDS } from "./bad-input/boards.ts";
import { VIRQFDS } from "./bad-input/virqfds.ts";
import { PL330_EXEC } from "./bad-input/pl330-exec.ts";
import { REGISTERS } from "./bad-input/registers.ts";
import { TEST_PLANS } from "./bad-input/test-plans.ts";
import { WATCH } from "./bad-input/watch.ts";
import { MEMORY } from "./bad-input/memory.ts";
import { UDEV } from "./bad-input/udev.ts";
import { PHYS } from "./bad-input/phys.ts";

export const BAD_INPUT_CASES: BadInputCase[] = [...BASICS, ...SCRIPTS, ...VIRQFDS, ...STATE, ...BINDING, ...OPTIONS, ...DMA_TEST, ...BLK_TEST, ...MISC, ...BOARD_FILE, ...BOARDS, ...MODELS, ...PL330_EXEC, ...REGISTERS, ...TEST_PLANS, ...WATCH, ...MEMORY, ...UDEV, ...PHYS];
