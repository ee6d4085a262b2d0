// A user's device model that failed, as facts: which module, which device, which operation, what it threw. The CLI
// words it (src/cli/output/library-words.ts); the simulator never lets such a failure reach the board's saved state.
import type { UserModelOperation } from "./user-model.ts";

/** Where in the register map a failing read or write was. */
export interface UserModelAccess {
  region: number;
  offset: number;
  width: number;
}

/**
 * A user device model (DeviceSpec.model "module") threw, returned something it must not, or could not be loaded.
 * `reason` is the model's own error message (or what was wrong with what it returned); `cause` is what it threw.
 */
export class UserModelError extends Error {
  override readonly name = "UserModelError";
  constructor(
    /** The module file (modelOptions.module). */
    readonly module: string,
    /** The device on the board. */
    readonly device: string,
    readonly operation: UserModelOperation,
    readonly reason: string,
    readonly access?: UserModelAccess,
    options?: { cause?: unknown },
  ) {
    const at = access ? ` at region ${access.region} offset 0x${access.offset.toString(16)} (${access.width * 8}-bit)` : "";
    super(`device model ${module} (${device}) failed in ${operation}${at}: ${reason}`, options);
  }
}

/** The message of anything thrown (an Error's message, else its string form). */
export function thrownMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  // Bun's build and resolve errors (a syntax error, a missing import) are not Error instances but carry a message.
  const m = (e as { message?: unknown } | null)?.message;
  if (typeof m === "string" && m !== "") return m;
  try {
    return String(e);
  } catch {
    return "(an unprintable value)";
  }
}
