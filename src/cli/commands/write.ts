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
import { accessLabel, type Access } from "../parse/access.ts";
import { parseWriteValue } from "../parse/value.ts";
import { regionOf } from "../resolve-access.ts";
import { VerifyError } from "../../vfio/errors.ts";
import { UsageError } from "../usage-error.ts";
import { checkRegister } from "../register-io.ts";
import { deviceMap, isNamed, mapNeedsOpenDevice, parseAddress, refineDeviceMap, resolveTarget } from "../named-address.ts";
import { bitList, mappedRegister, parseTargetValue, planTarget, readTarget, targetHex, targetLabel, writeTarget } from "../target-io.ts";
import { targetJson } from "../output/target-json.ts";
import { splitDevice } from "../parse/physical.ts";
import { physJson, physWords, resolveAddressDevice, type PhysicalNote } from "../physical-address.ts";
import { bitsWithAccess, readbackExpectation } from "../../registers/write-plan.ts";
import { widthMax } from "../parse/value.ts";
import { ReadOnlyRegisterError } from "../../registers/errors.ts";
import { fieldMax } from "../../registers/fields.ts";
import { effectiveAccess } from "../../registers/named-registers.ts";
import { isRangeWrite } from "../memory-range/range-options.ts";
import { plannedStep } from "../output/range-words.ts";

