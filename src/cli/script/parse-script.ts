// The `run` script language: one step per line, the same verbs as the CLI, so work that must happen in ONE open
// session (the kernel may reset a device on first open and last close) can be written down and replayed. Parsing is
// separate from running so a script is checked completely before the device is touched (line by line here, then as a
// whole in check-script.ts). The `dma` verbs give any
// device DMA buffers without a device-specific command: map memory through the container (its IOVA becomes $NAME),
// fill it, let the device work, check it.
import { DEFAULT_POLL_INTERVAL_MS, DEFAULT_POLL_MS } from "../poll-defaults.ts";
import { InvalidArgumentError } from "../../vfio/errors.ts";
import { UsageError } from "../usage-error.ts";
import type { Access, Width } from "../parse/access.ts";
import { parseCount, parseNumber, parseSize, parseU32 } from "../parse/numbers.ts";
import { parsePeriod } from "../parse/periods.ts";
import { checkFits, parseMask, parseWriteValue } from "../parse/value.ts";
import { parseAddress, type Target } from "../named-address.ts";
import type { PhysicalAccess } from "../parse/physical.ts";

/** Byte patterns for `dma fill` and `dma expect`. */
export type DmaPattern =
  | { kind: "incrementing" }
  | { kind: "zeros" }
  | { kind: "ones" }
  | { kind: "byte"; value: number }
  | { kind: "random"; seed: number }
  | { kind: "bytes"; bytes: number[] };

/** Who may do what with a mapped buffer: the device reads it, writes it, or both. */
type DmaPerm = "read" | "write" | "rw";

/** A value written by the script: a literal, or a variable captured by `read ... as NAME` plus an offset. */
export type ValueExpr = { literal: bigint } | { variable: string; add: bigint; /** as written: "$x+0x10" */ text: string };

/**
 * A register step's address: `access` as parsed for an offset; for a register NAME, `name` and (until the device's map
 * resolves it, script/resolve-names.ts) a placeholder access, then `target` with the register's own access.
 */
interface Addressed {
  access: Access;
  name?: string;
  target?: Target;
  /** A physical address (`@0x...`), until the open device resolves it (script/resolve-physical.ts). */
  phys?: PhysicalAccess;
}

/** A value step on a name keeps the text until the map gives the width (or the field) it is checked against. */
interface Valued {
  value: ValueExpr;
  mask?: bigint;
  valueText?: string;
}

export type Step =
  | ({ op: "read"; count?: number; as?: string } & Addressed)
  | ({ op: "write" } & Addressed & Valued)
  | ({ op: "expect" } & Addressed & Valued)
  | ({ op: "poll"; timeoutMs: number; intervalMs: number } & Addressed & Valued)
  | { op: "irq"; action: IrqAction; index: number; timeoutMs?: number }
  /** `irq unmask-fd|mask-fd INDEX [off]`: install (or with `off` remove) an eventfd the kernel unmasks/masks on. */
  | { op: "irq-virqfd"; action: "mask" | "unmask"; index: number; off: boolean }
  /** `irq signal-unmask|signal-mask INDEX`: signal that eventfd (write 1 to it). */
  | { op: "irq-signal"; action: "mask" | "unmask"; index: number }
  | { op: "sleep"; ms: number }
  | { op: "reset" }
  | { op: "dma-map"; name: string; size: number; perm: DmaPerm; iova?: bigint }
  | { op: "dma-fill"; name: string; pattern: DmaPattern }
  | { op: "dma-expect"; name: string; pattern: DmaPattern; offset?: number; length?: number }
  | { op: "dma-unmap"; name: string };

/** The `irq` steps that are one SET_IRQS or a wait: `irq ACTION INDEX [PERIOD]`. */
export type IrqAction = "arm" | "wait" | "unmask" | "mask" | "trigger" | "disarm" | "expect-none";

export interface ScriptLine {
  line: number;
  text: string;
  step: Step;
}


/** An address: an offset access, or a name with a placeholder access until the map resolves it. */
function parseScriptAddress(text: string): Addressed {
  const ref = parseAddress(text);
  if ("access" in ref) return { access: ref.access };
  if ("phys" in ref) return { access: { offset: 0n, width: ref.phys.width, widthFrom: ref.phys.widthFrom }, phys: ref.phys };
  return { access: { offset: 0n, width: 4, widthFrom: "default" }, name: ref.name };
}

