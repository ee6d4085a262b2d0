// Narrowing a device list by bus, driver, compatible (shell glob), VFIO binding, IOMMU group and names: what
// `lspci -s/-d` and `driverctl list-devices` let their users do. Pure: takes the discovered devices, returns a subset
// in the same order. Every criterion given must hold (AND); a criterion left undefined does not filter.
import type { Bus } from "./sysfs.ts";
import type { HostDevice } from "./discovery.ts";
import { resolveDevice } from "./device-name.ts";

/** What to keep. Undefined fields keep every device. */
export interface DeviceFilter {
  bus?: Bus;
  /** Exact driver name (`vfio-platform`, `rtc-pl031`). */
  driver?: string;
  /** Shell-style glob (`*`, `?`, `[a-z]`, `[!x]`) matched against each compatible string; one match keeps the device. */
  compatible?: string;
  /** true: only devices bound to a VFIO driver; false: only devices that are not. */
  vfio?: boolean;
  iommuGroup?: number;
  /** Names as resolveDevice takes them (exact, unique part, compatible); the device must be one of them. */
  names?: readonly string[];
}

/**
 * A whole-string RegExp for a shell glob: `*` any run, `?` one character, `[...]`/`[!...]` a class; everything
 * else literal (a compatible holds commas, dots and dashes).
 */
export function shellGlobToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*") out += ".*";
    else if (ch === "?") out += ".";
    else if (ch === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = close;
    } else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "u");
}

/**
 * The devices of `devices` that meet every criterion of `filter`, in their order.
 * @throws DeviceNotFoundError / NoSuchDeviceError (a name matches no device), InvalidArgumentError (malformed or
 *   ambiguous name), as resolveDevice: a name is a question about one device, so a miss is an error, not an empty list
 */
export function filterDevices(devices: readonly HostDevice[], filter: DeviceFilter): HostDevice[] {
  const named = filter.names && filter.names.length > 0 ? new Set(filter.names.map((n) => resolveDevice(n, devices).name)) : undefined;
  const compat = filter.compatible !== undefined ? shellGlobToRegExp(filter.compatible) : undefined;
  return devices.filter(
    (d) =>
      (named === undefined || named.has(d.name)) &&
      (filter.bus === undefined || d.bus === filter.bus) &&
      (filter.driver === undefined || d.driver === filter.driver) &&
      (compat === undefined || d.compatible.some((c) => compat.test(c))) &&
      (filter.vfio === undefined || d.vfioBound === filter.vfio) &&
      (filter.iommuGroup === undefined || d.iommuGroup === filter.iommuGroup),
  );
}
