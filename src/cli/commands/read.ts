// `vfio-plat read DEVICE ADDRESS [COUNT]`: ADDRESS is `[REGION:]OFFSET[.w]` or a register name from the device's map
// (REG, REG.FIELD); one register is printed zero-padded to its width (a field as its value), --decode adds every
// field with its meaning, COUNT gives a memtool-style dump. Each register is read exactly once, and a dump skips the
// map's read-to-clear registers unless --read-clear (a name asks for one, so it is read). A long dump shows progress
// on a terminal, and a signal stops it between two chunks (exit 130/143/129, nothing printed).
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { hex } from "../output/hex.ts";
import { byteSwap } from "../output/hex.ts";
import { jsonDocument, jsonRegister } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { isRangeRead } from "../memory-range/range-options.ts";
import { parseCount } from "../parse/numbers.ts";
import { regionOf } from "../resolve-access.ts";
import { UsageError } from "../usage-error.ts";
import { checkRegister } from "../register-io.ts";
import { deviceMap, isNamed, mapNeedsOpenDevice, parseAddress, refineDeviceMap, refuseWriteOnlyRead, registerAt, resolveTarget } from "../named-address.ts";
import { decodeJson, decodeLines } from "../output/register-words.ts";
import { readTarget, targetHex, targetLabel } from "../target-io.ts";
import { splitDevice } from "../parse/physical.ts";
import { physJson, resolveAddressDevice } from "../physical-address.ts";

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"read">): Promise<number> {
  const { device: given, rest } = splitDevice(args, options.phys === true);
  const [addr, countText] = rest;
  if (addr === undefined) throw new UsageError("read needs an address", "vfio-plat read DEVICE [REGION:]OFFSET[.b|.w|.l|.q]|NAME [COUNT]");
  const parsed = parseAddress(addr, options.width, options.phys === true);
  const count = countText === undefined ? undefined : parseCount(countText, "count", { min: 1n, max: 1n << 20n });
  // A physical address becomes the covering device's region and offset before anything else.
  const { device: deviceSpec, ref, phys } = await resolveAddressDevice(ctx, given, parsed, "read");
  if (count !== undefined && options.decode) throw new UsageError("--decode shows one register: leave out COUNT", "vfio-plat read DEVICE NAME --decode");
  // The map is needed for a name, --decode, or to know which registers a dump must not clear.
  const needMap = isNamed(ref) || options.decode === true || count !== undefined || options.regs !== undefined;
  const { b, dev } = await findDevice(ctx, deviceSpec);
  const found = needMap ? deviceMap(b, dev.name, options.regs) : undefined; // a bad --regs file before the open
  // A dry run plans without opening the device (an open resets a vfio-platform device), unless the map's layout is
  // the device's own to say (a virtio-mmio transport's Version).
  const session = options.dryRun && !mapNeedsOpenDevice(found) ? undefined : (await openCliDevice(ctx, deviceSpec)).session;
  // Names resolve against the map the open device makes exact (a modern virtio-mmio transport's own layout).
  const dm = session ? refineDeviceMap(found, session.device) : found;
  const target = resolveTarget(ref, dm, dev.name);
  refuseWriteOnlyRead(target, "read");
  if (target.field && count !== undefined) throw new UsageError(`a dump starts at a register, not a field: leave out COUNT or .${target.field.name}`);
  const access = target.access;
  if (session === undefined) {
    const [{ runRangeRead }, { plannedRegionFacts }] = await Promise.all([import("../memory-range/read-range.ts"), import("../memory-range/plan-region.ts")]);
    return runRangeRead(ctx, dm, target, plannedRegionFacts(b, dev, access), undefined, count, options);
  }
  const region = regionOf(session.device, access);
  const offset = Number(access.offset);
  const swap = options.swap === true;
  if (isRangeRead(options)) {
    // --to FILE, --dry-run
    const [{ runRangeRead }, { openRegionFacts }] = await Promise.all([import("../memory-range/read-range.ts"), import("../memory-range/plan-region.ts")]);
    return runRangeRead(ctx, dm, target, openRegionFacts(region), region, count, options);
  }

  if (count === undefined) {
    checkRegister(region, offset, access.width);
    // Refused before the read: a read of UARTDR and its like pops a FIFO, so a refused command must not make it.
    const register = target.register ?? (options.decode ? registerAt(dm, region.index, access.offset, access.width) : undefined);
    if (options.decode && register === undefined) {
      throw new UsageError(
        `no register of ${dm ? `map ${dm.map.name}` : "a register map"} is at ${targetLabel(target, region.index)}`,
        dm ? `\`vfio-plat info ${dev.name}\` names the map; use a register name` : "give a map with --regs FILE",
      );
    }
    const { raw, value } = readTarget(session.device, target);
    if (ctx.json) {
      writeStdout(
        jsonDocument({
          device: session.device.name,
          ...physJson(phys),
          region: region.index,
          offset: `0x${offset.toString(16)}`,
          width: access.width * 8,
          ...(target.register ? { register: target.register.name } : register ? { register: register.name } : {}),
          ...(target.field ? { field: target.field.name, value: `0x${value.toString(16)}` } : {}),
          values: [jsonRegister(swap ? byteSwap(raw, access.width) : raw, access.width)],
          ...(options.decode && register ? { fields: decodeJson(register, raw) } : {}),
        }),
      );
      return 0;
    }
    const shown = target.field ? targetHex(target, value) : hex(swap ? byteSwap(raw, access.width) : raw, access.width);
    if (!options.decode) {
      writeStdout(`${shown}\n`);
      return 0;
    }
    writeStdout(`${register!.name} = ${hex(raw, access.width)}\n${decodeLines(register!, raw).join("\n")}\n`);
    return 0;
  }

  // A dump of COUNT registers (memtool style): its code loads only when asked for.
  const { printDump } = await import("../read-dump.ts");
  return printDump(ctx, { session, dm, region, access, count, swap, phys }, options);
}