/** An address and VALUE[:MASK]: a name's value is parsed once its register (or field) is known. */
function parseAddressValue(addr: string, valueText: string): Addressed & Valued {
  const a = parseScriptAddress(addr);
  // A variable is known now (the flow check looks for it); its sum is checked against the register at resolve time.
  if (a.name !== undefined) return { ...a, value: valueText.startsWith("$") ? parseValueMask(valueText, 8).value : { literal: 0n }, valueText };
  return { ...a, ...parseValueMask(valueText, a.access.width) };
}

/** Default wait for `irq wait` without a timeout: a script must never hang forever. */
export const DEFAULT_IRQ_WAIT_MS = 10_000;

/**
 * Parse a script's `VALUE[:MASK]` for an access of `width` bytes. A literal goes through the `write` command's own
 * parser (fits the width, no zero mask, no value bits outside the mask); `$NAME[+|-N][:MASK]` checks what it can now
 * (the mask, and an N that alone cannot fit) and leaves the sum to run time, when the variable is known.
 */
export function parseValueMask(text: string, width: Width): { value: ValueExpr; mask?: bigint } {
  if (!text.startsWith("$")) {
    const { value, mask } = parseWriteValue(text, width);
    return mask === undefined ? { value: { literal: value } } : { value: { literal: value }, mask };
  }
  const colon = text.indexOf(":");
  const expr = colon < 0 ? text : text.slice(0, colon);
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)(?:([+-])(.+))?$/.exec(expr);
  if (!m) throw new UsageError(`invalid value '${expr}'`, "a variable is $NAME, $NAME+N or $NAME-N (NAME from read ... as NAME or dma map NAME)");
  // An N wider than the access cannot give a value that fits, whatever the variable holds.
  const delta = m[3] === undefined ? 0n : checkFits(parseNumber(m[3], "added value"), width, "added value", m[3]);
  const value: ValueExpr = { variable: m[1]!, add: m[2] === "-" ? -delta : delta, text: expr };
  return colon < 0 ? { value } : { value, mask: parseMask(text.slice(colon + 1), width) };
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DMA_USAGE = "dma map NAME SIZE [read|write|rw] [at IOVA] | dma fill NAME PATTERN | dma expect NAME PATTERN [OFFSET LENGTH] | dma unmap NAME";
const PATTERN_FORMS = "incrementing, zeros, ones, random:SEED, a byte 0xNN or bytes repeated in order, bytes:36,00 (hex)";

/** Largest buffer `dma map` takes: enough for any register-programmed test transfer, small enough to never surprise. */
const DMA_MAP_MAX = 1 << 30;

/** Parse a byte pattern: incrementing | zeros | ones | random:SEED | 0xNN | bytes:HH,HH,... (1 to 64). @throws UsageError */
export function parsePattern(text: string): DmaPattern {
  if (text === "incrementing" || text === "zeros" || text === "ones") return { kind: text };
  const r = /^random:(.+)$/.exec(text);
  if (r) return { kind: "random", seed: parseU32(r[1]!, "random seed") };
  if (/^0x[0-9a-f]{1,2}$/i.test(text)) return { kind: "byte", value: parseInt(text.slice(2), 16) };
  const b = /^bytes:([0-9a-f]{1,2}(?:,[0-9a-f]{1,2}){0,63})$/i.exec(text);
  if (b) return { kind: "bytes", bytes: b[1]!.split(",").map((x) => parseInt(x, 16)) };
  throw new UsageError(`unknown pattern '${text}'`, `a pattern is ${PATTERN_FORMS}`);
}

function dmaName(text: string | undefined): string {
  if (!text || !NAME_RE.test(text)) throw new UsageError(`dma needs a buffer name, got '${text ?? ""}'`, DMA_USAGE);
  return text;
}

