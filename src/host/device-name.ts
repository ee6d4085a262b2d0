// Checking and resolving the device names users type: the sysfs name (9010000.pl031), a PCI address with or without
// its domain (0000:00:02.0, 00:02.0, as lspci prints it), a /sys/bus/<bus>/devices/<name> path, a unique compatible
// string (arm,pl031) or a glob (*.pl031) that matches exactly one device. Names are validated before they reach any
// path, so nothing like "../../" or a stray "*" can touch another sysfs file.
import { editDistance } from "./edit-distance.ts";
import { InvalidArgumentError } from "../vfio/errors.ts";
import { devicesNamed, listDevices, type HostDevice } from "./discovery.ts";
import type { KernelBoundary } from "../boundary/kernel-boundary.ts";
import { BUSES } from "./sysfs.ts";
import { DeviceNameError, NoSuchDeviceError } from "./host-errors.ts";

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:,+@-]*$/;
const GLOB_RE = /^[A-Za-z0-9*?._:,+@-]+$/;

/** True when `name` is a plain device name that is safe to put into a sysfs path. */
function isValidDeviceName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && NAME_RE.test(name) && !name.includes("..");
}

/**
 * Check a device name before it is used in a path.
 * @throws InvalidArgumentError naming the problem
 */
export function validateDeviceName(name: string): string {
  if (!isValidDeviceName(name)) {
    throw new DeviceNameError(`invalid device name '${name}'`, { reason: "invalid-name", name });
  }
  return name;
}

/** /sys/bus/<bus>/devices/<name>, as users paste it. */
const SYS_PATH_RE = /^\/sys\/bus\/([a-z]+)\/devices\/([^/]+)\/?$/;

const BDF_RE = /^(?:([0-9a-f]{4}):)?([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$/i;

/**
 * The sysfs name of a PCI address as typed: lower case, domain 0000 added when left out ("00:02.0" -> "0000:00:02.0").
 * Undefined when `text` is no PCI address.
 */
export function normalizeBdf(text: string): string | undefined {
  const m = BDF_RE.exec(text);
  if (!m || parseInt(m[3]!, 16) > 0x1f) return undefined;
  return `${(m[1] ?? "0000").toLowerCase()}:${m[2]!.toLowerCase()}:${m[3]!.toLowerCase()}.${m[4]}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\,:@-]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/**
 * Resolve what the user typed to exactly one device of `devices`.
 * @throws InvalidArgumentError (malformed, ambiguous), DeviceNotFoundError (no match; suggests close names)
 */
export function resolveDevice(spec: string, devices: readonly HostDevice[]): HostDevice {
  let name = spec;
  const sys = SYS_PATH_RE.exec(spec);
  if (sys) name = sys[2]!;
  else if (spec.startsWith("/")) {
    throw new InvalidArgumentError(`'${spec}' is not a device path`, "give /sys/bus/<bus>/devices/<name> or just <name>");
  }
  if (name.includes("*") || name.includes("?")) {
    if (!GLOB_RE.test(name)) throw new InvalidArgumentError(`invalid device pattern '${spec}'`);
    const re = globToRegExp(name);
    const hits = devices.filter((d) => re.test(d.name));
    return exactlyOne(spec, hits, devices);
  }
  if (isValidDeviceName(name)) {
    const hit = devices.find((d) => d.name === name && (!sys || d.bus === sys[1]));
    if (hit) return hit;
    const bdf = normalizeBdf(name);
    const pci = bdf !== undefined ? devices.find((d) => d.bus === "pci" && d.name === bdf) : undefined;
    if (pci) return pci;
    // A compatible string ("arm,pl031") names a device when exactly one has it.
    if (name.includes(",")) return exactlyOne(spec, devices.filter((d) => d.compatible.includes(name)), devices);
    return exactlyOne(spec, [], devices);
  }
  validateDeviceName(name);
  throw new Error("unreachable");
}

/**
 * Resolve what the user typed to one device of this machine, as resolveDevice does over listDevices(b). An exact
 * sysfs name or PCI address, the common case, reads that device only; anything else (a compatible, a glob, a name
 * that matches nothing and gets suggestions) lists every device first.
 * @throws as resolveDevice
 */
export function lookupDevice(b: KernelBoundary, spec: string): HostDevice {
  const sys = SYS_PATH_RE.exec(spec);
  const name = sys ? sys[2]! : spec;
  const bus = sys ? BUSES.find((x) => x === sys[1]) : undefined;
  // Any other path, or a /sys path on a bus this tool does not list, is resolveDevice's to refuse.
  const direct = sys ? bus !== undefined : !spec.startsWith("/");
  if (direct && isValidDeviceName(name)) {
    const exact = devicesNamed(b, name, bus)[0];
    if (exact) return exact;
    const bdf = normalizeBdf(name);
    const pci = bdf !== undefined ? devicesNamed(b, bdf, "pci")[0] : undefined;
    if (pci) return pci;
  }
  return resolveDevice(spec, listDevices(b));
}

function exactlyOne(spec: string, hits: readonly HostDevice[], all: readonly HostDevice[]): HostDevice {
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) {
    throw new InvalidArgumentError(
      `'${spec}' matches ${hits.length} devices: ${hits.map((d) => d.name).join(", ")}`,
      "name one device",
    );
  }
  const close = suggest(spec, all.map((d) => d.name));
  throw new NoSuchDeviceError(`no device '${spec}'`, { reason: "no-such-device", spec, close });
}

/** Up to three known names close to `spec` (edit distance, or a shared prefix/suffix). */
export function suggest(spec: string, names: readonly string[]): string[] {
  const scored = names
    .map((n) => ({ n, d: editDistance(spec.toLowerCase(), n.toLowerCase()) }))
    .filter(({ n, d }) => d <= Math.max(2, Math.floor(n.length / 3)) || n.includes(spec) || spec.includes(n))
    .sort((a, b) => a.d - b.d);
  return scored.slice(0, 3).map((s) => s.n);
}
