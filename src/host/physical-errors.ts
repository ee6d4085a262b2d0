// The refusals of resolving a physical address to a device's region, as facts (what was asked, which device and
// windows): the CLI words them and gives the advice (src/cli/output/library-words.ts). Each class keeps the exit code
// family of its kind: nothing there (not found), the wrong place (invalid argument), a layout we cannot read.
import { DeviceNotFoundError, InvalidArgumentError, UnsupportedError } from "../vfio/errors.ts";

/** A region's physical window, as the refusals carry it. */
export interface PhysicalWindow {
  index: number;
  base: bigint;
  size: bigint;
}

/** Why a physical address did not resolve. */
export type PhysicalRefusal =
  /** No device's region contains `address`. */
  | { reason: "uncovered"; address: bigint }
  /** `device` covers `address` but is not bound to a VFIO driver (`driver`: its current one). */
  | { reason: "not-bound"; address: bigint; device: string; driver?: string }
  /** The device asked for (`device`) has no region containing `address`; `windows` are the ones it has. */
  | { reason: "not-in-device"; address: bigint; device: string; windows: PhysicalWindow[] }
  /** An access of `bytes` at `address` starts in `window` of `device` and runs past its end. */
  | { reason: "straddles"; address: bigint; bytes: number; device: string; window: PhysicalWindow }
  /** Several VFIO-bound devices claim `address`. */
  | { reason: "ambiguous"; address: bigint; devices: string[] };

/** "0x9010ff0" */
function hexOf(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function windowText(w: PhysicalWindow): string {
  return `region ${w.index} ${hexOf(w.base)}-${hexOf(w.base + w.size - 1n)}`;
}

/** The message of a refusal: facts only. */
function factsOf(r: PhysicalRefusal): string {
  const at = hexOf(r.address);
  switch (r.reason) {
    case "uncovered":
      return `no device has a region at physical address ${at}`;
    case "not-bound":
      return `physical address ${at} is in ${r.device}, which is not bound to VFIO (driver: ${r.driver ?? "none"})`;
    case "not-in-device":
      return r.windows.length === 0
        ? `physical address ${at} is not in ${r.device}: the kernel shows no physical address for its regions`
        : `physical address ${at} is not in ${r.device} (${r.windows.map(windowText).join(", ")})`;
    case "straddles":
      return `a ${r.bytes * 8}-bit access at physical address ${at} runs past the end of ${r.device} ${windowText(r.window)}`;
    case "ambiguous":
      return `physical address ${at} is in several bound devices: ${r.devices.join(", ")}`;
  }
}

/** No bound device covers the address (DeviceNotFoundError: exit 3 in the CLI). */
export class PhysicalNotFoundError extends DeviceNotFoundError {
  constructor(readonly refusal: Extract<PhysicalRefusal, { reason: "uncovered" | "not-bound" }>) {
    super(factsOf(refusal));
  }
}

/** The address is in the wrong place for what was asked (InvalidArgumentError: exit 2 in the CLI). */
export class PhysicalAddressError extends InvalidArgumentError {
  constructor(readonly refusal: Extract<PhysicalRefusal, { reason: "not-in-device" | "straddles" | "ambiguous" }>) {
    super(factsOf(refusal));
  }
}

/**
 * The device's physical layout cannot be read safely (UnsupportedError: exit 6 in the CLI): a bus above it has a
 * `ranges` that does not cover its `reg`, or its kernel name disagrees with the translated `reg`.
 */
export class PhysicalUnsupportedError extends UnsupportedError {
  constructor(
    readonly device: string,
    readonly why: "ranges" | "no-ranges" | "name-mismatch",
  ) {
    super(
      why === "ranges"
        ? `${device}'s reg does not translate to a CPU address (no entry of a bus's ranges covers it): physical addresses are not resolved there`
        : why === "no-ranges"
        ? `${device}'s reg does not translate to a CPU address (a bus above it has no ranges): physical addresses are not resolved there`
        : `${device}'s reg does not give the address its name says: physical addresses are not resolved there`,
    );
  }
}
