// The `run` script language: one step per line, the same verbs as the CLI, so work that must happen in ONE open
// session (the kernel may reset a device on first open and last close) can be written down and replayed. Parsing is
// separate from running so a script is checked completely before the device is touched.
import { UsageError } from "../../vfio/errors.ts";
import { parseAccess, type Access } from "../parse/access.ts";
import { parseCount, parseNumber, parseU32 } from "../parse/numbers.ts";
import { parsePeriod } from "../parse/periods.ts";

/** A value written by the script: a literal, or a variable captured by `read ... as NAME` plus an offset. */
export type ValueExpr = { literal: bigint } | { variable: string; add: bigint };

export type Step =
  | { op: "read"; access: Access; count?: number; as?: string }
  | { op: "write"; access: Access; value: ValueExpr; mask?: bigint }
  | { op: "expect"; access: Access; value: ValueExpr; mask?: bigint }
  | { op: "irq"; action: "arm" | "wait" | "unmask" | "mask" | "trigger" | "disarm"; index: number; timeoutMs?: number }
  | { op: "sleep"; ms: number }
  | { op: "reset" };

export interface ScriptLine {
  line: number;
  text: string;
  step: Step;
}

/** Default wait for `irq wait` without a timeout: a script must never hang forever. */
export const DEFAULT_IRQ_WAIT_MS = 10_000;

function parseValue(text: string, what: string): ValueExpr {
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)(?:([+-])(.+))?$/.exec(text);
  if (m) {
    const delta = m[3] === undefined ? 0n : parseNumber(m[3], what);
    return { variable: m[1]!, add: m[2] === "-" ? -delta : delta };
  }
  return { literal: parseNumber(text, what) };
}

function parseValueMask(text: string): { value: ValueExpr; mask?: bigint } {
  const i = text.lastIndexOf(":");
  if (i > 0) return { value: parseValue(text.slice(0, i), "value"), mask: parseNumber(text.slice(i + 1), "mask") };
  return { value: parseValue(text, "value") };
}

function parseStep(words: string[]): Step {
  const [verb, ...rest] = words;
  switch (verb) {
    case "read": {
      if (rest.length < 1) throw new UsageError("read needs an address", "read [REGION:]OFFSET[.w] [COUNT] [as NAME]");
      const access = parseAccess(rest[0]!);
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
      return { op: "read", access, ...(count !== undefined ? { count } : {}), ...(as ? { as } : {}) };
    }
    case "write":
    case "expect": {
      if (rest.length !== 2) throw new UsageError(`${verb} needs an address and a value`, `${verb} [REGION:]OFFSET[.w] VALUE[:MASK]`);
      return { op: verb, access: parseAccess(rest[0]!), ...parseValueMask(rest[1]!) };
    }
    case "irq": {
      const action = rest[0];
      if (!["arm", "wait", "unmask", "mask", "trigger", "disarm"].includes(action ?? "")) {
        throw new UsageError(`unknown irq action '${action ?? ""}'`, "irq arm|wait|unmask|mask|trigger|disarm INDEX [TIMEOUT]");
      }
      const index = rest[1] === undefined ? 0 : parseU32(rest[1], "interrupt index");
      const step: Step = { op: "irq", action: action as "arm", index };
      if (rest[2] !== undefined) {
        if (action !== "wait") throw new UsageError(`irq ${action} takes no timeout`);
        step.timeoutMs = parsePeriod(rest[2], "timeout");
      }
      if (rest.length > 3) throw new UsageError(`unexpected '${rest[3]}'`);
      return step;
    }
    case "sleep":
      if (rest.length !== 1) throw new UsageError("sleep needs a period", "sleep 100ms");
      return { op: "sleep", ms: parsePeriod(rest[0]!, "sleep period") };
    case "reset":
      if (rest.length) throw new UsageError("reset takes no arguments");
      return { op: "reset" };
    default:
      throw new UsageError(`unknown verb '${verb}'`, "verbs: read, write, expect, irq, sleep, reset");
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
      out.push({ line: i + 1, text: body, step: parseStep(body.split(/\s+/)) });
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`line ${i + 1}: ${e.message}`, e.hint);
      throw e;
    }
  });
  return out;
}
