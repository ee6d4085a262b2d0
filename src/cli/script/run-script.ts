// Executes a parsed `run` script against one open device: each step is reported as it happens (a line of text, or
// a JSON Lines record), and the first failing step stops the script with its line number in the error.
import { UsageError, VerifyError } from "../../vfio/errors.ts";
import type { Device } from "../../vfio/device.ts";
import { hex } from "../output/hex.ts";
import { formatHexdump } from "../output/hexdump.ts";
import { jsonRegister, jsonNanoseconds } from "../output/json.ts";
import { regionOf } from "../resolve-access.ts";
import { DEFAULT_IRQ_WAIT_MS, type ScriptLine, type ValueExpr } from "./parse-script.ts";
import type { Access } from "../parse/access.ts";
import { formatPeriod } from "../parse/periods.ts";
import { TimeoutError } from "../../vfio/errors.ts";

export interface ScriptOutput {
  /** A human line (text mode). */
  text(line: string): void;
  /** A JSON Lines record (json mode). */
  record(rec: { type: string } & Record<string, unknown>): void;
  json: boolean;
}

function label(regionIndex: number, access: Access): string {
  const letter = { 1: "b", 2: "w", 4: "l", 8: "q" }[access.width];
  return `${regionIndex}:0x${access.offset.toString(16).padStart(8, "0")}.${letter}`;
}

/**
 * Run `lines` on `device`. Variables captured by `read ... as NAME` live for the script.
 * @throws the failing step's error, its message prefixed with "line N:"
 */
export async function runScript(device: Device, lines: readonly ScriptLine[], out: ScriptOutput, signal: AbortSignal): Promise<void> {
  const vars = new Map<string, bigint>();
  const value = (v: ValueExpr): bigint => {
    if ("literal" in v) return v.literal;
    const base = vars.get(v.variable);
    if (base === undefined) throw new UsageError(`variable $${v.variable} is not set (use: read ADDRESS as ${v.variable})`);
    return base + v.add;
  };
  for (const { line, step } of lines) {
    try {
      switch (step.op) {
        case "read": {
          const region = regionOf(device, step.access);
          const values = region.readMany(Number(step.access.offset), step.access.width, step.count ?? 1);
          if (step.as) vars.set(step.as, values[0]!);
          if (out.json) {
            out.record({ type: "read", line, region: region.index, offset: `0x${step.access.offset.toString(16)}`, width: step.access.width * 8, values: values.map((x) => jsonRegister(x, step.access.width)) });
          } else if (step.count === undefined) {
            out.text(`${label(region.index, step.access)} = ${hex(values[0]!, step.access.width)}${step.as ? ` ($${step.as})` : ""}`);
          } else {
            for (const l of formatHexdump(values, { width: step.access.width, start: step.access.offset })) out.text(l);
          }
          break;
        }
        case "write": {
          const region = regionOf(device, step.access);
          const off = Number(step.access.offset);
          let v = value(step.value);
          if (step.mask !== undefined) v = (region.read(off, step.access.width) & ~step.mask) | (v & step.mask);
          region.write(off, step.access.width, v);
          if (out.json) out.record({ type: "write", line, region: region.index, offset: `0x${off.toString(16)}`, width: step.access.width * 8, value: jsonRegister(v, step.access.width) });
          else out.text(`${label(region.index, step.access)} <- ${hex(v, step.access.width)}`);
          break;
        }
        case "expect": {
          const region = regionOf(device, step.access);
          const got = region.read(Number(step.access.offset), step.access.width);
          const mask = step.mask ?? (1n << BigInt(step.access.width * 8)) - 1n;
          const want = value(step.value);
          if ((got & mask) !== (want & mask)) {
            throw new VerifyError(`${label(region.index, step.access)} is ${hex(got, step.access.width)}, expected ${hex(want, step.access.width)} (mask ${hex(mask, step.access.width)}) MISMATCH`);
          }
          if (out.json) out.record({ type: "expect", line, ok: true, value: jsonRegister(got, step.access.width) });
          else out.text(`${label(region.index, step.access)} = ${hex(got, step.access.width)} as expected`);
          break;
        }
        case "irq": {
          const irq = device.irq(step.index);
          if (step.action === "arm") irq.enable();
          else if (step.action === "disarm") irq.disable();
          else if (step.action === "mask") irq.mask();
          else if (step.action === "unmask") irq.unmask();
          else if (step.action === "trigger") irq.trigger();
          else {
            const timeout = step.timeoutMs ?? DEFAULT_IRQ_WAIT_MS;
            const ev = await irq.wait(timeout, { signal });
            if (!ev) throw new TimeoutError(`no interrupt ${step.index} within ${formatPeriod(timeout)}`);
            if (out.json) out.record({ type: "irq", line, index: step.index, count: Number(ev.count), t_ns: jsonNanoseconds(ev.tNs) });
            else out.text(`irq ${step.index}: count ${ev.count}`);
            break;
          }
          if (out.json) out.record({ type: "irq-" + step.action, line, index: step.index });
          else out.text(`irq ${step.index}: ${step.action}`);
          break;
        }
        case "sleep":
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, step.ms);
            signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
          });
          if (out.json) out.record({ type: "sleep", line, ms: step.ms });
          break;
        case "reset":
          device.reset();
          if (out.json) out.record({ type: "reset", line });
          else out.text("reset");
          break;
      }
    } catch (e) {
      if (e instanceof Error && !e.message.startsWith("line ")) e.message = `line ${line}: ${e.message}`;
      throw e;
    }
  }
}
