// Shell completion for vfio-plat: one entry point that renders the bash, zsh or fish script from the completion
// model, which is read from the command table every time (so a new command or option appears without touching this).
import { bashScript } from "./bash.ts";
import { fishScript } from "./fish.ts";
import { completionModel, SHELLS, type CompletionModel, type Shell } from "./model.ts";
import { zshScript } from "./zsh.ts";

export { completionModel, SHELLS, type CompletionModel, type Shell };

/** True when `s` names a shell this module writes completion for. */
export function isShell(s: string): s is Shell {
  return (SHELLS as readonly string[]).includes(s);
}

/** The completion script for `shell`, generated from the command table now. */
export function completionScript(shell: Shell, model: CompletionModel = completionModel()): string {
  switch (shell) {
    case "bash":
      return bashScript(model);
    case "zsh":
      return zshScript(model);
    case "fish":
      return fishScript(model);
  }
}

/** Where the script goes inside a release's completions/ directory (each shell's own file name). */
export function completionFileName(shell: Shell, program = "vfio-plat"): string {
  return { bash: `bash/${program}`, zsh: `zsh/_${program}`, fish: `fish/${program}.fish` }[shell];
}
