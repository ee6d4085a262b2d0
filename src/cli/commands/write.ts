// `vfio-plat write DEVICE [REGION:]OFFSET[.w] VALUE[:MASK]`: one register write, silent like busybox devmem.
// VALUE:MASK reads the register once and writes (old & ~MASK) | (VALUE & MASK); --readback reads it again and
// fails with exit 8 when the bits differ; --dry-run prints the accesses and touches nothing.
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { hex } from "../output/hex.ts";
import { jsonDocument, jsonRegister } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { parseAccess, type Access } from "../parse/access.ts";
import { applyMask, parseWriteValue } from "../parse/value.ts";
import { regionOf } from "../resolve-access.ts";
import { VerifyError } from "../../vfio/errors.ts";
import { UsageError } from "../usage-error.ts";
import { checkRegister, readRegister, writeRegister } from "../register-io.ts";

function label(regionIndex: number | string, offset: bigint, width: number): string {
  const letter = { 1: "b", 2: "w", 4: "l", 8: "q" }[width];
  return `${regionIndex}:0x${offset.toString(16).padStart(8, "0")}.${letter}`;
}

async function dryRun(ctx: CliContext, spec: string, access: Access, value: bigint, mask: bigint | undefined): Promise<number> {
  const { dev } = await findDevice(ctx, spec);
  const ref = access.region;
  const region = ref === undefined ? 0 : "index" in ref ? ref.index : ref.name;
  const at = label(region, access.offset, access.width);
  const steps = mask === undefined
    ? [`write ${at} = ${hex(value, access.width)}`]
    : [`read  ${at}`, `write ${at} = (old & ~${hex(mask, access.width)}) | ${hex(value & mask, access.width)}`];
  if (ctx.json) writeStdout(jsonDocument({ device: dev.name, dry_run: true, accesses: steps }));
  else writeStdout(`${steps.map((s) => `dry-run: ${s}`).join("\n")}\n`);
  return 0;
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"write">): Promise<number> {
  const [deviceSpec, addr, valueText] = args;
  if (addr === undefined || valueText === undefined) {
    throw new UsageError("write needs an address and a value", "vfio-plat write DEVICE [REGION:]OFFSET[.b|.w|.l|.q] VALUE[:MASK]");
  }
  const access = parseAccess(addr, options.width);
  const { value, mask } = parseWriteValue(valueText, access.width);
  if (options.dryRun) return dryRun(ctx, deviceSpec!, access, value, mask);

  const { session } = await openCliDevice(ctx, deviceSpec!);
  const region = regionOf(session.device, access);
  const offset = Number(access.offset);
  checkRegister(region, offset, access.width);
  let old: bigint | undefined;
  let written = value;
  if (mask !== undefined) {
    old = readRegister(region, offset, access.width);
    written = applyMask(old, value, mask);
  }
  writeRegister(region, offset, access.width, written);
  let readback: bigint | undefined;
  if (options.readback) {
    readback = readRegister(region, offset, access.width);
    const bits = mask ?? (1n << BigInt(access.width * 8)) - 1n;
    if ((readback & bits) !== (written & bits)) {
      throw new VerifyError(
        `readback of ${label(region.index, access.offset, access.width)} is ${hex(readback, access.width)}, wrote ${hex(written, access.width)} (MISMATCH)`,
      );
    }
  }
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: session.device.name,
        region: region.index,
        offset: `0x${offset.toString(16)}`,
        width: access.width * 8,
        written: jsonRegister(written, access.width),
        previous: old === undefined ? null : jsonRegister(old, access.width),
        readback: readback === undefined ? null : jsonRegister(readback, access.width),
      }),
    );
  } else if (readback !== undefined) {
    writeStdout(`${hex(written, access.width)} written, readback ${hex(readback, access.width)} matched\n`);
  }
  return 0;
}
