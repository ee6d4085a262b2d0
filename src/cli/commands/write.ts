// `vfio-plat write DEVICE ADDRESS VALUE[:MASK]`: one register write, silent like busybox devmem. ADDRESS is
// `[REGION:]OFFSET[.w]` or a name from the device's register map; REG.FIELD writes only that field (read-modify-write,
// VALUE in field units) and a read-only register or field is refused unless --force. VALUE:MASK reads the register
// once and writes (old & ~MASK) | (VALUE & MASK); --readback reads it again and fails with exit 8 when the bits
// differ; --dry-run prints the accesses and touches nothing.
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { hex } from "../output/hex.ts";
import { jsonDocument, jsonRegister } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import type { Access } from "../parse/access.ts";
import { parseWriteValue } from "../parse/value.ts";
import { regionOf } from "../resolve-access.ts";
import { VerifyError } from "../../vfio/errors.ts";
import { UsageError } from "../usage-error.ts";
import { checkRegister } from "../register-io.ts";
import { deviceMap, isNamed, mapNeedsOpenDevice, parseAddress, refineDeviceMap, resolveTarget } from "../named-address.ts";
import { parseTargetValue, planTarget, readTarget, targetHex, targetLabel, writeTarget } from "../target-io.ts";
import { ReadOnlyRegisterError } from "../../registers/errors.ts";
import { fieldMax } from "../../registers/fields.ts";
import { effectiveAccess } from "../../registers/named-registers.ts";

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
    throw new UsageError("write needs an address and a value", "vfio-plat write DEVICE [REGION:]OFFSET[.b|.w|.l|.q]|NAME VALUE[:MASK]");
  }
  const ref = parseAddress(addr, options.width);
  if (!isNamed(ref) && options.regs === undefined) {
    // An offset write needs no map: parse the value before the device is looked up, as always.
    const { value, mask } = parseWriteValue(valueText, ref.access.width);
    if (options.dryRun) return dryRun(ctx, deviceSpec!, ref.access, value, mask);
  }
  const { b, dev } = await findDevice(ctx, deviceSpec!);
  const found = isNamed(ref) || options.regs !== undefined ? deviceMap(b, dev.name, options.regs) : undefined;
  // A dry run touches the device only when the map's layout is the device's own to say (a virtio-mmio transport's
  // Version and DeviceID, read without side effects); a write opens it anyway.
  const session = !options.dryRun || mapNeedsOpenDevice(found) ? (await openCliDevice(ctx, deviceSpec!)).session : undefined;
  const dm = session ? refineDeviceMap(found, session.device) : found;
  const target = resolveTarget(ref, dm, dev.name);
  const access = target.access;
  const { value, mask } = target.field ? parseTargetValue(target, valueText) : parseWriteValue(valueText, access.width);
  if (target.register) {
    const acc = effectiveAccess(target.register, target.field);
    if (acc === "RO" && !options.force) throw new ReadOnlyRegisterError(target.register.name, acc, target.field?.name);
    // Reading a write-only register gives nothing the write put there: a readback would always "fail".
    if (options.readback && target.register.access === "WO") {
      throw new UsageError(`${target.register.name} is write-only (WO): a readback cannot show what was written`, "leave out --readback");
    }
  }
  const consent = { force: options.force === true, readClear: options.readClear === true };
  // A field or masked named write follows the library's plan: the dry run shows it, the write makes it.
  const plan = dm && target.register ? planTarget(dm.map, target, value, mask, consent) : undefined;
  if (options.dryRun) {
    if (!plan) return dryRun(ctx, deviceSpec!, access, value, mask);
    const all = (1n << BigInt(access.width * 8)) - 1n;
    return dryRun(ctx, deviceSpec!, access, plan.set, plan.read ? all & ~plan.keep : undefined);
  }

  if (session === undefined) throw new Error("write: the device was not opened"); // opened above unless a dry run
  const region = regionOf(session.device, access);
  const offset = Number(access.offset);
  checkRegister(region, offset, access.width);
  const { written, previous: old } = writeTarget(session.device, dm?.map, target, value, mask, consent);
  let readback: bigint | undefined;
  if (options.readback) {
    const got = readTarget(session.device, target);
    readback = got.raw;
    const want = target.field ? value : written;
    const bits = target.field ? (mask ?? fieldMax(target.field)) : (mask ?? (1n << BigInt(access.width * 8)) - 1n);
    if ((got.value & bits) !== (want & bits)) {
      throw new VerifyError(
        `readback of ${targetLabel(target, region.index)} is ${targetHex(target, got.value)}, wrote ${targetHex(target, want)} (MISMATCH)`,
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
        ...(target.register ? { register: target.register.name } : {}),
        ...(target.field ? { field: target.field.name, value: `0x${value.toString(16)}` } : {}),
        written: jsonRegister(written, access.width),
        previous: old === undefined ? null : jsonRegister(old, access.width),
        readback: readback === undefined ? null : jsonRegister(readback, access.width),
      }),
    );
  } else if (readback !== undefined) {
    const shown = target.field ? `${target.name} = ${targetHex(target, value)}` : hex(written, access.width);
    writeStdout(`${shown} written, readback ${hex(readback, access.width)} matched\n`);
  }
  return 0;
}
