// board.json checked once, when its text is parsed: another process, a crash or a person may have left it empty, cut
// short, of another version or of the wrong shape, and every part of the simulator trusts its types after this. A
// damaged file is a StateDamagedError naming the file and the first thing wrong, never a JavaScript error later on.
// Device models' saved registers are checked by each model's restore() when the device is opened (see sim-boundary).
import { DEVICE_MODELS } from "../devices/registry.ts";
import { isModelModulePath } from "../devices/user-model-loader.ts";
import { SMMU_PROFILES } from "../iommu/smmu-profile.ts";
import type { BoardState } from "./board-state.ts";
import { StateDamagedError } from "./state-errors.ts";

type Obj = Record<string, unknown>;

/** A key or value from the file as it may be shown in a message: quoted, control characters escaped, shortened. */
/** A kernel driver name: what sysfs shows under /sys/bus/<bus>/drivers/. */
const DRIVER_NAME = /^[A-Za-z0-9_.:+-]{1,64}$/;

function shown(v: unknown): string {
  const s = typeof v === "string" ? v : String(v);
  const q = JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
  // JSON.stringify leaves U+2028/2029 and DEL as they are; a terminal must not get them raw either.
  return q.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "bigint") return "a big integer";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Collects the first problem as it walks the parsed file. */
class Checker {
  constructor(
    private readonly file: string,
    private readonly dir: string,
  ) {}

  fail(detail: string, problem: "shape" | "version" | "not-object" = "shape"): never {
    throw new StateDamagedError(this.file, problem, detail, this.dir);
  }

  obj(v: unknown, where: string): Obj {
    if (!isObj(v)) this.fail(`${where} is ${v === undefined ? "missing" : kind(v)}, expected an object`);
    return v;
  }
  arr(v: unknown, where: string): unknown[] {
    if (!Array.isArray(v)) this.fail(`${where} is ${v === undefined ? "missing" : kind(v)}, expected a list`);
    return v;
  }
  str(v: unknown, where: string, optional = false): void {
    if (optional && v === undefined) return;
    if (typeof v !== "string") this.fail(`${where} is ${v === undefined ? "missing" : kind(v)}, expected a string`);
  }
  /** A non-negative integer no larger than `max`. */
  int(v: unknown, where: string, max = Number.MAX_SAFE_INTEGER, optional = false): void {
    if (optional && v === undefined) return;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
      this.fail(`${where} is ${typeof v === "number" ? String(v) : v === undefined ? "missing" : kind(v)}, expected an integer 0..${max}`);
    }
  }
  oneOf(v: unknown, where: string, allowed: readonly unknown[]): void {
    if (!allowed.includes(v)) this.fail(`${where} is ${typeof v === "string" ? shown(v) : kind(v)}, expected one of ${allowed.join(", ")}`);
  }
  strings(v: unknown, where: string): void {
    const o = this.obj(v, where);
    for (const [k, x] of Object.entries(o)) this.str(x, `${where}[${shown(k)}]`);
  }
}

const BUSES = ["platform", "amba", "pci"] as const;
const PAGE_SIZES = [4096, 16384, 65536] as const;
const U32 = 0xffff_ffff;

