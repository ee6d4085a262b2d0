// The typed failures of the simulated board's state directory: a state file found damaged (facts: which file, what is
// wrong with it) and a board lock a live process keeps too long. The CLI turns them into an exit code, a line and
// the fix (src/cli/output/errors.ts); nothing here gives advice.

/** What is wrong with a state file or directory. */
export type StateProblem =
  /** board.json is missing although the directory holds what a board leaves behind (locks, bind records). */
  | "missing"
  | "empty"
  /** Not JSON at all, or JSON cut short (a truncated write). */
  | "not-json"
  /** JSON, but not an object (an array, null, a number). */
  | "not-object"
  /** An object of another format version. */
  | "version"
  /** An object of the right version whose content is not a board's (`detail` says where). */
  | "shape"
  /** A directory (or other non-file) where a file belongs. */
  | "not-a-file"
  /** A file (or other non-directory) where a directory belongs. */
  | "not-a-directory";

/** Thrown when a state file or directory of the simulated board cannot be used as it is. */
export class StateDamagedError extends Error {
  override readonly name = "StateDamagedError";
  /**
   * @param file The damaged file or directory.
   * @param problem What kind of damage.
   * @param detail What exactly is wrong, in words ("device table is empty", "version 2, expected 1").
   * @param stateDir The state directory the file belongs to (what a reset acts on).
   */
  constructor(
    readonly file: string,
    readonly problem: StateProblem,
    readonly detail: string,
    readonly stateDir: string,
  ) {
    super(`simulated board state ${file}: ${detail}`);
  }
}

/**
 * The damage a device model found in its own saved registers (its restore() threw TypeError naming the field): the
 * same report wherever the registers are restored (the device opening, or doctor's check).
 */
export function savedRegistersDamaged(file: string, stateDir: string, device: string, cause: TypeError): StateDamagedError {
  return new StateDamagedError(file, "shape", `saved registers of ${device}: ${cause.message}`, stateDir);
}

/** Thrown when a live process holds a board lock longer than a caller waits for it. */
export class StateLockedError extends Error {
  override readonly name = "StateLockedError";
  /**
   * @param path The lock file.
   * @param pid Its live holder, when known.
   */
  constructor(
    readonly path: string,
    readonly pid: number | undefined,
  ) {
    super(`simulated board lock ${path} is held${pid !== undefined ? ` by pid ${pid}` : ""}`);
  }
}
