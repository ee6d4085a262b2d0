// Which board a simulated state directory starts with: a board name from the built-in list, a spec given as code,
// or the default board.
import type { BoardSpec } from "./board-spec.ts";
import { BOARDS, DEFAULT_BOARD } from "./index.ts";
import { UsageError } from "../../vfio/errors.ts";

/** The board a name or spec stands for (the default board when none). Throws UsageError for an unknown name. */
export function boardSpecOf(board: string | BoardSpec | undefined): BoardSpec {
  if (board === undefined) return BOARDS[DEFAULT_BOARD]!;
  if (typeof board !== "string") return board;
  const spec = BOARDS[board];
  if (!spec || !Object.hasOwn(BOARDS, board)) throw new UsageError(`unknown simulated board '${board}' (known: ${Object.keys(BOARDS).join(", ")})`);
  return spec;
}
