// Which board a simulated state directory starts with: a board name from the built-in list, a spec given as code,
// or the default board.
import type { BoardSpec } from "./board-spec.ts";
import { UnknownBoardError } from "./board-errors.ts";
import { withIommuGroups } from "./board-iommu.ts";
import { BOARDS, DEFAULT_BOARD } from "./index.ts";

/**
 * The board a name or spec stands for (the default board when none), with the IOMMU groups of its `smmus` filled in.
 * @throws UnknownBoardError for an unknown name, BoardIommuError for a device naming an SMMU the board lacks
 */
export function boardSpecOf(board: string | BoardSpec | undefined): BoardSpec {
  if (board === undefined) return BOARDS[DEFAULT_BOARD]!;
  if (typeof board !== "string") return withIommuGroups(board);
  const spec = BOARDS[board];
  if (!spec || !Object.hasOwn(BOARDS, board)) throw new UnknownBoardError(board, Object.keys(BOARDS));
  return spec;
}