function parseDma(rest: string[]): Step {
  const [sub, ...args] = rest;
  switch (sub) {
    case "map": {
      const name = dmaName(args[0]);
      if (args[1] === undefined) throw new UsageError("dma map needs a size", DMA_USAGE);
      const size = Number(parseSize(args[1], "size", { min: 1n, max: BigInt(DMA_MAP_MAX) }));
      let i = 2;
      let perm: DmaPerm = "rw";
      if (args[i] === "read" || args[i] === "write" || args[i] === "rw") perm = args[i++] as DmaPerm;
      let iova: bigint | undefined;
      if (args[i] === "at") {
        if (args[i + 1] === undefined) throw new UsageError("dma map ... at needs an IOVA", DMA_USAGE);
        iova = parseNumber(args[i + 1]!, "IOVA");
        i += 2;
      }
      if (i !== args.length) throw new UsageError(`unexpected '${args[i]}'`, DMA_USAGE);
      return { op: "dma-map", name, size, perm, ...(iova !== undefined ? { iova } : {}) };
    }
    case "fill": {
      if (args.length !== 2) throw new UsageError("dma fill needs a name and a pattern", DMA_USAGE);
      return { op: "dma-fill", name: dmaName(args[0]), pattern: parsePattern(args[1]!) };
    }
    case "expect": {
      if (args.length !== 2 && args.length !== 4) throw new UsageError("dma expect needs a name, a pattern and optionally OFFSET LENGTH", DMA_USAGE);
      const step: Step = { op: "dma-expect", name: dmaName(args[0]), pattern: parsePattern(args[1]!) };
      if (args.length === 4) {
        step.offset = Number(parseSize(args[2]!, "offset", { max: BigInt(DMA_MAP_MAX) }));
        step.length = Number(parseSize(args[3]!, "length", { min: 1n, max: BigInt(DMA_MAP_MAX) }));
      }
      return step;
    }
    case "unmap":
      if (args.length !== 1) throw new UsageError("dma unmap needs a name", DMA_USAGE);
      return { op: "dma-unmap", name: dmaName(args[0]) };
    default:
      throw new UsageError(`unknown dma action '${sub ?? ""}'`, DMA_USAGE);
  }
}

export const IRQ_ACTIONS: readonly IrqAction[] = ["arm", "wait", "unmask", "mask", "trigger", "disarm", "expect-none"];
const IRQ_USAGE =
  "irq arm|wait|unmask|mask|trigger|disarm INDEX, irq wait|expect-none INDEX PERIOD, irq unmask-fd|mask-fd INDEX [off], " +
  "irq signal-unmask|signal-mask INDEX";

function parseIrq(rest: string[]): Step {
  const action = rest[0] ?? "";
  const fdAction = /^(un)?mask-fd$/.exec(action);
  const signal = /^signal-(un)?mask$/.exec(action);
  if (!fdAction && !signal && !IRQ_ACTIONS.includes(action as IrqAction)) throw new UsageError(`unknown irq action '${action}'`, IRQ_USAGE);
  const index = rest[1] === undefined ? 0 : parseU32(rest[1], "interrupt index");
  if (fdAction || signal) {
    const which = (fdAction ?? signal)![1] ? "unmask" : "mask";
    const extra = fdAction && rest[2] === "off" ? 3 : 2;
    if (rest.length > extra) {
      throw new UsageError(`unexpected '${rest[extra]}'`, fdAction ? `irq ${action} INDEX, or irq ${action} INDEX off to remove it` : `irq ${action} INDEX`);
    }
    return fdAction ? { op: "irq-virqfd", action: which, index, off: extra === 3 } : { op: "irq-signal", action: which, index };
  }
  const step: Step = { op: "irq", action: action as IrqAction, index };
  if (rest[2] !== undefined) {
    if (action !== "wait" && action !== "expect-none") throw new UsageError(`irq ${action} takes no timeout`);
    step.timeoutMs = parsePeriod(rest[2], action === "wait" ? "timeout" : "period");
  }
  if (rest.length > 3) throw new UsageError(`unexpected '${rest[3]}'`);
  return step;
}

/**
 * `write ADDR V1 V2 ...`: one write step per value, at consecutive offsets of the access width (as that many write
 * lines would be). A register name takes one value, and a mask belongs to one register.
 * @throws UsageError
 */
