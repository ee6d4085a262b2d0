// What each plan step runs: the command line(s) of the CLI command of the same name, so a step does exactly what that
// command does (its checks, its cleanup, its JSON). A step of several registers (expect, write) is ONE `run` of the
// same verbs, one line per register in the plan's order: one child, so the step's timeout covers the whole step, and
// the script stops at the first register that fails, naming it.
import type { PlanDevice, PlanStep } from "./plan-types.ts";

/** One command of a step: its words after the global options, and its stdin. */
export interface StepCommand {
  args: string[];
  stdin?: string;
  /** The lines are the plan's registers, not a script the user wrote: "line N: " in its messages means nothing. */
  registerLines?: boolean;
  /** It times itself out at the step's timeout (a failed check, exit 7, after its own cleanup): the plan gives it the
   * grace on top before it sends SIGTERM. */
  ownTimeout?: boolean;
}

/** A plan value as the CLI takes it: a number in hex (as the CLI prints), a string as written ("0x0:0xf"). */
export function valueText(v: unknown): string {
  return typeof v === "number" ? `0x${v.toString(16)}` : String(v);
}

/** "--size", "1M" ... from an option map; a true boolean is the bare flag, false is left out; a list repeats it. */
function optionWords(options: Record<string, unknown>): string[] {
  const words: string[] = [];
  for (const [k, v] of Object.entries(options)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one === true) words.push(`--${k}`);
      else if (one !== false && one !== undefined) words.push(`--${k}`, String(one));
    }
  }
  return words;
}

/** The commands of `step` on `device` (its resolved name), with the device's register map where names are read. */
export function stepCommands(step: PlanStep, device: string, dev: PlanDevice): StepCommand[] {
  const b = step.body as Record<string, any>;
  const regs = dev.regs !== undefined ? ["--regs", dev.regs] : [];
  const stepTimeout = `${step.timeoutMs}ms`;
  switch (step.kind) {
    case "expect":
    case "write":
      return [{ args: ["run", device, "-", ...regs], stdin: Object.entries(b).map(([reg, v]) => `${step.kind} ${reg} ${valueText(v)}\n`).join(""), registerLines: true }];
    case "poll": {
      const words = ["poll", device, String(b.register), valueText(b.value), "--timeout", stepTimeout, ...regs];
      if (b.interval !== undefined) words.push("--interval", String(b.interval));
      if (b.width !== undefined) words.push("--width", String(b.width));
      return [{ args: words, ownTimeout: true }];
    }
    case "irq": {
      // Without a timeout of its own, irq waits for ever: a missing interrupt must be irq's failed check (exit 7,
      // "no interrupt ... within"), not the plan's kill.
      const words = ["irq", device, String(b.index ?? 0), "--timeout", b.timeout !== undefined ? String(b.timeout) : stepTimeout];
      if (b.trigger === true) words.push("--trigger");
      if (b.count !== undefined) words.push("--count", String(b.count));
      return [{ args: words, ownTimeout: true }];
    }
    case "run": {
      const flags = optionWords({ force: b.force, "read-clear": b["read-clear"] });
      if (b.script !== undefined) return [{ args: ["run", device, String(b.script), ...flags, ...regs] }];
      return [{ args: ["run", device, "-", ...flags, ...regs], stdin: `${(b.lines as string[]).join("\n")}\n` }];
    }
    case "dma-test":
    case "blk-test":
      // Their --timeout turns a stalled transfer into a failed check with their own cleanup (channel killed, device
      // reset); the step's timeout is theirs unless the plan gives one.
      return [{ args: [step.kind, device, ...optionWords({ ...b, timeout: b.timeout ?? stepTimeout })], ownTimeout: true }];
    case "pl330-exec": {
      const words = ["pl330", "exec", device, String(b.program)];
      for (const [name, spec] of Object.entries((b.buffers ?? {}) as Record<string, unknown>)) words.push("--buffer", `${name}=${String(spec)}`);
      words.push(...optionWords({ dump: b.dump, channel: b.channel, timeout: b.timeout ?? stepTimeout }));
      return [{ args: words, ownTimeout: true }];
    }
  }
}
