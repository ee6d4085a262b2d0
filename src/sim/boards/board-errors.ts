// The simulated board's refusals as facts, in a module of their own so the CLI can recognise them without loading
// the boards.

/** A board name that is not one of the built-in boards; `known` lists those. (The CLI: a usage error, exit 2.) */
export class UnknownBoardError extends Error {
  override readonly name = "UnknownBoardError";
  constructor(
    readonly board: string,
    readonly known: readonly string[],
  ) {
    super(`unknown simulated board '${board}' (known: ${known.join(", ")})`);
  }
}

/**
 * A board description file (a flattened device tree, a .dts, a board file) that cannot become a board: which file,
 * where in it (a byte offset, a node path or a JSON path), what was expected there and what was found. Thrown before
 * anything is written to a state directory, so a bad file never leaves a half-built board. (The CLI: exit 2.)
 */
export class BoardFileError extends Error {
  override readonly name = "BoardFileError";
  constructor(
    readonly file: string,
    readonly where: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${file}${where ? `: ${where}` : ""}: expected ${expected}, found ${found}`);
  }
}
