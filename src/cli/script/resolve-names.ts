// Register names in a `run` script: once the device is open and its map known, every step that names a register
// (`read RTCDR`, `write RTCCR.RTC_START 1`, `expect RTCMIS 1`, `poll CSR0 0x0:0xf`) gets its register's access and
// its value is checked against the register's width or the field's, so a misspelt name on line 9 stops the script
// before line 1 runs, with the closest names.
import { InvalidArgumentError } from "../../vfio/errors.ts";
import { refuseWriteOnlyRead, resolveTarget, type DeviceMap } from "../named-address.ts";
import { parseTargetValue } from "../target-io.ts";
import { UsageError } from "../usage-error.ts";
import { parseValueMask, type ScriptLine, type Step } from "./parse-script.ts";

type RegisterStep = Extract<Step, { op: "read" | "write" | "expect" | "poll" }>;

/** The steps that take an address (the `dma` steps' `name` is a buffer's). */
function isRegisterStep(step: Step): step is RegisterStep {
  return step.op === "read" || step.op === "write" || step.op === "expect" || step.op === "poll";
}

/** True when some step names a register (the map is needed). */
export function scriptUsesNames(lines: readonly ScriptLine[]): boolean {
  return lines.some(({ step }) => isRegisterStep(step) && step.name !== undefined);
}

/**
 * Resolve every named step of `lines` in place against `dm`: its access becomes the register's, and a value step's
 * text is parsed for the register's width (variables allowed) or the field's (numbers only).
 * @throws UsageError / UnknownRegisterError "line N: ..." (with the closest names as the hint)
 */
export function resolveScriptNames(lines: readonly ScriptLine[], dm: DeviceMap | undefined, device: string): void {
  for (const { line, step } of lines) {
    if (!isRegisterStep(step) || step.name === undefined) continue;
    try {
      const target = resolveTarget({ name: step.name }, dm, device);
      if (step.op !== "write") refuseWriteOnlyRead(target, step.op);
      step.access = target.access;
      step.target = target;
      if (step.op === "write" || step.op === "expect" || step.op === "poll") {
        const text = step.valueText!;
        if (target.field) {
          if (text.startsWith("$")) throw new UsageError(`a field takes a number, not ${text}`, `write the whole register: ${step.op} ${target.register!.name} ${text}`);
          const { value, mask } = parseTargetValue(target, text);
          step.value = { literal: value };
          if (mask !== undefined) step.mask = mask;
        } else {
          const { value, mask } = parseValueMask(text, target.access.width);
          step.value = value;
          if (mask !== undefined) step.mask = mask;
        }
      }
      if (step.op === "read" && target.field && step.count !== undefined) {
        throw new UsageError(`a dump starts at a register, not a field: leave out COUNT or .${target.field.name}`);
      }
    } catch (e) {
      if (e instanceof InvalidArgumentError && !e.message.startsWith("line ")) e.message = `line ${line}: ${e.message}`;
      throw e;
    }
  }
}