function parseWriteRow(addr: string, values: readonly string[]): Step[] {
  const a = parseScriptAddress(addr);
  if (a.name !== undefined) {
    throw new UsageError(`${a.name} names one register, so ${values.length} values make no sense after it`, "give one value, or an offset to write consecutive registers: write 0:0x10 1 2 3");
  }
  return values.map((text, i) => {
    const v = parseValueMask(text, a.access.width);
    if (v.mask !== undefined) throw new UsageError(`'${text}': VALUE:MASK changes one register, not a row of them`, "write masked registers on lines of their own");
    const step = BigInt(i * a.access.width);
    // A physical address moves with the row too: each value resolves on its own (resolve-physical.ts).
    const phys = a.phys === undefined ? {} : { phys: { ...a.phys, address: a.phys.address + step } };
    return { op: "write", access: { ...a.access, offset: a.access.offset + step }, ...phys, value: v.value };
  });
}

function parseStep(words: string[]): Step | Step[] {
  const [verb, ...rest] = words;
  switch (verb) {
    case "read": {
      if (rest.length < 1) throw new UsageError("read needs an address", "read [REGION:]OFFSET[.w]|REG[.FIELD] [COUNT] [as NAME]");
      const addressed = parseScriptAddress(rest[0]!);
      let i = 1;
      let count: number | undefined;
      if (rest[i] !== undefined && rest[i] !== "as") count = parseCount(rest[i++]!, "count", { min: 1n, max: 1n << 20n });
      let as: string | undefined;
      if (rest[i] === "as") {
        as = rest[i + 1];
        if (!as || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(as)) throw new UsageError("read ... as NAME needs a variable name");
        if (count !== undefined) throw new UsageError("read ... as NAME takes a single register, not a COUNT");
        i += 2;
      }
      if (i !== rest.length) throw new UsageError(`unexpected '${rest[i]}'`);
      return { op: "read", ...addressed, ...(count !== undefined ? { count } : {}), ...(as ? { as } : {}) };
    }
    case "write":
    case "expect": {
      if (verb === "write" && rest.length > 2) return parseWriteRow(rest[0]!, rest.slice(1));
      if (rest.length !== 2) throw new UsageError(`${verb} needs an address and a value`, `${verb} [REGION:]OFFSET[.w]|REG[.FIELD] VALUE[:MASK]`);
      return { op: verb, ...parseAddressValue(rest[0]!, rest[1]!) };
    }
    case "poll": {
      const usage = "poll [REGION:]OFFSET[.w]|REG[.FIELD] VALUE[:MASK] [TIMEOUT [INTERVAL]]";
      if (rest.length < 2 || rest.length > 4) throw new UsageError("poll needs an address and a value", usage);
      const timeoutMs = rest[2] === undefined ? DEFAULT_POLL_MS : parsePeriod(rest[2], "poll timeout");
      const intervalMs = rest[3] === undefined ? DEFAULT_POLL_INTERVAL_MS : parsePeriod(rest[3], "poll interval", { allowZero: false });
      return { op: "poll", ...parseAddressValue(rest[0]!, rest[1]!), timeoutMs, intervalMs };
    }
    case "irq":
      return parseIrq(rest);
    case "sleep":
      if (rest.length !== 1) throw new UsageError("sleep needs a period", "sleep 100ms");
      return { op: "sleep", ms: parsePeriod(rest[0]!, "sleep period") };
    case "reset":
      if (rest.length) throw new UsageError("reset takes no arguments");
      return { op: "reset" };
    case "dma":
      return parseDma(rest);
    default:
      throw new UsageError(`unknown verb '${verb}'`, "verbs: read, write, expect, poll, irq, sleep, reset, dma");
  }
}

/**
 * Parse a whole script; `#` starts a comment, blank lines are skipped.
 * @throws UsageError whose message starts with "line N:"
 */
export function parseScript(text: string): ScriptLine[] {
  const out: ScriptLine[] = [];
  text.split("\n").forEach((raw, i) => {
    const body = raw.replace(/#.*$/, "").trim();
    if (!body) return;
    try {
      const parsed = parseStep(body.split(/\s+/));
      for (const step of Array.isArray(parsed) ? parsed : [parsed]) out.push({ line: i + 1, text: body, step });
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw new UsageError(`line ${i + 1}: ${e.message}`, e.hint);
      throw e;
    }
  });
  return out;
}