/** The board description: enough of its shape that the simulator can build sysfs and the VFIO files from it. */
function checkBoard(c: Checker, v: unknown): Set<string> {
  const board = c.obj(v, "board");
  c.str(board.name, "board.name");
  c.oneOf(board.iommu, "board.iommu", ["smmuv3", "arm-smmu", "none"]);
  const smmus = checkSmmus(c, board);
  c.oneOf(board.pageSize, "board.pageSize", PAGE_SIZES);
  c.strings(board.cmdline, "board.cmdline");
  if (board.smmus !== undefined) {
    c.arr(board.smmus, "board.smmus").forEach((m, i) => {
      const smmu = c.obj(m, `board.smmus[${i}]`);
      c.str(smmu.name, `board.smmus[${i}].name`);
      c.str(smmu.profile, `board.smmus[${i}].profile`);
      if (smmu.compatible !== undefined) c.arr(smmu.compatible, `board.smmus[${i}].compatible`).forEach((s, j) => c.str(s, `board.smmus[${i}].compatible[${j}]`));
      if (smmu.coherentWalk !== undefined && typeof smmu.coherentWalk !== "boolean") c.fail(`board.smmus[${i}].coherentWalk is ${kind(smmu.coherentWalk)}, expected true or false`);
    });
  }
  if (board.memory !== undefined) {
    const mem = c.obj(board.memory, "board.memory");
    if (typeof mem.base !== "bigint" || mem.base < 0n || mem.base >= 1n << 64n) c.fail(`board.memory.base is ${kind(mem.base)}, expected a 64-bit address`);
    c.int(mem.size, "board.memory.size");
    if ((mem.size as number) === 0) c.fail("board.memory.size is 0, expected the RAM size in bytes");
    c.int(mem.hugePageSize, "board.memory.hugePageSize", Number.MAX_SAFE_INTEGER, true);
    if (mem.hugePageSize === 0) c.fail("board.memory.hugePageSize is 0, expected a huge page size in bytes");
    c.int(mem.hugePages, "board.memory.hugePages", Number.MAX_SAFE_INTEGER, true);
  }
  const devices = c.arr(board.devices, "board.devices");
  if (devices.length === 0) c.fail("board.devices is empty (a board always has devices)");
  const names = new Set<string>();
  devices.forEach((d, i) => {
    const where = `board.devices[${i}]`;
    const dev = c.obj(d, where);
    c.str(dev.name, `${where}.name`);
    const name = dev.name as string;
    if (name === "" || names.has(name)) c.fail(`${where}.name ${shown(name)} is ${name === "" ? "empty" : "a duplicate"}`);
    names.add(name);
    const at = `device ${shown(name)}`;
    c.oneOf(dev.bus, `${at}: bus`, BUSES);
    c.str(dev.model, `${at}: model`);
    if (!Object.hasOwn(DEVICE_MODELS, dev.model as string)) {
      c.fail(`${at} has model ${shown(dev.model)}, which this simulator does not know (known: ${Object.keys(DEVICE_MODELS).join(", ")})`);
    }
    if (dev.modelOptions !== undefined) c.obj(dev.modelOptions, `${at}: modelOptions`);
    // A user's model is named by its file; the file itself is checked when the device is opened (its load error).
    if (dev.model === "module" && !isModelModulePath((dev.modelOptions as Obj | undefined)?.module)) {
      c.fail(`${at}: modelOptions.module is ${shown((dev.modelOptions as Obj | undefined)?.module)}, expected the absolute path of a .ts or .js module`);
    }
    if (dev.model === "module" && dev.bus === "pci") c.fail(`${at}: a user's model (model "module") sits on the platform or amba bus, not pci`);
    if (dev.regs !== undefined && (typeof dev.regs !== "string" || !dev.regs.startsWith("/"))) c.fail(`${at}: regs is ${shown(dev.regs)}, expected the absolute path of a register map`);
    c.arr(dev.compatible, `${at}: compatible`).forEach((s, j) => c.str(s, `${at}: compatible[${j}]`));
    c.arr(dev.regions, `${at}: regions`).forEach((r, j) => {
      const region = c.obj(r, `${at}: regions[${j}]`);
      if (typeof region.base !== "bigint" || region.base < 0n || region.base >= 1n << 64n) {
        c.fail(`${at}: regions[${j}].base is ${kind(region.base)}, expected a 64-bit address`);
      }
      c.int(region.size, `${at}: regions[${j}].size`);
    });
    c.arr(dev.irqs, `${at}: irqs`).forEach((q, j) => {
      const irq = c.obj(q, `${at}: irqs[${j}]`);
      c.oneOf(irq.trigger, `${at}: irqs[${j}].trigger`, ["edge", "level"]);
      c.int(irq.hwirq, `${at}: irqs[${j}].hwirq`, U32);
    });
    c.int(dev.iommuGroup, `${at}: iommuGroup`, U32, true);
    if (dev.iommu !== undefined) {
      const iommu = c.obj(dev.iommu, `${at}: iommu`);
      c.str(iommu.smmu, `${at}: iommu.smmu`);
      c.arr(iommu.streamIds, `${at}: iommu.streamIds`).forEach((id, j) => c.int(id, `${at}: iommu.streamIds[${j}]`, U32));
      if (!smmus.has(iommu.smmu as string)) c.fail(`${at}: iommu.smmu is ${shown(iommu.smmu)}, expected one of board.smmus (${[...smmus].map(shown).join(", ") || "none"})`);
      const ids = c.arr(iommu.streamIds, `${at}: iommu.streamIds`);
      if (ids.length === 0) c.fail(`${at}: iommu.streamIds is empty, expected one or more stream IDs`);
      ids.forEach((x, j) => c.int(x, `${at}: iommu.streamIds[${j}]`, 0xffff));
    }
    c.str(dev.nativeDriver, `${at}: nativeDriver`, true);
    if (dev.bus === "pci") c.obj(dev.pci, `${at}: pci`);
    if (dev.iommu !== undefined) {
      const iommu = c.obj(dev.iommu, `${at}: iommu`);
      c.str(iommu.smmu, `${at}: iommu.smmu`);
      c.arr(iommu.streamIds, `${at}: iommu.streamIds`).forEach((id, j) => c.int(id, `${at}: iommu.streamIds[${j}]`, U32));
    }
  });
  if (board.smmus !== undefined) {
    c.arr(board.smmus, "board.smmus").forEach((s, i) => {
      const smmu = c.obj(s, `board.smmus[${i}]`);
      c.str(smmu.profile, `board.smmus[${i}].profile`);
      c.str(smmu.name, `board.smmus[${i}].name`);
    });
  }
  return names;
}

