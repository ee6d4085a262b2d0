// One entry of a board file's `devices` list read into DeviceSpec fields: a complete device, or (on a board that
// starts `from` another) the fields that change on the device of the same name. `null` removes an optional field,
// `"remove": true` removes the device. Model knobs are read by model-knobs.ts once the model is known.
import type { DeviceSpec, PciBarSpec, PciSpec, RegionSpec } from "../board-spec.ts";
import { at, type JsonReader, type Obj } from "./json-reader.ts";
import { KNOB_KEYS } from "./model-knobs.ts";

/** Every key a device entry may have, in the order an exported file writes them. */
export const DEVICE_KEYS = [
  "name",
  "remove",
  "bus",
  "compatible",
  "model",
  "regions",
  "irqs",
  "driver",
  "probeError",
  "reset",
  "periphid",
  "console",
  "dmaCoherent",
  "iommuGroup",
  "iommuGroupAtProbe",
  "iommu",
  "pci",
  "regs",
  ...new Set(KNOB_KEYS),
] as const;

/** The drivers the simulated kernel lets `bind` attach; a board boots with native drivers only. */
const VFIO_DRIVERS = ["vfio-platform", "vfio-amba", "vfio-pci"];
/** A kernel driver name as sysfs shows it (state-shape.ts checks the same). */
const DRIVER_NAME = /^[A-Za-z0-9_.:+-]{1,64}$/;
/** dev_name() of a platform/AMBA device or a PCI address: no '/', no space, nothing a sysfs path cannot hold. */
const DEVICE_NAME = /^[A-Za-z0-9_.:,+@-]{1,100}$/;
const U32 = 0xffff_ffff;
const U64 = (1n << 64n) - 1n;

/** The fields an entry sets; a key whose value is undefined removes that optional field. */
export type DeviceFields = Partial<Record<keyof DeviceSpec, unknown>>;

/** Read the fields present in entry `e` at `path` (every field optional: completeness is checked after merging). */
export function readDeviceEntry(r: JsonReader, e: Obj, path: string): DeviceFields {
  r.keys(e, path, DEVICE_KEYS);
  const f: DeviceFields = {};
  const p = (k: string) => at(path, k);
  const has = (k: string) => Object.hasOwn(e, k);
  if (has("name")) {
    const name = r.str(e.name, p("name"));
    if (!DEVICE_NAME.test(name)) r.fail(p("name"), 'a device name as Linux gives it ("9010000.pl031": letters, digits and . _ : , + @ -)', name);
    f.name = name;
  }
  if (has("bus")) f.bus = r.oneOf(e.bus, p("bus"), ["platform", "amba", "pci"]);
  if (has("compatible")) f.compatible = r.arr(e.compatible, p("compatible")).map((s, i) => r.str(s, at(p("compatible"), i)));
  if (has("model")) f.model = r.str(e.model, p("model"));
  if (has("regions")) f.regions = r.arr(e.regions, p("regions")).map((x, i) => region(r, x, at(p("regions"), i)));
  if (has("irqs")) {
    f.irqs = r.arr(e.irqs, p("irqs")).map((x, i) => {
      const q = r.obj(x, at(p("irqs"), i), 'an interrupt { "hwirq": N, "trigger": "level" | "edge" }');
      r.keys(q, at(p("irqs"), i), ["hwirq", "trigger"]);
      return { hwirq: r.int(q.hwirq, at(at(p("irqs"), i), "hwirq"), 0, U32), trigger: r.oneOf(q.trigger, at(at(p("irqs"), i), "trigger"), ["level", "edge"]) };
    });
  }
  if (has("driver")) {
    if (e.driver === null) f.nativeDriver = undefined;
    else {
      const d = r.str(e.driver, p("driver"), "a driver name, or null for none");
      if (VFIO_DRIVERS.includes(d)) r.fail(p("driver"), "a native driver (a board boots with no device bound to VFIO)", d);
      if (!DRIVER_NAME.test(d)) r.fail(p("driver"), "a driver name (letters, digits and _ . : + -)", d);
      f.nativeDriver = d;
    }
  }
  if (has("probeError")) {
    if (e.probeError === null) f.nativeProbeError = undefined;
    else {
      const code = r.str(e.probeError, p("probeError"));
      if (!/^E[A-Z0-9]{2,15}$/.test(code)) r.fail(p("probeError"), 'an errno name such as "ENODEV", or null', code);
      f.nativeProbeError = code;
    }
  }
  const optional = (key: string, field: keyof DeviceSpec, read: (v: unknown, path: string) => unknown) => {
    if (has(key)) f[field] = e[key] === null ? undefined : read(e[key], p(key));
  };
  optional("reset", "hasReset", (v, q) => r.bool(v, q));
  optional("periphid", "periphid", (v, q) => r.int(v, q, 0, U32));
  optional("console", "console", (v, q) => r.str(v, q, 'a console name such as "ttyAMA0", or null'));
  optional("dmaCoherent", "dmaCoherent", (v, q) => r.bool(v, q));
  optional("iommuGroup", "iommuGroup", (v, q) => r.int(v, q, 0, U32));
  optional("iommuGroupAtProbe", "iommuGroupAtProbe", (v, q) => r.bool(v, q));
  optional("iommu", "iommu", (v, q) => {
    const o = r.obj(v, q, '{ "smmu": "<SMMU device name>", "streamIds": [...] }');
    r.keys(o, q, ["smmu", "streamIds"]);
    return { smmu: r.str(o.smmu, at(q, "smmu")), streamIds: r.arr(o.streamIds, at(q, "streamIds")).map((s, i) => r.int(s, at(at(q, "streamIds"), i), 0, U32)) };
  });
  optional("pci", "pci", (v, q) => pci(r, v, q));
  return f;
}

