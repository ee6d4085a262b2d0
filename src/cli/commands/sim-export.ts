// `vfio-plat sim-export [FILE]`: the simulated board in its state directory as a board file (docs/board-files.md),
// the built-in boards included, on stdout or into FILE. Loading that file with --sim-board gives the same board, and
// exporting it again gives the same text. Always acts on the simulated board, with or without --sim.
import { writeFileSync } from "node:fs";
import { strerror } from "../../boundary/errno.ts";
import { exportSimBoard } from "../../open-boundary.ts";
import { UsageError } from "../usage-error.ts";
import type { CliContext } from "../context.ts";
import { jsonDocument } from "../output/json.ts";
import { lockWaitNotice } from "../output/notices.ts";
import { writeStdout } from "../output/stdio.ts";

export async function run(ctx: CliContext, args: string[]): Promise<number> {
  const file = args[0];
  const simBoard = ctx.opts.simBoard ?? process.env.VFIO_PLAT_SIM_BOARD;
  const r = await exportSimBoard({
    simStateDir: ctx.simStateDir,
    ...(simBoard ? { simBoard } : {}),
    onStaleLock: (lock) => ctx.notifyStaleLock(lock),
    onLockWait: (path, holder) => ctx.notify(lockWaitNotice(path, holder.pid, ctx.json)),
  });
  if (file === undefined || file === "-") {
    // The board file is JSON already: --json changes nothing.
    writeStdout(r.text);
    return 0;
  }
  try {
    writeFileSync(file, r.text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EIO";
    throw new UsageError(`cannot write ${file}: ${strerror(code)} [${code}]`, "give a file in a directory you can write, or - for standard output");
  }
  if (ctx.json) writeStdout(jsonDocument({ stateDir: r.stateDir, board: r.board, file }));
  else writeStdout(`board ${r.board} written to ${file}\n`);
  return 0;
}