async function dryRun(ctx: CliContext, spec: string, access: Access, value: bigint, mask: bigint | undefined, phys?: PhysicalNote): Promise<number> {
  const { dev } = await findDevice(ctx, spec);
  const ref = access.region;
  const region = ref === undefined ? 0 : "index" in ref ? ref.index : ref.name;
  const at = accessLabel(region, access.offset, access.width);
  const steps = mask === undefined
    ? [`write ${at} = ${hex(value, access.width)}`]
    : [`read  ${at}`, `write ${at} = (old & ~${hex(mask, access.width)}) | ${hex(value & mask, access.width)}`];
  if (phys) steps.unshift(physWords(phys)); // what the physical address resolved to comes first
  const resolved = phys ? { ...physJson(phys), region: phys.region, offset: `0x${phys.offset.toString(16)}` } : {};
  // `steps` is the structured plan, one shape with the range dry runs' (README "Dry runs in JSON").
  const planned = mask === undefined
    ? [plannedStep("write", region, access.offset, access.width, value)]
    : [plannedStep("read", region, access.offset, access.width, undefined), plannedStep("write", region, access.offset, access.width, value & mask, undefined, mask)];
  if (ctx.json) writeStdout(jsonDocument({ device: dev.name, ...resolved, dry_run: true, accesses: steps, steps: planned }));
  else writeStdout(`${steps.map((s) => `dry-run: ${s}`).join("\n")}\n`);
  return 0;
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"write">): Promise<number> {
  const { device: given, rest } = splitDevice(args, options.phys === true);
  const [addr, ...values] = rest;
  // Several values, --fill, --from FILE: consecutive registers (memory-range/write-range.ts).
  const range = isRangeWrite(values, options);
  const valueText = values[0];
  if (addr === undefined || (valueText === undefined && !range)) {
    throw new UsageError("write needs an address and a value", "vfio-plat write DEVICE [REGION:]OFFSET[.b|.w|.l|.q]|NAME VALUE[:MASK] (or V1 V2 ..., VALUE --fill COUNT, --from FILE)");
  }
  const parsed = parseAddress(addr, options.width, options.phys === true);
  if ("phys" in parsed && !range) parseWriteValue(valueText!, parsed.phys.width); // a bad value before the device lookup
  // A physical address becomes the covering device's region and offset before anything else.
  const { device: deviceSpec, ref, phys } = await resolveAddressDevice(ctx, given, parsed, "write");
  if (range) return (await import("../memory-range/write-range.ts")).runRangeWrite(ctx, deviceSpec, ref, values, options);
  if (valueText === undefined) throw new Error("write: no value"); // refused above unless a range
  if (!isNamed(ref) && options.regs === undefined) {
    // An offset write needs no map: parse the value before the device is looked up, as always. (A masked one may
    // hit a register with W1C bits, which changes its accesses: the map is looked at below.)
    const { value, mask } = parseWriteValue(valueText, ref.access.width);
    if (options.dryRun && mask === undefined) return dryRun(ctx, deviceSpec, ref.access, value, mask, phys);
  }
  const { b, dev } = await findDevice(ctx, deviceSpec);
  // A masked write at an offset needs the map too: the register it hits may have write-1-to-clear bits to spare.
  const found = isNamed(ref) || options.regs !== undefined || valueText.includes(":") ? deviceMap(b, dev.name, options.regs) : undefined;
  // A dry run touches the device only when the map's layout is the device's own to say (a virtio-mmio transport's
  // Version and DeviceID, read without side effects); a write opens it anyway.
  const session = !options.dryRun || mapNeedsOpenDevice(found) ? (await openCliDevice(ctx, deviceSpec)).session : undefined;
  const dm = session ? refineDeviceMap(found, session.device) : found;
  const target = resolveTarget(ref, dm, dev.name);
  const access = target.access;
  const { value, mask } = target.field ? parseTargetValue(target, valueText) : parseWriteValue(valueText, access.width);
  if (target.register) {
    const acc = effectiveAccess(target.register, target.field);
    if (acc === "RO" && !options.force) throw new ReadOnlyRegisterError(target.register.name, acc, target.field?.name);
    // Reading a write-only register or field gives nothing the write put there: a readback would always "fail".
    if (options.readback && acc === "WO") {
      throw new UsageError(`${target.name} is write-only (WO): a readback cannot show what was written`, "leave out --readback");
    }
  }
  const consent = { force: options.force === true, readClear: options.readClear === true };
  // A field or masked named write follows the library's plan: the dry run shows it, the write makes it.
  const ri = access.region === undefined ? 0 : "index" in access.region ? access.region.index : session ? regionOf(session.device, access).index : undefined;
  const plan = dm ? planTarget(dm.map, target, value, mask, consent, ri) : undefined;
  if (options.dryRun) {
    if (!plan) return dryRun(ctx, deviceSpec, access, value, mask, phys);
    const all = (1n << BigInt(access.width * 8)) - 1n;
    return dryRun(ctx, deviceSpec, access, plan.set, plan.read ? all & ~plan.keep : undefined, phys);
  }

  if (session === undefined) throw new Error("write: the device was not opened"); // opened above unless a dry run
  const region = regionOf(session.device, access);
  const offset = Number(access.offset);
  checkRegister(region, offset, access.width);
  const { written, previous: old } = writeTarget(session.device, dm?.map, target, value, mask, consent);
  const register = mappedRegister(dm?.map, target, region.index);
  let readback: bigint | undefined;
  if (options.readback) {
    const got = readTarget(session.device, target);
    readback = got.raw;
    // What the read can confirm: the bits written, except that a W1C bit written 1 now reads 0 (and one written 0
    // says nothing); without a map, every bit under the mask.
    const targetBits = (mask ?? (target.field ? fieldMax(target.field) : widthMax(access.width))) << BigInt(target.field?.lsb ?? 0);
    const { want, bits } = register ? readbackExpectation(register, targetBits, written) : { want: written, bits: targetBits };
    if ((got.raw & bits) !== (want & bits)) {
      const cleared = register ? written & bitsWithAccess(register, "W1C") & bits : 0n;
      throw new VerifyError(
        `readback of ${targetLabel(target, region.index)} is ${targetHex(target, got.value)}, wrote ${targetHex(target, target.field ? value : written)}` +
          `${cleared ? ` (write-1-to-clear: ${bitList(cleared)} should read 0)` : ""} (MISMATCH)`,
      );
    }
  }
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: session.device.name,
        ...physJson(phys),
        ...targetJson(target, region.index, value, register?.name),
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
