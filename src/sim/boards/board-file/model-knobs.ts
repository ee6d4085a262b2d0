// Each device model's knobs as a board file writes them: the key of a device entry that holds them ("pl330",
// "registers", ...), how they become the DeviceSpec's modelOptions, how they are checked against the finished device
// (through the model's own option checks, so the ranges live in one place), and how modelOptions are written back.
import { statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { DeviceSpec } from "../board-spec.ts";
import { genericMmioRegisters, GENERIC_REGISTER_KEYS } from "../../devices/generic-mmio.ts";
import { ModelOptionError } from "../../devices/model-option-error.ts";
import { PL330_OPTION_KEYS, pl330Config } from "../../devices/pl330/config.ts";
import { VIRTIO_OPTION_KEYS, virtioOptions } from "../../devices/virtio/blk-options.ts";
import { at, hexText, type JsonReader, type Obj } from "./json-reader.ts";

export interface ModelKnobs {
  /** The key of a device entry that holds this model's knobs. */
  fileKey: string;
  /** The file's value at `path` as modelOptions entries (`dir`: the board file's directory, for relative paths). */
  read(r: JsonReader, v: unknown, path: string, dir: string): Obj;
  /** Check the finished device's modelOptions; a refusal names `path` (the knobs' place in the file) and below. */
  check(r: JsonReader, device: DeviceSpec, path: string): void;
  /** modelOptions as the file writes them (undefined: nothing to write). */
  write(options: Obj): unknown;
  /** What the finished knobs change about the device itself (entry `e`); most models change nothing. */
  plugged?(dev: DeviceSpec, e: Obj): void;
}

/** Number-valued knobs may be written "0x..." in a file; the models read numbers. */
function numbersFromHex(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === "string" && /^0x[0-9a-f]+$/i.test(v) ? Number(BigInt(v)) : v;
  return out;
}

/** Knobs that are a flat object of known keys, checked by the model's own option reader. */
function flat(fileKey: string, keys: readonly string[], check: (options: Obj) => void): ModelKnobs {
  return {
    fileKey,
    read(r, v, path) {
      const o = r.obj(v, path, `an object of ${fileKey} knobs`);
      r.keys(o, path, keys);
      return numbersFromHex(o);
    },
    check(r, device, path) {
      const options = device.modelOptions ?? {};
      try {
        check(options);
      } catch (e) {
        if (e instanceof ModelOptionError) r.fail(at(path, e.key), e.expected, options[e.key]);
        throw e;
      }
    },
    write: (options) => (Object.keys(options).length ? options : undefined),
  };
}

const pl330: ModelKnobs = flat("pl330", PL330_OPTION_KEYS, (o) => void pl330Config(o));

const pl031: ModelKnobs = flat("pl031", ["rtcSeconds"], (o) => {
  const s = o["rtcSeconds"];
  if (s !== undefined && !Number.isSafeInteger(s)) throw new ModelOptionError("pl031", "rtcSeconds", "an integer (seconds)");
});

/** A virtio-mmio transport: its version, and a block device plugged in (`image` relative to the board file). */
const virtio: ModelKnobs = {
  ...flat("virtio", VIRTIO_OPTION_KEYS, (o) => void virtioOptions(o)),
  read(r, v, path, dir) {
    const o = r.obj(v, path, "an object of virtio knobs");
    r.keys(o, path, VIRTIO_OPTION_KEYS);
    const out = numbersFromHex(o);
    if (typeof o.image === "string" && o.image !== "") {
      const image = isAbsolute(o.image) ? o.image : resolve(dir, o.image);
      // Checked now, as QEMU checks its -drive at start: a board whose disk image is missing is no board.
      if (!isFile(image)) r.fail(at(path, "image"), "a raw disk image file (relative to the board file)", r.words(`${JSON.stringify(o.image)}, which is no file`));
      out.image = image;
    }
    return out;
  },
  // A transport with a device behind it is no empty transport: virtio-mmio's probe succeeds (unless the entry says).
  plugged(dev, e) {
    if (dev.modelOptions?.["device"] !== undefined && e.probeError === undefined && dev.nativeProbeError === "ENODEV") {
      delete dev.nativeProbeError;
    }
  },
};

const edu: ModelKnobs = {
  ...flat("edu", ["dmaMask"], (o) => {
    const m = o["dmaMask"];
    if (m !== undefined && !(typeof m === "string" && /^0x[0-9a-f]+$/i.test(m))) throw new ModelOptionError("edu", "dmaMask", 'a "0x..." mask');
  }),
  // The edu model takes its mask as hex text (64 bits do not fit a number): keep it as written.
  read(r, v, path) {
    const o = r.obj(v, path, "an object of edu knobs");
    r.keys(o, path, ["dmaMask"]);
    return o.dmaMask === undefined ? {} : { dmaMask: hexText(r.big(o.dmaMask, at(path, "dmaMask"), (1n << 64n) - 1n)) };
  },
};

const pl011: ModelKnobs = flat("pl011", [], () => {});

/** The generic model's registers: offsets and reset values in hex in the file, numbers and hex text in modelOptions. */
const generic: ModelKnobs = {
  fileKey: "registers",
  read(r, v, path) {
    const list = r.arr(v, path).map((x, i) => {
      const p = at(path, i);
      const o = r.obj(x, p, "a register ({ offset, bits, reset, access, name })");
      r.keys(o, p, GENERIC_REGISTER_KEYS);
      const out: Obj = { ...o };
      if (o.offset !== undefined) out.offset = r.int(o.offset, at(p, "offset"), 0, 2 ** 48);
      if (o.reset !== undefined) out.reset = hexText(r.big(o.reset, at(p, "reset"), (1n << 64n) - 1n));
      return out;
    });
    return { registers: list };
  },
  check(r, device, path) {
    try {
      genericMmioRegisters(device.modelOptions, device.regions.map((g) => g.size));
    } catch (e) {
      if (!(e instanceof ModelOptionError)) throw e;
      // e.key is "registers[2].offset": the file's path is the device's, then the same steps.
      const m = /^registers\[(\d+)\]\.?(\w*)$/.exec(e.key);
      const regs = (device.modelOptions?.["registers"] ?? []) as Obj[];
      const reg = m ? regs[Number(m[1])] : undefined;
      const value = m && m[2] ? reg?.[m[2]] : reg;
      // Offsets are numbers by now; the file most likely wrote them in hex.
      const found = m?.[2] === "offset" && typeof value === "number" ? hexText(value) : value;
      r.fail(m ? `${at(path, Number(m[1]))}${m[2] ? `.${m[2]}` : ""}` : path, e.expected, found);
    }
  },
  write(options) {
    const regs = options["registers"];
    if (!Array.isArray(regs) || regs.length === 0) return undefined;
    return regs.map((x: Obj) => ({ ...x, ...(typeof x.offset === "number" ? { offset: hexText(x.offset) } : {}) }));
  },
};

/**
 * A user's own model (DeviceSpec.model "module"): `{ "path": "./my-model.ts", ...options }`; the path is made absolute
 * against the board file's directory, the other keys are the model's own options.
 */
const userModule: ModelKnobs = {
  fileKey: "module",
  read(r, v, path, dir) {
    const o = r.obj(v, path, 'an object { "path": "<.ts or .js file>", ... }');
    const file = r.str(o.path, at(path, "path"), "the path of the model's .ts or .js file");
    const module = isAbsolute(file) ? file : resolve(dir, file);
    // Checked now, not at the board's first open: a board naming a model it cannot load is no board.
    if (!isFile(module)) r.fail(at(path, "path"), "the path of the model's .ts or .js file (relative to the board file)", r.words(`${JSON.stringify(file)}, which is no file`));
    const { path: _p, ...rest } = o;
    return { ...rest, module };
  },
  check(r, device, path) {
    const file = device.modelOptions?.["module"];
    if (typeof file !== "string" || !/\.(ts|js|mjs)$/.test(file)) r.fail(at(path, "path"), "the path of the model's .ts or .js file", file);
  },
  write(options) {
    const { module, ...rest } = options;
    return { path: module, ...rest };
  },
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Knobs by model key (DeviceSpec.model). */
export const MODEL_KNOBS: Record<string, ModelKnobs> = {
  pl330,
  pl031,
  pl011,
  "virtio-mmio": virtio,
  edu,
  "generic-mmio": generic,
  module: userModule,
};

/** Every device-entry key that holds some model's knobs. */
export const KNOB_KEYS = Object.values(MODEL_KNOBS).map((k) => k.fileKey);
