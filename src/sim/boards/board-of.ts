// Which board a simulated state directory starts with: a board name from the built-in list, a device-tree file
// (device-tree/dt-file.ts), a spec given as code, or the default board.
import type { BoardSpec } from "./board-spec.ts";
import { UnknownBoardError } from "./board-errors.ts";
import { BOARDS, DEFAULT_BOARD } from "./index.ts";

type DtFile = typeof import("./device-tree/dt-file.ts");
/** A board argument naming a device-tree file (its builder is loaded only then: CLI start-up stays as it was). */
const isDeviceTreePath = (board: string) => /\.dt[bs]$/i.test(board);

/**
 * The board a name, file or spec stands for (the default board when none).
 * @throws UnknownBoardError for an unknown name; BoardFileError for a device-tree file that gives no board
 */
export function boardSpecOf(board: string | BoardSpec | undefined): BoardSpec {
  if (board === undefined) return BOARDS[DEFAULT_BOARD]!;
  if (typeof board !== "string") return board;
  if (isDeviceTreePath(board)) return (require("./device-tree/dt-file.ts") as DtFile).boardFromDeviceTreeFile(board);
  const spec = BOARDS[board];
  if (!spec || !Object.hasOwn(BOARDS, board)) throw new UnknownBoardError(board, Object.keys(BOARDS));
  return spec;
}
