// Reading a test plan: the file (YAML or JSON), checked against the published docs/plan.schema.json with ajv, then the
// checks a schema cannot make (plan-checks.ts). Every refusal is one line naming FILE:LINE:COLUMN, the key and the fix
// (a UsageError, exit 2), found before any device is touched. Only `vfio-plat test` imports this (ajv stays out of
// every other command's start).
import { readFileSync } from "node:fs";
import Ajv, { type ErrorObject } from "ajv";
import schema from "../../../docs/plan.schema.json" with { type: "json" };
import { UsageError } from "../usage-error.ts";
import { parsePlanSource, pathWords, type PlanSource } from "./plan-source.ts";
import { checkPlan } from "./plan-checks.ts";
import type { Plan } from "./plan-types.ts";

let validator: ReturnType<Ajv["compile"]> | undefined;

/** The schema's validator, compiled once per process. */
function validate(data: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true }).compile(schema);
  return validator(data) ? [] : (validator.errors ?? []);
}

/** The JSON pointer of an ajv error as path segments. */
function segments(pointer: string): string[] {
  return pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** "a number or a string" */
function typeWords(t: unknown): string {
  const one = (x: string) => (x === "object" ? "a mapping (key: value)" : x === "array" ? "a list" : x === "integer" ? "a whole number" : `a ${x}`);
  return (Array.isArray(t) ? t : [t]).map((x) => one(String(x))).join(" or ");
}

/** One schema complaint as a UsageError naming where, what and the fix. */
function schemaError(src: PlanSource, e: ErrorObject): UsageError {
  const path = segments(e.instancePath);
  const ctx = pathWords(src.data, path);
  const at = (key?: string) => `${src.where(path, key)}: ${ctx ? `${ctx}: ` : ""}`;
  const props = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      return new UsageError(`${at(key)}unknown key '${key}'`, props.length ? `the keys here are ${props.join(", ")}` : "remove it");
    }
    case "required": {
      const key = String(e.params.missingProperty);
      return new UsageError(`${at()}missing key '${key}'`, `add ${key}: (docs/plans.md)`);
    }
    case "type":
      return new UsageError(`${at()}must be ${typeWords(e.params.type)}`, "see docs/plans.md for the format");
    case "pattern":
      return new UsageError(`${at()}'${String(e.data)}' is not a name`, "use only letters, digits, '.', '_' and '-'");
    case "minItems":
    case "minProperties":
    case "minLength":
      return new UsageError(`${at()}empty`, "give at least one entry, or remove the key");
    case "enum":
      return new UsageError(`${at()}'${String(e.data)}' is not one of ${(e.params.allowedValues as unknown[]).join(", ")}`, "use one of those");
    default:
      return new UsageError(`${at()}${e.message ?? "invalid"}`, "see docs/plans.md for the format");
  }
}

/**
 * Load the plan in `file`: parse, validate against docs/plan.schema.json, check ids, step kinds, periods and files.
 * @throws the fs error (ENOENT exit 3, EACCES exit 4) when the file cannot be read; UsageError (exit 2) for a
 *   directory, or naming FILE:LINE:COL when it is not a valid plan
 */
export function loadPlan(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EISDIR") throw new UsageError(`${file} is a directory, not a plan file`, "give the plan's YAML or JSON file: vfio-plat test DIR/PLAN.yaml");
    throw e;
  }
  const src = parsePlanSource(file, text);
  const errors = validate(src.data);
  // The deepest complaint is the most precise one (ajv reports the first it meets).
  const first = errors.sort((a, b) => segments(b.instancePath).length - segments(a.instancePath).length)[0];
  if (first) throw schemaError(src, first);
  return checkPlan(src);
}
