// The checks a JSON Schema cannot make, run on a plan that passed docs/plan.schema.json: unique ids, exactly one step
// kind per step, periods and option values as the CLI parses them, files that exist (resolved against the plan's
// directory). Each refusal names FILE:LINE:COLUMN, the key and the fix. The result is the Plan the runner takes.
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { COMMAND_OPTIONS } from "../command-options.ts";
import { convertValue, type OptionSpec } from "../parse/option-kinds.ts";
import { parsePeriod } from "../parse/periods.ts";
import { UsageError } from "../usage-error.ts";
import { pathWords, type PlanSource } from "./plan-source.ts";
import { DEFAULT_STEP_TIMEOUT, STEP_KINDS, type Plan, type PlanDevice, type PlanStep, type StepKind } from "./plan-types.ts";

type Path = (string | number)[];
type Raw = Record<string, any>;

/** Step ids the runner gives the device's own cases. */
const RESERVED_IDS = ["bind", "unbind"];

/** The command whose options a kind's option map takes ("dma-test" -> dma-test's). */
const OPTION_COMMAND: Partial<Record<StepKind, keyof typeof COMMAND_OPTIONS>> = { "dma-test": "dma-test", "blk-test": "blk-test" };

/** "--size <size>" -> "size" */
function longName(o: OptionSpec): string {
  return /--([a-z0-9-]+)/.exec(o.flags)![1]!;
}

/** A device id or step id: one case-id segment, safe in JUnit names, TAP lines and LAVA/labgrid case names. */
const ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** The default device id: the device's name, i.e. the spec's last path component ("/sys/bus/amba/devices/X" -> X). */
function defaultDeviceId(spec: string): string {
  return spec.replace(/\/+$/, "").split("/").at(-1) ?? spec;
}

/** Options a plan may not give a step (the plan owns output and the device). */
const NOT_IN_PLANS = new Set(["json"]);

