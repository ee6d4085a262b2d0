// What the range verbs (several values, --fill, --from FILE, read --to FILE) say besides their result: the registers
// a bulk write left alone and why, how far a range got when a signal stopped it, and the lines of a dry run. One line
// on stderr each (a JSON notice with --json), so stdout keeps the result alone.
import type { RangeHazard } from "../../registers/bulk-access.ts";
import type { RegisterSpec } from "../../registers/register-map.ts";
import { accessLabel, type Width } from "../parse/access.ts";
import { hex } from "./hex.ts";
import { toJson } from "./json.ts";

/** One skipped register in JSON, the one shape of `skipped` in every range verb's output and notice. */
export interface SkippedJson {
  name: string;
  region: number;
  offset: string;
  reason: string;
  /** What a write would have done (the map's writeEffect), for a write-side-effect skip. */
  effect?: string;
}

/** The skipped registers as JSON: name, region, offset, why (and the write's effect when the map says). */
export function hazardsJson(hazards: readonly RangeHazard[]): SkippedJson[] {
  return hazards.map((h) => ({
    name: h.register.name,
    region: h.register.region,
    offset: `0x${h.register.offset.toString(16)}`,
    reason: h.reason,
    ...(h.reason === "write-side-effect" && h.register.writeEffect ? { effect: h.register.writeEffect } : {}),
  }));
}

/** Registers a dump left unread (read-to-clear) in the one `skipped` shape, each once. */
export function readClearSkippedJson(registers: Iterable<RegisterSpec>): SkippedJson[] {
  return [...new Set(registers)].map((r) => ({ name: r.name, region: r.region, offset: `0x${r.offset.toString(16)}`, reason: "read-clear" }));
}

/** One planned access of a dry run as JSON (`steps`), next to its words in `accesses`. */
export interface PlannedStepJson {
  op: "read" | "write" | "skip";
  region: number | string;
  offset: string;
  /** Access width in bits. */
  width: number;
  /** The value a write stores (a masked write: the bits it sets). */
  value?: string;
  /** A masked write's mask: the bits it changes (the others are kept from the read before it). */
  mask?: string;
  /** A skip: the register left alone and why (the reasons of `skipped`). */
  register?: string;
  reason?: string;
}

/** A dry run's planned access as JSON: a read, a write with its value (and mask), or a skip with its register. */
export function plannedStep(
  verb: "write" | "read",
  region: number | string,
  offset: number | bigint,
  width: Width,
  value: bigint | undefined,
  skipped?: RangeHazard,
  mask?: bigint,
): PlannedStepJson {
  const at = { region, offset: `0x${offset.toString(16)}`, width: width * 8 };
  if (skipped) return { op: "skip", ...at, register: skipped.register.name, reason: skipped.reason };
  if (verb === "read") return { op: "read", ...at };
  return { op: "write", ...at, value: hex(value ?? 0n, width), ...(mask !== undefined ? { mask: hex(mask, width) } : {}) };
}

/** A hazard in words: `RTCLR at 0x8 (write-side-effect: loads the counter (RTCDR) with the value)`. */
function hazardWords(h: RangeHazard): string {
  const effect = h.reason === "write-side-effect" && h.register.writeEffect ? `: ${h.register.writeEffect}` : "";
  return `${h.register.name} at 0x${h.register.offset.toString(16)} (${h.reason}${effect})`;
}

/**
 * The stderr line (with its newline) telling which registers a fill or load did not write (read-only, write-only,
 * write-1-to-clear bits, a write side effect, a FIFO/read-to-clear) and how to write them too.
 */
export function writeSkippedNotice(hazards: readonly RangeHazard[], json: boolean): string {
  if (json) return `${toJson({ notice: { code: "WRITE_SKIPPED", registers: hazardsJson(hazards) } })}\n`;
  const words = hazards.map(hazardWords).join(", ");
  return `vfio-plat: not written: ${words} — --force writes them too\n`;
}

/** The stderr line (with its newline) of a dry run that cannot check the range: the region's size needs an open. */
export function sizeUnknownNotice(label: string, json: boolean): string {
  if (json) return `${toJson({ notice: { code: "RANGE_UNCHECKED", region: label } })}\n`;
  return `vfio-plat: dry run: the size of ${label} is not known without opening the device (which resets it): the range is not checked\n`;
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
  region: number | string,
  offset: number,
  width: Width,
  value: bigint | undefined,
  skipped?: RangeHazard,
): string {
  const at = accessLabel(region, offset, width);
  if (skipped) return `skip  ${at} (${skipped.register.name}: ${skipped.reason})`;
  return verb === "write" ? `write ${at} = ${hex(value ?? 0n, width)}` : `read  ${at}`;
}
