// The board a simulated state directory runs: what `sim-export` writes out. Reading it boots the board first when the
// directory is new (as any command on the simulated board would), so the built-in default board exports too.
import type { BoardSpec } from "../boards/board-spec.ts";
import { boardSpecOf } from "../boards/board-of.ts";
import { StateStore, type StateStoreOptions } from "./state-store.ts";

/**
 * The BoardSpec of the board in `stateDir`; when there is none yet, `board` (name, board file or spec; the default
 * board when absent) is booted there first, exactly as opening the simulated board does.
 * @throws StateDamagedError for damaged state, UnknownBoardError / BoardFileError for a bad `board`.
 */
export function activeBoard(stateDir: string, board?: string | BoardSpec, opts: StateStoreOptions = {}): BoardSpec {
  const store = new StateStore(stateDir, opts);
  store.ensure(boardSpecOf(board));
  return store.read().board;
}
