// Which board a simulated state directory starts with: a board name from the built-in list, a device-tree file
// (device-tree/dt-file.ts), a spec given as code, or the default board.
import type { BoardSpec } from "./board-spec.ts";
import { UnknownBoardError } from "./board-errors.ts";
import { BOARDS, DEFAULT_BOARD } from "./index.ts";
import { boardFromDeviceTreeFile, isDeviceTreePath } from "./device-tree/dt-file.ts";

/**
 * The board a name, file or spec stands for (the default board when none).
 * @throws UnknownBoardError for an unknown name; BoardFileError for a device-tree file that gives no board
 */
export function boardSpecOf(board: string | BoardSpec | undefined): BoardSpec {
  if (board === undefined) return BOARDS[DEFAULT_BOARD]!;
  if (typeof board !== "string") return board;
  if (isDeviceTreePath(board)) return boardFromDeviceTreeFile(board);
  const spec = BOARDS[board];
  if (!spec || !Object.hasOwn(BOARDS, board)) throw new UnknownBoardError(board, Object.keys(BOARDS));
  return spec;
}
