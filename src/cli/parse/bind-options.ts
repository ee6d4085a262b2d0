// The options bind and unbind share: --wait PERIOD, how long to wait for another process's bind or unbind of the same
// device (the device's journal is its lock) before answering busy; and the one-value check for their options.
import { UsageError } from "../usage-error.ts";
import { parsePeriod } from "./periods.ts";
import { rawOption } from "./raw-option.ts";

/**
 * The one value of a value option: cac gives `true` for one written without its value and an array for one given
 * twice. @throws UsageError
 */
export function singleValue(v: unknown, flag: string, forms: string): string {
  if (Array.isArray(v)) throw new UsageError(`${flag} is given ${v.length} times`, `give it once: ${flag} ${forms}`);
  if (typeof v === "string" || typeof v === "number") return String(v);
  throw new UsageError(`${flag} needs a value`, `${flag} ${forms}`);
}

/** --wait as milliseconds, undefined when not given (the library's default). @throws UsageError */
export function waitOption(options: Record<string, unknown>): number | undefined {
  if (options.wait === undefined) return undefined;
  singleValue(options.wait, "--wait", "PERIOD (30s, 500ms, 0)");
  return parsePeriod(rawOption(options, "--wait", "wait") ?? "", "--wait");
}