/** The board's SMMU (`smmu`) and SMMUs (`smmus`): a known profile and a name each; returns the names of `smmus`. */
function checkSmmus(c: Checker, board: Obj): Set<string> {
  const one = (v: unknown, where: string): string => {
    const s = c.obj(v, where);
    c.oneOf(s.profile, `${where}.profile`, Object.keys(SMMU_PROFILES));
    c.str(s.name, `${where}.name`);
    c.int(s.ias, `${where}.ias`, 64, true);
    if (s.coherentWalk !== undefined && typeof s.coherentWalk !== "boolean") c.fail(`${where}.coherentWalk is ${kind(s.coherentWalk)}, expected true or false`);
    if (s.compatible !== undefined) c.arr(s.compatible, `${where}.compatible`).forEach((x, j) => c.str(x, `${where}.compatible[${j}]`));
    return s.name as string;
  };
  if (board.smmu !== undefined) one(board.smmu, "board.smmu");
  const names = new Set<string>();
  if (board.smmus !== undefined) c.arr(board.smmus, "board.smmus").forEach((v, i) => names.add(one(v, `board.smmus[${i}]`)));
  return names;
}

/** A /dev/kmsg record as the simulated kernel writes it (see printk in board-state.ts). */
const KMSG_RECORD = /^\d{1,3},\d{1,16},\d{1,20},[^;]*;/;

/** Module parameters whose values the simulated kernel reads, with the form sysfs gives them. */
const PARAM_FORMS: Record<string, { re: RegExp; what: string }> = {
  "vfio.enable_unsafe_noiommu_mode": { re: /^[YN]$/, what: "Y or N" },
  "vfio_platform.reset_required": { re: /^[YN]$/, what: "Y or N" },
  "vfio_iommu_type1.allow_unsafe_interrupts": { re: /^[YN]$/, what: "Y or N" },
  "vfio_iommu_type1.dma_entry_limit": { re: /^\d+$/, what: "a decimal count" },
  "vm.nr_hugepages": { re: /^\d+$/, what: "a decimal count" },
  "kernel.tainted": { re: /^\d+$/, what: "a decimal taint mask" },
};

/** Module parameters: strings, and the ones the kernel model reads in their sysfs form. */
function checkParams(c: Checker, v: unknown): void {
  const params = c.obj(v, "params");
  for (const [k, x] of Object.entries(params)) {
    const where = `params[${shown(k)}]`;
    c.str(x, where);
    const form = Object.hasOwn(PARAM_FORMS, k) ? PARAM_FORMS[k] : undefined;
    if (form && !form.re.test(x as string)) c.fail(`${where} is ${shown(x)}, expected ${form.what}`);
  }
}

