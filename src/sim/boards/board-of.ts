// Which board a simulated state directory starts with: a board name from the built-in list, a board file (.json),
// a spec given as code, or the default board.
import type { BoardSpec } from "./board-spec.ts";
import { UnknownBoardError } from "./board-errors.ts";
import { BOARDS, DEFAULT_BOARD } from "./index.ts";

type BoardFileLoader = typeof import("./board-file/load-board-file.ts");

/**
 * The board a name, path or spec stands for (the default board when none): a path ending .json is a board file.
 * @throws UnknownBoardError for an unknown name; BoardFileError for a board file that cannot become a board
 */
export function boardSpecOf(board: string | BoardSpec | undefined): BoardSpec {
  if (board === undefined) return BOARDS[DEFAULT_BOARD]!;
  if (typeof board !== "string") return board;
  // Loaded only for a board file (a synchronous require): a built-in board does not pay for the reader at start-up.
  if (/\.json$/i.test(board)) return (require("./board-file/load-board-file.ts") as BoardFileLoader).loadBoardFile(board, boardSpecOf);
  const spec = BOARDS[board];
  if (!spec || !Object.hasOwn(BOARDS, board)) throw new UnknownBoardError(board, Object.keys(BOARDS));
  return spec;
}
