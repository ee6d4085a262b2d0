// A register (or field) value as JSON, one shape for every command that names one (read, write, poll, expect and the
// `run` records): which register and field, where (region, offset, width in bits) and the value, so a script can
// compare the output of any two of them key for key (conventions §2.9: the JSON is the contract).
import type { Target } from "../named-address.ts";
import { jsonRegister } from "./json.ts";

/**
 * `{register?, field?, region, offset, width, value}` for `t` in region `regionIndex`: `register` is the map's name of
 * the register (named, or the one `register` says an offset hits), `field` the field's; `value` is the target's value,
 * zero-padded to the width for a register, plain hex for a field ("0x4").
 */
export function targetJson(t: Target, regionIndex: number, value: bigint, register: string | undefined = t.register?.name): Record<string, unknown> {
  return {
    ...(register !== undefined ? { register } : {}),
    ...(t.field ? { field: t.field.name } : {}),
    region: regionIndex,
    offset: `0x${t.access.offset.toString(16)}`,
    width: t.access.width * 8,
    value: t.field ? `0x${value.toString(16)}` : jsonRegister(value, t.access.width),
  };
}