/** The per-device driver-core table: one entry per board device, each field of its type. */
function checkDevices(c: Checker, v: unknown, names: Set<string>): void {
  const devices = c.obj(v, "devices");
  const keys = Object.keys(devices);
  if (keys.length === 0) c.fail("the device table (devices) is empty: the board's devices are lost");
  for (const k of keys) if (!names.has(k)) c.fail(`the device table names ${shown(k)}, which the board does not have`);
  const indexes = new Map<number, string>();
  for (const name of names) {
    const at = `devices[${shown(name)}]`;
    const d = c.obj(devices[name], at);
    c.str(d.driver, `${at}.driver`, true);
    c.str(d.override, `${at}.override`, true);
    // Driver names as sysfs has them (what list and doctor print): anything else is damage, not a driver.
    for (const key of ["driver", "override"] as const) {
      const v = d[key];
      if (typeof v === "string" && !DRIVER_NAME.test(v)) c.fail(`${at}.${key} is ${shown(v)}, not a driver name`);
    }
    c.int(d.noiommuGroup, `${at}.noiommuGroup`, U32, true);
    c.int(d.vfioIndex, `${at}.vfioIndex`, U32, true);
    // One /dev/vfio/devices/vfioN per device, as the kernel's IDA hands them out.
    const other = typeof d.vfioIndex === "number" ? indexes.get(d.vfioIndex) : undefined;
    if (other !== undefined) c.fail(`${at}.vfioIndex ${d.vfioIndex} is also that of ${shown(other)}`);
    if (typeof d.vfioIndex === "number") indexes.set(d.vfioIndex, name);
    if (d.iommuProbed !== undefined && typeof d.iommuProbed !== "boolean") c.fail(`${at}.iommuProbed is ${kind(d.iommuProbed)}, expected true or false`);
  }
}

/**
 * Check a parsed board.json and return it typed. Throws StateDamagedError (problem "not-object", "version" or "shape",
 * with the first thing found wrong) when it is not a board state this simulator can use.
 */
export function checkBoardState(parsed: unknown, file: string, dir: string): BoardState {
  const c: Checker = new Checker(file, dir);
  if (!isObj(parsed)) c.fail(`holds ${kind(parsed)}, not a board state object`, "not-object");
  const value: Obj = parsed;
  if (value.version !== 1) {
    c.fail(`has format version ${typeof value.version === "number" ? value.version : kind(value.version)}; this vfio-plat reads version 1`, "version");
  }
  const names = checkBoard(c, value.board);
  checkParams(c, value.params);
  checkDevices(c, value.devices, names);
  for (const [k, m] of Object.entries(c.obj(value.models, "models"))) {
    if (!names.has(k)) c.fail(`models names ${shown(k)}, which the board does not have`);
    c.obj(m, `models[${shown(k)}]`);
  }
  for (const [k, o] of Object.entries(c.obj(value.nodeOwners, "nodeOwners"))) {
    const owner = c.obj(o, `nodeOwners[${shown(k)}]`);
    c.int(owner.uid, `nodeOwners[${shown(k)}].uid`, U32);
    c.int(owner.gid, `nodeOwners[${shown(k)}].gid`, U32);
    c.int(owner.mode, `nodeOwners[${shown(k)}].mode`, 0o7777, true);
  }
  if (typeof value.bootedAtMs !== "number" || !Number.isFinite(value.bootedAtMs)) c.fail(`bootedAtMs is ${kind(value.bootedAtMs)}, expected a time`);
  c.arr(value.kmsg, "kmsg").forEach((l, i) => {
    c.str(l, `kmsg[${i}]`);
    if (!KMSG_RECORD.test(l as string)) c.fail(`kmsg[${i}] is ${shown(l)}, not a kernel log record ("prio,seq,usec,flags;message")`);
  });
  c.int(value.kmsgSeq, "kmsgSeq");
  return value as unknown as BoardState;
}
