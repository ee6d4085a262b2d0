// The simulated board a plan runs on under --sim, checked against the plan's `board:` before anything runs: a state
// directory keeps the board it was made with, so a virt plan could otherwise "pass" on virt-noiommu while its reports
// said virt. The board names come from the simulator's own list (src/sim/boards), never a copy of it.
import { basename } from "node:path";
import type { CliContext } from "../context.ts";
import { lockWaitNotice } from "../output/notices.ts";
import { UsageError } from "../usage-error.ts";
import type { Plan } from "./plan-types.ts";

/** A device tree's board is named after its file (docs/boards.md); a board file (.json) carries its name inside. */
const DEVICE_TREE = /\.(dtb|dts)$/i;

/**
 * The name of the board a plan's `board:` stands for on the simulator: a built-in board's name as is, a device
 * tree's base name without `.dtb`/`.dts`; undefined when the file itself must be read to know (a board file).
 */
export function planBoardName(board: string, builtin: Readonly<Record<string, unknown>>): string | undefined {
  if (Object.hasOwn(builtin, board)) return board;
  if (DEVICE_TREE.test(board)) return basename(board).replace(DEVICE_TREE, "");
  return undefined;
}

/**
 * The simulated board for `plan`: --sim-board (or VFIO_PLAT_SIM_BOARD), else the plan's built-in `board:`, boots a new
 * state; an existing state keeps its board. Returns the board's name and the --sim-board the steps must be given.
 * @throws UsageError when the state's board is not the one the plan was written for (both named, and the fix)
 */
export async function planSimBoard(ctx: CliContext, plan: Plan): Promise<{ name: string; simBoard?: string }> {
  const { BOARDS } = await import("../../sim/boards/index.ts");
  const { exportSimBoard } = await import("../../open-boundary.ts");
  const given = ctx.opts.simBoard ?? process.env.VFIO_PLAT_SIM_BOARD;
  const simBoard = given ?? (plan.board !== undefined && Object.hasOwn(BOARDS, plan.board) ? plan.board : undefined);
  const { board: name } = await exportSimBoard({
    simStateDir: ctx.simStateDir,
    ...(simBoard !== undefined ? { simBoard } : {}),
    onStaleLock: (lock) => ctx.notifyStaleLock(lock),
    onLockWait: (path, holder) => ctx.notify(lockWaitNotice(path, holder.pid, ctx.json)),
  });
  const wanted = plan.board !== undefined ? planBoardName(plan.board, BOARDS) : undefined;
  if (wanted !== undefined && wanted !== name) {
    throw new UsageError(
      `plan ${plan.name} was written for board ${plan.board}, but the simulated state ${ctx.simStateDir} holds board ${name}`,
      `start the plan's board there: vfio-plat --sim-state ${ctx.simStateDir} --sim-board ${plan.board} sim-reset (or give another --sim-state)`,
    );
  }
  return { name, ...(simBoard !== undefined ? { simBoard } : {}) };
}
