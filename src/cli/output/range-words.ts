// What the range verbs (several values, --fill, --from FILE, read --to FILE) say besides their result: the registers
// a bulk write left alone and why, how far a range got when a signal stopped it, and the lines of a dry run. One line
// on stderr each (a JSON notice with --json), so stdout keeps the result alone.
import type { RangeHazard } from "../../registers/bulk-access.ts";
import { accessLabel, type Width } from "../parse/access.ts";
import { hex } from "./hex.ts";
import { toJson } from "./json.ts";

/** The skipped registers as JSON: name, offset and why. */
export function hazardsJson(hazards: readonly RangeHazard[]): { name: string; offset: string; reason: string }[] {
  return hazards.map((h) => ({ name: h.register.name, offset: `0x${h.register.offset.toString(16)}`, reason: h.reason }));
}

/**
 * The stderr line (with its newline) telling which registers a fill or load did not write (read-only, or with
 * write-1-to-clear bits) and how to write them too.
 */
export function writeSkippedNotice(hazards: readonly RangeHazard[], json: boolean): string {
  if (json) return `${toJson({ notice: { code: "WRITE_SKIPPED", registers: hazardsJson(hazards) } })}\n`;
  const words = hazards.map((h) => `${h.register.name} at 0x${h.register.offset.toString(16)} (${h.reason})`).join(", ");
  return `vfio-plat: not written: ${words} — --force writes them too\n`;
}

/** The stderr line (with its newline) telling how far a range got before a signal stopped it. */
export function rangeStoppedNotice(
  verb: "write" | "read",
  done: number,
  total: number,
  last: { region: number; offset: number; width: Width } | undefined,
  json: boolean,
): string {
  const lastLabel = last ? accessLabel(last.region, last.offset, last.width) : undefined;
  if (json) return `${toJson({ notice: { code: "RANGE_STOPPED", verb, done, total, last: lastLabel ?? null } })}\n`;
  const where = lastLabel ? `; the last was ${lastLabel}` : "";
  return `vfio-plat: stopped after ${done} of ${total} ${verb}s${where}\n`;
}

/** One planned access of a dry run: `write 0:0x00000004.l = 0x00000011`, `read 0:0x0.l`, or a skip with its reason. */
export function plannedAccess(
  verb: "write" | "read",
  region: number,
  offset: number,
  width: Width,
  value: bigint | undefined,
  skipped?: RangeHazard,
): string {
  const at = accessLabel(region, offset, width);
  if (skipped) return `skip  ${at} (${skipped.register.name}: ${skipped.reason})`;
  return verb === "write" ? `write ${at} = ${hex(value ?? 0n, width)}` : `read  ${at}`;
}