export function checkPlan(src: PlanSource): Plan {
  const raw = src.data as Raw;
  const dir = dirname(resolve(src.file));
  const fail = (path: Path, key: string | undefined, what: string, fix: string): never => {
    const ctx = pathWords(src.data, path);
    throw new UsageError(`${src.where(path, key)}: ${ctx ? `${ctx}: ` : ""}${what}`, fix);
  };
  const period = (text: unknown, path: Path, key: string): number => {
    try {
      return parsePeriod(String(text), key, { allowZero: false });
    } catch (e) {
      return fail(path, key, (e as Error).message, (e as UsageError).hint ?? "write a period such as 5s or 100ms");
    }
  };
  const file = (name: unknown, path: Path, key: string): string => {
    const p = resolve(dir, String(name));
    if (!existsSync(p) || !statSync(p).isFile()) fail(path, key, `${key} file '${String(name)}' not found (looked for ${p})`, "paths are relative to the plan file's directory");
    return p;
  };
  const values = (obj: Raw, path: Path): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === "number" && (!Number.isSafeInteger(v) || v < 0)) {
        fail(path, k, `value ${v} of '${k}' is not a whole number the plan can carry exactly`, `write it as a string: "0x..."`);
      }
    }
  };

  const planTimeout = period(raw.timeout ?? DEFAULT_STEP_TIMEOUT, [], "timeout");
  const deviceIds = new Map<string, number>();
  const devices: PlanDevice[] = (raw.devices as Raw[]).map((d, i) => {
    const dp: Path = ["devices", i];
    const id = String(d.id ?? defaultDeviceId(String(d.device)));
    if (!ID_PATTERN.test(id)) {
      // A glob or a compatible names no single id the board does not have to be asked for (--list runs without it).
      fail(dp, d.id !== undefined ? "id" : "device", `device id '${id}' is not a case-id prefix (letters, digits, '.', '_', '-')`, "give the device an id: (e.g. id: rtc)");
    }
    if (deviceIds.has(id)) {
      fail(dp, d.id !== undefined ? "id" : "device", `device id '${id}' is used twice (also device #${deviceIds.get(id)! + 1})`, "give each device its own id: (the prefix of its case ids)");
    }
    deviceIds.set(id, i);
    const stepIds = new Set<string>();
    const steps: PlanStep[] = (d.steps as Raw[]).map((s, j) => {
      const sp: Path = [...dp, "steps", j];
      if (RESERVED_IDS.includes(s.id)) fail(sp, "id", `step id '${s.id}' is the device's own ${s.id} case`, "choose another id");
      if (stepIds.has(s.id)) fail(sp, "id", `step id '${s.id}' is used twice in this device`, "give each step its own id");
      stepIds.add(s.id);
      const kinds = STEP_KINDS.filter((k) => s[k] !== undefined);
      if (kinds.length === 0) fail(sp, undefined, "the step has no kind", `give exactly one of ${STEP_KINDS.join(", ")}`);
      if (kinds.length > 1) fail(sp, kinds[1], `the step has two kinds, ${kinds[0]} and ${kinds[1]}`, "one kind per step: split it into two steps");
      const kind = kinds[0]!;
      const kp: Path = [...sp, kind];
      const body: Raw = { ...s[kind] };
      if (kind === "expect" || kind === "write") values(body, kp);
      if (kind === "poll") {
        values({ value: body.value }, kp);
        if (body.interval !== undefined) period(body.interval, kp, "interval");
      }
      if (kind === "irq" && body.timeout !== undefined) period(body.timeout, kp, "timeout");
      if (kind === "pl330-exec") {
        body.program = file(body.program, kp, "program");
        if (body.timeout !== undefined) period(body.timeout, kp, "timeout");
      }
      if (kind === "run") {
        const given = ["script", "lines"].filter((k) => body[k] !== undefined);
        if (given.length !== 1) fail(kp, given[1], given.length ? "run has both script and lines" : "run needs script or lines", "give one: script: FILE or lines: [...]");
        if (body.script !== undefined) body.script = file(body.script, kp, "script");
      }
      const command = OPTION_COMMAND[kind];
      if (command) {
        const specs = COMMAND_OPTIONS[command] as readonly OptionSpec[];
        for (const [k, v] of Object.entries(body)) {
          const spec = specs.find((o) => longName(o) === k);
          if (!spec || NOT_IN_PLANS.has(k)) fail(kp, k, `${kind} has no option '${k}'`, `its options are ${specs.map(longName).join(", ")}`);
          if (spec!.value) {
            try {
              convertValue(spec!.value, String(v), `${kind} ${k}`);
            } catch (e) {
              fail(kp, k, (e as Error).message, (e as UsageError).hint ?? "see vfio-plat " + command + " --help");
            }
          } else if (typeof v !== "boolean") {
            fail(kp, k, `${kind} option '${k}' takes no value`, `write ${k}: true`);
          }
        }
        if (kind === "blk-test" && body.sector === undefined) fail(kp, undefined, "blk-test needs sector (the first sector it OVERWRITES)", "add sector: N");
      }
      const step: PlanStep = {
        id: s.id,
        kind,
        timeoutMs: s.timeout !== undefined ? period(s.timeout, sp, "timeout") : planTimeout,
        continueOnFailure: s.continue === true,
        body,
      };
      if (s.description !== undefined) step.description = s.description;
      return step;
    });
    const bind = d.bind === false ? false : typeof d.bind === "object" ? { ...d.bind } : {};
    for (const k of ["user", "group"]) if (bind && bind[k] !== undefined) bind[k] = String(bind[k]);
    const device: PlanDevice = { spec: d.device, at: src.where([...dp, "device"]), id, bind, steps };
    if (d.regs !== undefined) device.regs = file(d.regs, dp, "regs");
    return device;
  });
  const plan: Plan = { name: raw.plan, file: src.file, timeoutMs: planTimeout, devices };
  if (raw.description !== undefined) plan.description = raw.description;
  if (raw.board !== undefined) plan.board = raw.board;
  if (raw.grace !== undefined) plan.graceMs = period(raw.grace, [], "grace");
  return plan;
}
