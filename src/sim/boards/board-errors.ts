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
