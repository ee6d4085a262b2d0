// The register-map library's refusals, as facts: an unknown register or field name (with the closest names), a write to
// a read-only register or field, and a map file that cannot become a map (which file, where, what was expected there,
// what was found). Words, hints and exit codes belong to the CLI.
import { InvalidArgumentError } from "../vfio/errors.ts";
import type { RegisterAccess } from "./register-map.ts";

/** A register or field name that the map does not have. `suggestions`: up to three known names, closest first. */
export class UnknownRegisterError extends InvalidArgumentError {
  override readonly name = "UnknownRegisterError";
  constructor(
    /** The map's name ("pl330"). */
    readonly map: string,
    /** The name as it was asked for ("CSR0.CHANEL_STATUS"). */
    readonly asked: string,
    readonly suggestions: readonly string[],
    /** Set when the register was found but the field was not: the register's name. */
    readonly register?: string,
  ) {
    super(
      register !== undefined
        ? `register ${register} of map ${map} has no field '${asked.slice(asked.indexOf(".") + 1)}'`
        : `map ${map} has no register '${asked}'`,
      suggestions.length ? suggestions.join(", ") : undefined,
    );
  }
}

/** A write to a read-only register or field (access RO), refused unless forced. */
export class ReadOnlyRegisterError extends InvalidArgumentError {
  override readonly name = "ReadOnlyRegisterError";
  constructor(
    readonly register: string,
    readonly access: RegisterAccess,
    readonly field?: string,
  ) {
    super(`${field !== undefined ? `${register}.${field}` : register} is ${accessWords(access)} (${access})`);
  }
}

/**
 * A write of part of a register (a field, or under a mask) that would need a read-modify-write, refused because the
 * read cannot be made: the register is write-only (a read says nothing about what it holds), or reading it has a
 * side effect (RC: a FIFO pop, a read-to-clear) the caller did not consent to.
 */
export class WriteNeedsReadError extends InvalidArgumentError {
  override readonly name = "WriteNeedsReadError";
  constructor(
    readonly register: string,
    readonly reason: "write-only" | "read-side-effect",
    readonly field?: string,
  ) {
    super(
      `${field !== undefined ? `${register}.${field}` : `part of ${register}`} cannot be written alone: ${register} is ${
        reason === "write-only" ? "write-only (WO), so it cannot be read for a read-modify-write" : "read-to-clear (RC): the read of a read-modify-write would have a side effect"
      }`,
    );
  }
}

/**
 * A register map file (a user map, a board file's `regs`) that cannot become a map: which file, where in it (a JSON
 * path or "line L column C"), what was expected there and what was found (the CLI: exit 2, like a bad board file).
 */
export class RegisterMapFileError extends Error {
  override readonly name = "RegisterMapFileError";
  constructor(
    readonly file: string,
    readonly where: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${file}${where ? `: ${where}` : ""}: expected ${expected}, found ${found}`);
  }
}

function accessWords(access: RegisterAccess): string {
  switch (access) {
    case "RO":
      return "read-only";
    case "RC":
      return "read-to-clear";
    case "WO":
      return "write-only";
    case "W1C":
      return "write-1-to-clear";
    case "RW":
      return "read-write";
  }
}
