// A board file (docs/board-files.md) read into a BoardSpec: stand-alone, or `from` a built-in board, another board
// file or a device tree, with overrides. The whole spec is built and checked (down to booting it in memory) before
// anything uses it, so a bad file is one BoardFileError naming the file, the JSON path, what was expected and what was
// found, and never a half-built board.
import { readFileSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { BoardSpec, DeviceSpec, MemorySpec, SmmuSpec } from "../board-spec.ts";
import { BoardFileError, UnknownBoardError } from "../board-errors.ts";
import { DEVICE_MODELS } from "../../devices/registry.ts";
import { iommuKindOfProfile, SMMU_PROFILES } from "../../iommu/smmu-profile.ts";
import { bootState } from "../../state/board-state.ts";
import { StateDamagedError } from "../../state/state-errors.ts";
import { checkBoardState } from "../../state/state-shape.ts";
import { isModelledDriver, nativeDriverOf } from "../native-drivers.ts";
import { checkAmbaDevice } from "./amba-rules.ts";
import { readDeviceEntry, type DeviceFields } from "./device-entry.ts";
import { jsonErrorPosition } from "../../../json-file/json-position.ts";
import { readRegsEntry } from "./regs-entry.ts";
import { at, JsonReader, type Obj } from "./json-reader.ts";
import { KNOB_KEYS, MODEL_KNOBS } from "./model-knobs.ts";

/** The key that marks a JSON file as a vfio-plat board file, and the format version this reader knows. */
export const BOARD_FILE_FORMAT = "vfio-plat-board";
export const BOARD_FILE_VERSION = 1;

/** Top-level keys, in the order an exported file writes them. */
export const BOARD_KEYS = [BOARD_FILE_FORMAT, "$schema", "name", "description", "from", "iommu", "smmus", "pageSize", "memory", "iommufd", "cmdline", "devices"] as const;

/** A board file is small; anything far larger is not one. */
const MAX_BOARD_FILE_BYTES = 16 * 1024 * 1024;
const PAGE_SIZES = [4096, 16384, 65536] as const;
const BOARD_NAME = /^[A-Za-z0-9_.+-]{1,64}$/;

/** Resolves what `from` names (a built-in board, or a .dtb/.dts path: the dt builder) to a spec. */
export type BaseResolver = (board: string) => BoardSpec;

/**
 * Read board file `file` into a BoardSpec. `resolveBase` builds a `from` that is not a board file (boardSpecOf).
 * @throws BoardFileError for anything wrong with the file (unreadable, not JSON, a bad value: file, path, expected,
 *   found); errors of a `from` device tree come from its builder.
 */
export function loadBoardFile(file: string, resolveBase: BaseResolver, within: readonly string[] = []): BoardSpec {
  const r = new JsonReader(file);
  const top = r.obj(parseFile(file), "", "a board file: a JSON object");
  r.keys(top, "", BOARD_KEYS);
  if (top[BOARD_FILE_FORMAT] !== BOARD_FILE_VERSION) {
    r.fail(at("", BOARD_FILE_FORMAT), `${BOARD_FILE_VERSION} (this vfio-plat reads board files of format version ${BOARD_FILE_VERSION})`, top[BOARD_FILE_FORMAT]);
  }
  const dir = dirname(resolve(file));
  const base = top.from === undefined ? undefined : baseBoard(r, top.from, dir, resolveBase, [...within, resolve(file)]);
  const board: Obj = base ? (structuredClone(base) as unknown as Obj) : { cmdline: {}, description: "", devices: [] };

  // A board is named by its file unless it says otherwise (not by the board it starts from: it is another board).
  board.name = top.name !== undefined ? r.str(top.name, "name") : basename(file).replace(/\.json$/i, "");
  if (!BOARD_NAME.test(board.name as string)) r.fail("name", "a board name (letters, digits and _ . + -)", board.name);
  if (top.description !== undefined) board.description = r.str(top.description, "description");
  if (top.iommu !== undefined) Object.assign(board, readIommu(r, top.iommu));
  else if (!base) r.fail("iommu", 'the board\'s IOMMU: "none" or { "profile": ..., "name": ... }', undefined);
  if (top.smmus !== undefined) board.smmus = r.arr(top.smmus, "smmus").map((s, i) => readSmmu(r, s, at("smmus", i)));
  if (top.pageSize !== undefined) board.pageSize = r.oneOf(top.pageSize, "pageSize", PAGE_SIZES);
  else if (!base) board.pageSize = 4096;
  if (top.memory !== undefined) board.memory = readMemory(r, top.memory, board.pageSize as number);
  if (top.iommufd !== undefined) board.iommufd = r.bool(top.iommufd, "iommufd");
  if (top.cmdline !== undefined) board.cmdline = readCmdline(r, top.cmdline, (board.cmdline ?? {}) as Record<string, string>);
  const removed = new Map<string, string>();
  if (top.devices !== undefined) board.devices = readDevices(r, top.devices, (board.devices ?? []) as DeviceSpec[], dir, base !== undefined, removed);
  else if (!base) r.fail("devices", "the board's devices (a list)", undefined);
  const spec = board as unknown as BoardSpec;
  dropRemovedSmmus(r, spec, removed);
  checkWhole(r, spec, top.from !== undefined, removed);
  return spec;
}

/** The file's text parsed as JSON. @throws BoardFileError when it cannot be read or is not JSON. */
function parseFile(file: string): unknown {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new BoardFileError(file, "", "a board file", "a directory or special file");
    if (st.size > MAX_BOARD_FILE_BYTES) throw new BoardFileError(file, "", `a board file (at most ${MAX_BOARD_FILE_BYTES >> 20} MiB)`, `${st.size} bytes`);
    text = readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof BoardFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "an error";
    throw new BoardFileError(file, "", "a readable board file", code === "ENOENT" ? "no such file (ENOENT)" : `it cannot be read (${code})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BoardFileError(file, "", "JSON", `${text.trim() === "" ? "an empty file" : "text that is not JSON"} (${jsonWhere(text, e)})`);
  }
}

/** Where JSON.parse gave up, in words: the place (line and column) and the runtime's name for what it found there. */
function jsonWhere(text: string, e: unknown): string {
  const msg = (e as Error).message.replace(/^JSON Parse error: /, "");
  const place = jsonErrorPosition(text);
  return place ? `${place}: ${msg}` : msg;
}

/** The board `from` names: a built-in board, another board file, or a device tree. */
function baseBoard(r: JsonReader, from: unknown, dir: string, resolveBase: BaseResolver, within: string[]): BoardSpec {
  const name = r.str(from, "from", "a built-in board name or the path of a .json, .dtb or .dts file");
  const isPath = /\.(json|dtb|dts)$/i.test(name) || name.includes("/");
  const target = isPath ? resolve(dir, name) : name;
  if (/\.json$/i.test(name)) {
    if (within.includes(target)) r.fail("from", "a board file that does not start from itself", name);
    return loadBoardFile(target, resolveBase, within);
  }
  try {
    return resolveBase(target);
  } catch (e) {
    if (!(e instanceof UnknownBoardError)) throw e;
    r.fail("from", `a built-in board (${e.known.join(", ")}) or the path of a .json, .dtb or .dts file`, name);
  }
}

/** `"memory": { "base", "size", "hugePageSize"?, "hugePages"? }`: the board's RAM and huge page pool. */
function readMemory(r: JsonReader, v: unknown, pageSize: number): MemorySpec {
  const o = r.obj(v, "memory", 'the board\'s RAM: { "base": "0x...", "size": "0x...", "hugePageSize"?, "hugePages"? }');
  r.keys(o, "memory", ["base", "size", "hugePageSize", "hugePages"]);
  const base = r.big(o.base, "memory.base", (1n << 64n) - 1n);
  if (base % BigInt(pageSize) !== 0n) r.fail("memory.base", `an address aligned to the page size (0x${pageSize.toString(16)})`, o.base);
  const size = r.int(o.size, "memory.size", pageSize, Number.MAX_SAFE_INTEGER, `a RAM size of at least one page (0x${pageSize.toString(16)}) in bytes`);
  const mem: MemorySpec = { base, size };
  if (o.hugePageSize !== undefined) {
    const hps = r.int(o.hugePageSize, "memory.hugePageSize", pageSize, Number.MAX_SAFE_INTEGER);
    if (!Number.isInteger(Math.log2(hps)) || hps % pageSize !== 0) r.fail("memory.hugePageSize", "a power of two, a multiple of the page size", o.hugePageSize);
    mem.hugePageSize = hps;
  }
  if (o.hugePages !== undefined) mem.hugePages = r.int(o.hugePages, "memory.hugePages", 0, 1 << 24);
  return mem;
}

/** `"iommu": "none"` or an SMMU: `{ "profile", "name", "ias"?, "compatible"?, "coherentWalk"? }`. */
function readIommu(r: JsonReader, v: unknown): Partial<BoardSpec> {
  if (v === "none") return { iommu: "none", smmu: undefined };
  if (typeof v === "string") r.fail("iommu", '"none" or an SMMU { "profile": ..., "name": ... }', v);
  const smmu = readSmmu(r, v, "iommu");
  return { iommu: iommuKindOf(smmu), smmu };
}

/** BoardSpec.iommu for a board whose IOMMU is `smmu`: "arm-smmu" for the v1/v2 profiles, else "smmuv3". */
function iommuKindOf(smmu: SmmuSpec): BoardSpec["iommu"] {
  return iommuKindOfProfile(smmu.profile);
}

function readSmmu(r: JsonReader, v: unknown, path: string): SmmuSpec {
  const o = r.obj(v, path, '"none" or an SMMU { "profile": ..., "name": ... }');
  r.keys(o, path, ["profile", "name", "ias", "compatible", "coherentWalk"]);
  const smmu: SmmuSpec = {
    profile: r.oneOf(o.profile, at(path, "profile"), Object.keys(SMMU_PROFILES) as SmmuSpec["profile"][]),
    name: r.str(o.name, at(path, "name"), 'the SMMU\'s device name ("9050000.smmuv3")'),
  };
  if (o.ias !== undefined) smmu.ias = r.int(o.ias, at(path, "ias"), 32, 52);
  if (o.compatible !== undefined) smmu.compatible = r.arr(o.compatible, at(path, "compatible")).map((s, i) => r.str(s, at(at(path, "compatible"), i)));
  if (o.coherentWalk !== undefined) smmu.coherentWalk = r.bool(o.coherentWalk, at(path, "coherentWalk"));
  return smmu;
}

/** Kernel command line parameters: strings; on a board `from` another, null removes one. */
function readCmdline(r: JsonReader, v: unknown, base: Record<string, string>): Record<string, string> {
  const o = r.obj(v, "cmdline", 'module parameters { "module.param": "value" }');
  const out = { ...base };
  for (const [k, x] of Object.entries(o)) {
    const p = at("cmdline", k);
    if (!/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(k)) r.fail(p, 'a module parameter name ("module.param")', r.words(`key ${JSON.stringify(k)}`));
    if (x === null) delete out[k];
    else out[k] = r.str(x, p, "a string value, or null");
  }
  const limit = out["vfio_iommu_type1.dma_entry_limit"];
  if (limit !== undefined && !/^\d+$/.test(limit)) r.fail(at("cmdline", "vfio_iommu_type1.dma_entry_limit"), "a decimal count", limit);
  return out;
}

/** The fields a complete device must have. */
const REQUIRED: (keyof DeviceSpec)[] = ["bus", "compatible", "regions", "irqs", "model"];

/** Where each device's entry is in the file (for errors found once the board is whole). */
const entryOf = new WeakMap<DeviceSpec, string>();

/** `removed` gets each device the file removes, with the JSON path of its entry. */
function readDevices(r: JsonReader, v: unknown, base: DeviceSpec[], dir: string, overriding: boolean, removed: Map<string, string>): DeviceSpec[] {
  const devices = [...base];
  const seen = new Set<string>();
  r.arr(v, "devices").forEach((x, i) => {
    const path = at("devices", i);
    const e = r.obj(x, path, "a device entry");
    const f = readDeviceEntry(r, e, path);
    if (typeof f.name !== "string") r.fail(at(path, "name"), "the device's name", e.name);
    const name = f.name;
    if (seen.has(name)) r.fail(at(path, "name"), "a name no other entry of this file has", name);
    seen.add(name);
    const index = devices.findIndex((d) => d.name === name);
    if (e.remove !== undefined && r.bool(e.remove, at(path, "remove"))) {
      if (index < 0) r.fail(at(path, "name"), `a device of the board this file starts from (remove: true)`, name);
      if (Object.keys(e).length > 2) r.fail(path, "only name and remove in an entry that removes a device", r.words("other keys"));
      devices.splice(index, 1);
      removed.set(name, path);
      return;
    }
    const old = index >= 0 ? devices[index]! : undefined;
    const dev = merge(old, f);
    for (const k of REQUIRED) {
      if (dev[k] === undefined) r.fail(at(path, k), old || !overriding ? `the device's ${k} (every device has one)` : `the device's ${k} (no device "${name}" on the board this file starts from)`, undefined);
    }
    if (!Object.hasOwn(DEVICE_MODELS, dev.model)) r.fail(at(path, "model"), `a device model of this simulator (${Object.keys(DEVICE_MODELS).join(", ")})`, dev.model);
    checkAmbaDevice(r, dev, path);
    readKnobs(r, e, path, dev, old, dir);
    if (Object.hasOwn(e, "regs")) {
      if (e.regs === null) delete dev.regs;
      else dev.regs = readRegsEntry(r, e.regs, at(path, "regs"), dir, i);
    }
    entryOf.set(dev, path);
    if (old) devices[index] = dev;
    else devices.push(dev);
  });
  return devices;
}

/** The device `old` with the entry's fields applied (a field set to undefined is removed). */
function merge(old: DeviceSpec | undefined, f: DeviceFields): DeviceSpec {
  const dev: Record<string, unknown> = old ? { ...old } : {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) delete dev[k];
    else dev[k] = v;
  }
  return dev as unknown as DeviceSpec;
}

/** The entry's model knobs into dev.modelOptions: merged key by key over the old device's when the model is the same. */
function readKnobs(r: JsonReader, e: Obj, path: string, dev: DeviceSpec, old: DeviceSpec | undefined, dir: string): void {
  const knobs = MODEL_KNOBS[dev.model];
  const keep = old && old.model === dev.model ? (old.modelOptions ?? {}) : {};
  for (const k of new Set(KNOB_KEYS)) {
    if (e[k] !== undefined && k !== knobs?.fileKey) {
      r.fail(at(path, k), knobs ? `the knobs of model ${dev.model} under "${knobs.fileKey}"` : `no knobs (model ${dev.model} has none)`, r.words(`knobs for another model`));
    }
  }
  const given = knobs && e[knobs.fileKey] !== undefined ? knobs.read(r, e[knobs.fileKey], at(path, knobs.fileKey), dir) : {};
  const options = { ...keep, ...given };
  if (Object.keys(options).length) dev.modelOptions = options;
  else delete dev.modelOptions;
}

/**
 * An SMMU whose device the file removes is gone from the board: out of `smmus` (its masters are then refused by
 * checkWhole). The board-wide `smmu` cannot go that way: `"iommu": "none"` says so.
 */
function dropRemovedSmmus(r: JsonReader, spec: BoardSpec, removed: Map<string, string>): void {
  if (spec.smmus) spec.smmus = spec.smmus.filter((s) => !removed.has(s.name));
  const board = spec.smmus ? undefined : spec.smmu?.name;
  if (board !== undefined && removed.has(board)) {
    r.fail(at(removed.get(board)!, "remove"), `a device other than the board's IOMMU (set "iommu": "none" to take ${board} away)`, true);
  }
}

/** A `driver` must be the one the table of native drivers matches to the device's compatibles on its bus. */
function checkDriver(r: JsonReader, dev: DeviceSpec, path: string): void {
  if (dev.nativeDriver === undefined || dev.bus === "pci") return;
  const allowed = nativeDriverOf(dev.compatible, dev.bus);
  const where = `${dev.compatible.join(", ") || "no compatible"} on the ${dev.bus} bus`;
  if (allowed !== undefined && dev.nativeDriver !== allowed) r.fail(at(path, "driver"), `"${allowed}" (the driver that matches ${where}), or null`, dev.nativeDriver);
  // A driver the simulator does not model may be the user's own; one it models has a match table known here.
  if (allowed === undefined && isModelledDriver(dev.nativeDriver)) {
    r.fail(at(path, "driver"), `a driver that matches ${where} (${dev.nativeDriver} matches none of them), or null`, dev.nativeDriver);
  }
}

/** Checks that need the whole board: model knobs against the final device, drivers, IOMMU names, and a boot in memory. */
function checkWhole(r: JsonReader, spec: BoardSpec, hasBase: boolean, removed: Map<string, string>): void {
  if (spec.devices.length === 0) r.fail("devices", "at least one device", spec.devices);
  const smmuNames = new Set([...(spec.smmus ?? []).map((s) => s.name), ...(spec.smmu ? [spec.smmu.name] : [])]);
  for (const dev of spec.devices) {
    const path = entryOf.get(dev) ?? (hasBase ? "from" : "devices");
    if ((dev.bus === "pci") !== (dev.pci !== undefined)) {
      r.fail(at(path, "pci"), dev.bus === "pci" ? "the PCI function's identity (a device on bus pci has one)" : "no pci (only a device on bus pci has one)", dev.pci);
    }
    const knobs = MODEL_KNOBS[dev.model];
    if (knobs) knobs.check(r, dev, at(path, knobs.fileKey));
    checkDriver(r, dev, path);
    const gone = dev.iommu ? removed.get(dev.iommu.smmu) : undefined;
    if (gone !== undefined) {
      r.fail(at(gone, "remove"), `a device no other device sits behind (${dev.name}'s iommu names it: remove that device too, or set its iommu to null)`, true);
    }
    if (dev.iommu && !smmuNames.has(dev.iommu.smmu)) r.fail(at(at(path, "iommu"), "smmu"), `the name of one of the board's SMMUs (${[...smmuNames].join(", ") || "it has none"})`, dev.iommu.smmu);
  }
  // The simulator's own check of a booted board (what board.json must hold): anything it refuses is refused here.
  try {
    checkBoardState(structuredClone(bootState(spec)), r.file, dirname(r.file));
  } catch (e) {
    if (e instanceof StateDamagedError) r.fail("", "a board the simulator can boot", r.words(e.detail));
    throw e;
  }
}
