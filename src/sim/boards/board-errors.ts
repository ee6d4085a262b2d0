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
 * A board file that cannot become a board: which file, where in it (a JSON path such as `devices[2].pl330.channels`,
 * empty for the file as a whole), what was expected there and what was found. Thrown before anything is written, so
 * a bad file never leaves a half-built board. (The CLI: a usage error, exit 2.)
 */
export class BoardFileError extends Error {
  override readonly name = "BoardFileError";
  constructor(
    readonly file: string,
    readonly where: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`board file ${file}${where ? ` at ${where}` : ""}: expected ${expected}, found ${found}`);
  }
}
