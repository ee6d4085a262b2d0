// Which users' device models on a board cannot be loaded, found without opening anything (for `doctor`): a model's
// module is otherwise required only when a program first opens its device, so a wrong path or a module that throws
// at load would stay hidden until then. Facts only (UserModelError); the CLI words them.
import type { BoardSpec } from "../boards/board-spec.ts";
import { loadUserModel } from "./user-model-loader.ts";
import { UserModelError } from "./user-model-errors.ts";

/**
 * Load the module of every device of `board` whose model is a module (as its first open would: the module's top
 * level runs) and return the failures, in board order. A module that loads is not constructed.
 * @throws only what is not a UserModelError (a bug of the simulator)
 */
export function unloadableUserModels(board: BoardSpec): UserModelError[] {
  const out: UserModelError[] = [];
  for (const spec of board.devices) {
    if (spec.model !== "module") continue;
    try {
      loadUserModel(spec.modelOptions?.["module"], spec.name);
    } catch (e) {
      if (!(e instanceof UserModelError)) throw e;
      out.push(e);
    }
  }
  return out;
}
