// `vfio-plat completion bash|zsh|fish`: print the shell's completion script, generated from the command table (see
// src/cli/completion/). Device names are completed at Tab time through `vfio-plat list --names`.
import { UsageError } from "../usage-error.ts";
import { completionScript, isShell, SHELLS } from "../completion/index.ts";
import type { CliContext } from "../context.ts";
import { writeStdout } from "../output/stdio.ts";

/** @throws UsageError when the shell is missing or not one of bash, zsh, fish */
export async function run(_ctx: CliContext, args: string[]): Promise<number> {
  const shell = args[0];
  if (shell === undefined || !isShell(shell)) {
    throw new UsageError(
      shell === undefined ? "completion needs a shell" : `no completion for shell '${shell}'`,
      `vfio-plat completion ${SHELLS.join("|")}`,
    );
  }
  writeStdout(completionScript(shell));
  return 0;
}