function region(r: JsonReader, v: unknown, path: string): RegionSpec {
  const o = r.obj(v, path, 'a region { "base": "0x...", "size": "0x..." }');
  r.keys(o, path, ["base", "size", "name", "readOnly", "pio"]);
  const out: RegionSpec = { base: r.big(o.base, at(path, "base"), U64), size: r.int(o.size, at(path, "size"), 1, 2 ** 48) };
  if (o.name !== undefined) out.name = r.str(o.name, at(path, "name"));
  if (o.readOnly !== undefined) out.readOnly = r.bool(o.readOnly, at(path, "readOnly"));
  if (o.pio !== undefined) out.pio = r.bool(o.pio, at(path, "pio"));
  return out;
}

const PCI_KEYS = ["vendor", "device", "subsystemVendor", "subsystemDevice", "revision", "classCode", "bars", "interruptPin", "msiVectors", "msi64"];

function pci(r: JsonReader, v: unknown, path: string): PciSpec {
  const o = r.obj(v, path, "a PCI function's identity { vendor, device, ..., bars }");
  r.keys(o, path, PCI_KEYS);
  const id = (k: string, max: number) => r.int(o[k], at(path, k), 0, max);
  const bars = r.arr(o.bars, at(path, "bars"));
  if (bars.length > 6) r.fail(at(path, "bars"), "at most 6 BARs", bars);
  const out: PciSpec = {
    vendor: id("vendor", 0xffff),
    device: id("device", 0xffff),
    subsystemVendor: id("subsystemVendor", 0xffff),
    subsystemDevice: id("subsystemDevice", 0xffff),
    revision: id("revision", 0xff),
    classCode: id("classCode", 0xff_ffff),
    bars: bars.map((b, i): PciBarSpec | undefined => {
      const q = at(at(path, "bars"), i);
      if (b === null) return undefined;
      const bar = r.obj(b, q, 'a BAR { "base", "size", "kind" } or null');
      r.keys(bar, q, ["base", "size", "kind", "prefetchable"]);
      const size = r.int(bar.size, at(q, "size"), 1, 2 ** 48);
      if ((size & (size - 1)) !== 0 && size < 2 ** 31) r.fail(at(q, "size"), "a power of two", bar.size);
      return {
        base: r.big(bar.base, at(q, "base"), U64),
        size,
        kind: r.oneOf(bar.kind, at(q, "kind"), ["mem32", "mem64", "io"]),
        ...(bar.prefetchable !== undefined ? { prefetchable: r.bool(bar.prefetchable, at(q, "prefetchable")) } : {}),
      };
    }),
    interruptPin: id("interruptPin", 4),
  };
  if (o.msiVectors !== undefined) {
    const n = r.oneOf(o.msiVectors, at(path, "msiVectors"), [1, 2, 4, 8, 16, 32]);
    out.msiVectors = n;
  }
  if (o.msi64 !== undefined) out.msi64 = r.bool(o.msi64, at(path, "msi64"));
  return out;
}
