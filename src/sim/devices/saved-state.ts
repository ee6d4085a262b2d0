// Reading a device model's saved state back: it comes from a JSON state file another process wrote, so each field is
// checked before use and a damaged or foreign file fails loudly instead of restoring half a device.

/** The saved state as an object, or a TypeError naming the model when it is not one. */
export function savedObject(state: unknown, model: string): Record<string, unknown> {
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw new TypeError(`${model}: saved state is not an object`);
  }
  return state as Record<string, unknown>;
}

/** A finite number field. Throws TypeError when missing or not a finite number. */
export function savedNumber(obj: Record<string, unknown>, key: string, model: string): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`${model}: saved state field '${key}' is not a number`);
  }
  return value;
}

/** An unsigned 32-bit integer field. Throws TypeError when missing or out of range. */
export function savedU32(obj: Record<string, unknown>, key: string, model: string): number {
  const value = savedNumber(obj, key, model);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new TypeError(`${model}: saved state field '${key}' is not a 32-bit unsigned integer`);
  }
  return value;
}

/** A string field. Throws TypeError when missing or not a string. */
export function savedString(obj: Record<string, unknown>, key: string, model: string): string {
  const value = obj[key];
  if (typeof value !== "string") throw new TypeError(`${model}: saved state field '${key}' is not a string`);
  return value;
}
