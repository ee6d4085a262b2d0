// A small reader of udev rules, for the keys vfio-plat's own rules use (ACTION, SUBSYSTEM, KERNEL, KERNELS, TEST;
// OWNER, GROUP, MODE, RUN, RUN{builtin}): it says what udev would do for one "add" event by reading the rule TEXT, so
// the apply command and the lab's boot emulation act on what a file says, and a wrong rule shows as a wrong result.
// Substitutions %k (the kernel name), %n (its trailing number: none for an all-digit name, as udev) and %%.
import { InvalidArgumentError } from "../vfio/errors.ts";

/** One "add" uevent as udev sees it: the device's subsystem and kernel name, and its parents' names (nearest first). */
export interface UdevEvent {
  action: string;
  subsystem: string;
  kernel: string;
  /** The kernel names of the parents, nearest first (KERNELS also matches the device itself). */
  parents: readonly string[];
}

/** What the rules set for an event: the last OWNER/GROUP/MODE assigned, and every RUN in order. */
export interface UdevOutcome {
  owner?: string;
  group?: string;
  mode?: string;
  run: { builtin: boolean; command: string }[];
}

/** Thrown for a rule line this reader does not know how to read (a key or substitution our rules never write). */
export class UdevRuleSyntaxError extends InvalidArgumentError {
  constructor(
    readonly line: string,
    readonly reason: string,
  ) {
    super(`udev rule line ${JSON.stringify(line)}: ${reason}`);
  }
}

interface Term {
  key: string;
  attr?: string;
  op: "==" | "!=" | "=" | "+=" | ":=";
  value: string;
}

const TERM = /^\s*([A-Z]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|:=|=)\s*"([^"]*)"\s*(?:,|$)/;
const MATCH_KEYS = new Set(["ACTION", "SUBSYSTEM", "KERNEL", "KERNELS", "TEST"]);
const ASSIGN_KEYS = new Set(["OWNER", "GROUP", "MODE", "RUN"]);

/** The terms of one rule line. @throws UdevRuleSyntaxError */
function parseLine(line: string): Term[] {
  const terms: Term[] = [];
  let rest = line.trim();
  while (rest !== "") {
    const m = TERM.exec(rest);
    if (!m) throw new UdevRuleSyntaxError(line, `cannot read ${JSON.stringify(rest)}`);
    const [all, key, attr, op, value] = m as unknown as [string, string, string | undefined, Term["op"], string];
    const isMatch = op === "==" || op === "!=";
    if (isMatch ? !MATCH_KEYS.has(key) : !ASSIGN_KEYS.has(key)) throw new UdevRuleSyntaxError(line, `${key}${op} is not a key this reader knows`);
    if (attr !== undefined && !(key === "RUN" && (attr === "builtin" || attr === "program"))) throw new UdevRuleSyntaxError(line, `${key}{${attr}} is not a key this reader knows`);
    terms.push({ key, ...(attr !== undefined ? { attr } : {}), op, value });
    rest = rest.slice(all.length);
  }
  return terms;
}

/** The rule lines of a file's text: comments and blank lines dropped, "\" continuations joined. */
export function ruleLines(text: string): string[] {
  return text
    .replace(/\\\n/g, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** udev's trailing number of a kernel name: the digits at its end, none when the whole name is digits. */
export function sysnum(kernel: string): string {
  const m = /(\d+)$/.exec(kernel);
  return m && m[1]!.length < kernel.length ? m[1]! : "";
}

/** %k, %n and %% of a value. @throws UdevRuleSyntaxError for another substitution */
function substitute(line: string, value: string, ev: UdevEvent): string {
  return value.replace(/%(.)|\$([a-z]+)/g, (all, c: string | undefined) => {
    if (c === "k") return ev.kernel;
    if (c === "n") return sysnum(ev.kernel);
    if (c === "%") return "%";
    throw new UdevRuleSyntaxError(line, `the substitution ${all} is not one this reader knows`);
  });
}

/** A shell-style pattern (*, ?, [set], and | between alternatives, as udev's match) as a RegExp. */
function globRegExp(pattern: string): RegExp {
  const alts = pattern.split("|").map((p) => {
    let re = "";
    for (let i = 0; i < p.length; i++) {
      const c = p[i]!;
      if (c === "*") re += ".*";
      else if (c === "?") re += ".";
      else if (c === "[") {
        const end = p.indexOf("]", i + 2);
        if (end < 0) re += "\\[";
        else {
          const set = p.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\");
          re += `[${set}]`;
          i = end;
        }
      } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
    }
    return re;
  });
  return new RegExp(`^(?:${alts.join("|")})$`);
}

/**
 * Evaluate rules (each file's text, in the order udev reads them) for `ev`. TEST's path is checked with `exists`
 * (the boundary's view of the machine). @throws UdevRuleSyntaxError for a line this reader does not know
 */
export function evaluateRules(texts: readonly string[], ev: UdevEvent, exists: (path: string) => boolean): UdevOutcome {
  const out: UdevOutcome = { run: [] };
  for (const text of texts) {
    for (const line of ruleLines(text)) {
      const terms = parseLine(line);
      const matches = terms.every((t) => {
        if (t.op !== "==" && t.op !== "!=") return true;
        let hit: boolean;
        if (t.key === "TEST") hit = exists(substitute(line, t.value, ev));
        else {
          const re = globRegExp(t.value);
          const subject = t.key === "ACTION" ? [ev.action] : t.key === "SUBSYSTEM" ? [ev.subsystem] : t.key === "KERNEL" ? [ev.kernel] : [ev.kernel, ...ev.parents];
          hit = subject.some((s) => re.test(s));
        }
        return t.op === "==" ? hit : !hit;
      });
      if (!matches) continue;
      for (const t of terms) {
        if (t.op === "==" || t.op === "!=") continue;
        const value = substitute(line, t.value, ev);
        if (t.key === "RUN") {
          if (t.op !== "+=") out.run = [];
          out.run.push({ builtin: t.attr === "builtin", command: value });
        } else if (t.key === "OWNER") out.owner = value;
        else if (t.key === "GROUP") out.group = value;
        else out.mode = value;
      }
    }
  }
  return out;
}
