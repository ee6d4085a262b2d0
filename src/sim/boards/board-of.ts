// Which board a simulated state directory starts with: a board name from the built-in list, a board file (.json),
// a device-tree file (.dtb/.dts), a spec given as code, or the default board.
import type { BoardSpec } from "./board-spec.ts";
import { UnknownBoardError } from "./board-errors.ts";
import { withIommuGroups } from "./board-iommu.ts";
import { BOARDS, DEFAULT_BOARD } from "./index.ts";

type BoardFileLoader = typeof import("./board-file/load-board-file.ts");
type DtFile = typeof import("./device-tree/dt-file.ts");

/** The file name endings that make a board value a file rather than a board name (any case): a board file, then device trees. */
export const BOARD_FILE_EXTENSIONS = ["json", "dtb", "dts"] as const;

/**
 * The board a name, path or spec stands for (the default board when none), with the IOMMU groups of its `smmus`
 * filled in: a path ending .json is a board file, one ending .dtb or .dts a device tree. Their readers are loaded only
 * then (a synchronous require): a built-in board does not pay for them at start-up.
 * @throws UnknownBoardError for an unknown name; BoardFileError for a file that cannot become a board;
 *   BoardIommuError for a device naming an SMMU the board lacks
 */
export function boardSpecOf(board: string | BoardSpec | undefined): BoardSpec {
  if (board === undefined) return BOARDS[DEFAULT_BOARD]!;
  if (typeof board !== "string") return withIommuGroups(board);
  if (/\.json$/i.test(board)) return withIommuGroups((require("./board-file/load-board-file.ts") as BoardFileLoader).loadBoardFile(board, boardSpecOf));
  if (/\.dt[bs]$/i.test(board)) return withIommuGroups((require("./device-tree/dt-file.ts") as DtFile).boardFromDeviceTreeFile(board));
  const spec = BOARDS[board];
  if (!spec || !Object.hasOwn(BOARDS, board)) throw new UnknownBoardError(board, Object.keys(BOARDS));
  return spec;
}
