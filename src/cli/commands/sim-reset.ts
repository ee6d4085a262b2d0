// `vfio-plat sim-reset`: boot the simulated board afresh in its state directory, the documented fix for damaged state
// (an empty or truncated board.json, a missing one beside the board's records). Always acts on the simulated board,
// with or without --sim; a board another process has open is left alone (exit 5, naming the pid).
import { resetSimBoard } from "../../open-boundary.ts";
import type { CliContext } from "../context.ts";
import { jsonDocument } from "../output/json.ts";
import { lockWaitNotice } from "../output/notices.ts";
import { writeStdout } from "../output/stdio.ts";

export async function run(ctx: CliContext): Promise<number> {
  const simBoard = ctx.opts.simBoard ?? process.env.VFIO_PLAT_SIM_BOARD;
  const r = await resetSimBoard({
    simStateDir: ctx.simStateDir,
    ...(simBoard ? { simBoard } : {}),
    onStaleLock: (lock) => ctx.notifyStaleLock(lock),
    onLockWait: (path, holder) => ctx.notify(lockWaitNotice(path, holder.pid, ctx.json)),
  });
  if (ctx.json) writeStdout(jsonDocument({ stateDir: r.stateDir, board: r.board, removed: r.removed }));
  else {
    const removed = r.removed.length ? ` (removed ${r.removed.join(", ")})` : "";
    writeStdout(`simulated board ${r.board} booted afresh in ${r.stateDir}${removed}\n`);
  }
  return 0;
}
