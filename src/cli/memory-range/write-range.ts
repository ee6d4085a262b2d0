// `write DEVICE ADDRESS V1 V2 ...`, `... VALUE --fill COUNT` and `... --from FILE`: consecutive registers from ADDRESS at
// the access width, one write each, in order (memtool's mw with several values, U-Boot's mw with a count, a file copy).
// The range is checked against the region before the first write; read-only and write-1-to-clear registers of the map
// are skipped and named unless --force; --dry-run prints the writes without opening the device (a load reads its
// file); a signal stops the range.
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { deviceMap, isNamed, mapNeedsOpenDevice, refineDeviceMap, resolveTarget } from "../named-address.ts";
import type { DeviceRef } from "../physical-address.ts";
import { checkAligned, checkInRegion, type Width } from "../parse/access.ts";
import { parseWriteValue } from "../parse/value.ts";
import { regionOf } from "../resolve-access.ts";
import { UsageError } from "../usage-error.ts";
import { jsonDocument, jsonRegister } from "../output/json.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { hazardsJson, plannedAccess, plannedStep, rangeStoppedNotice, sizeUnknownNotice, writeSkippedNotice } from "../output/range-words.ts";
import { rangeHazards, type RangeHazard } from "../../registers/bulk-access.ts";
import { openRegionFacts, plannedRegionFacts } from "./plan-region.ts";
import { bytesToValues, readSourceFile } from "./range-file.ts";
import { RangeStoppedError, writeRange } from "./range-loop.ts";

const USAGE = "vfio-plat write DEVICE [REGION:]OFFSET[.b|.w|.l|.q] V1 V2 ..., ... VALUE --fill COUNT, or ... --from FILE";

/** Refuse the combinations a range write does not take, before anything is read or opened. @throws UsageError */
function checkForm(values: readonly string[], options: OptionsOf<"write">): void {
  if (options.length !== undefined && options.from === undefined) throw new UsageError("--length applies to --from FILE", USAGE);
  if (options.from !== undefined && values.length > 0) throw new UsageError("--from FILE gives the values: leave out VALUE", USAGE);
  if (options.from !== undefined && options.fill !== undefined) throw new UsageError("--fill and --from both give the values: choose one", USAGE);
  if (options.fill !== undefined && values.length !== 1) {
    throw new UsageError(`--fill COUNT repeats one VALUE, ${values.length === 0 ? "and none was given" : `not ${values.length}`}`, "vfio-plat write DEVICE OFFSET VALUE --fill COUNT");
  }
  if (options.readback) throw new UsageError("--readback checks one register: not with several values, --fill or --from", "read the range back with `vfio-plat read DEVICE OFFSET COUNT`");
}

/** The values of the range, each fitting the width; a mask is one register's business. @throws UsageError */
function parseValues(texts: readonly string[], width: Width): bigint[] {
  return texts.map((t) => {
    const { value, mask } = parseWriteValue(t, width);
    if (mask !== undefined) throw new UsageError(`'${t}': VALUE:MASK changes one register, not a range`, "write masked registers one at a time");
    return value;
  });
}

/** The file's values at the width: its size (or --length) a multiple of the width, and the file that long. @throws UsageError */
function fileValues(bytes: Uint8Array, from: string, width: Width, length: number | undefined): bigint[] {
  const name = from === "-" ? "stdin" : from;
  if (length !== undefined && length > bytes.length) {
    throw new UsageError(`--length ${length} is more than ${name} holds (${bytes.length} bytes)`, `give --length ${bytes.length} or less, or a longer file`);
  }
  const used = length ?? bytes.length;
  if (used === 0) throw new UsageError(`${name} is empty: nothing to write`, "give a file of at least one access width");
  if (used % width !== 0) {
    throw new UsageError(
      `${length !== undefined ? `--length ${used}` : `${name} (${used} bytes)`} is not a multiple of the ${width * 8}-bit access width`,
      used >= width ? `give --length ${used - (used % width)} (whole accesses only), or a narrower width (.b)` : `give at least ${width} bytes, or a narrower width (.b)`,
    );
  }
  return bytesToValues(bytes.subarray(0, used), width);
}

/** A range write at `ref` (an offset or a name; a physical address arrives resolved to its device, region and offset). */
export async function runRangeWrite(ctx: CliContext, deviceSpec: string, ref: DeviceRef, texts: string[], options: OptionsOf<"write">): Promise<number> {
  checkForm(texts, options);
  if (isNamed(ref) && options.fill === undefined && options.from === undefined) {
    throw new UsageError(
      `${ref.name} names one register, so ${texts.length} values make no sense after it`,
      "give one VALUE, or an offset (REGION:OFFSET) to write consecutive registers: write DEVICE 0:0x10 1 2 3",
    );
  }
  // Offset values are checked before the device is looked up, as a single write's; a file is read before the open.
  const early = isNamed(ref) || options.from !== undefined ? undefined : parseValues(texts, ref.access.width);
  const bytes = options.from !== undefined ? await readSourceFile(options.from, ctx.abort.signal) : undefined;

  const { b, dev } = await findDevice(ctx, deviceSpec);
  const found = deviceMap(b, dev.name, options.regs);
  // A dry run does not open the device (an open resets a vfio-platform device): sizes come from sysfs. Only a map
  // whose layout the device itself says (a virtio-mmio transport's Version) opens it, as a one-value dry run does.
  const session = !options.dryRun || mapNeedsOpenDevice(found) ? (await openCliDevice(ctx, deviceSpec)).session : undefined;
  const dm = session ? refineDeviceMap(found, session.device) : found;
  const target = resolveTarget(ref, dm, dev.name);
  if (target.field) throw new UsageError(`${target.name} is a field: a range starts at a register`, `leave out .${target.field.name}`);
  const width = target.access.width;
  const values = bytes !== undefined ? fileValues(bytes, options.from!, width, options.length) : (early ?? parseValues(texts, width));
  const all = options.fill !== undefined ? new Array<bigint>(options.fill).fill(values[0]!) : values;

  const open = session ? regionOf(session.device, target.access) : undefined;
  const region = open ? openRegionFacts(open) : plannedRegionFacts(b, dev, target.access);
  const offset = Number(target.access.offset);
  checkAligned(target.access.offset, width);
  if (region.size !== undefined) checkInRegion(target.access.offset, width, all.length, region.size, region.label);
  else writeStderr(sizeUnknownNotice(region.label, ctx.json));
  const hazards: RangeHazard[] = dm && !options.force ? rangeHazards(dm.map, "write", region.index, offset, width, all.length) : [];
  const skipAt = new Map<number, RangeHazard>();
  for (const h of hazards) for (const i of h.accesses) skipAt.set(i, h);

  if (options.dryRun) {
    const steps = all.map((v, i) => plannedAccess("write", region.index, offset + i * width, width, v, skipAt.get(i)));
    if (ctx.json) {
      const planned = all.map((v, i) => plannedStep("write", region.index, offset + i * width, width, v, skipAt.get(i)));
      writeStdout(jsonDocument({ device: dev.name, dry_run: true, accesses: steps, steps: planned, ...(hazards.length ? { skipped: hazardsJson(hazards) } : {}) }));
    }
    else writeStdout(`${steps.map((s) => `dry-run: ${s}`).join("\n")}\n`);
    return 0;
  }

  if (session === undefined || open === undefined) throw new Error("write: the device was not opened"); // opened unless a dry run
  let writes: number;
  try {
    writes = await writeRange({ region: open, offset, width }, all, new Set(skipAt.keys()), ctx.abort.signal);
  } catch (e) {
    if (!(e instanceof RangeStoppedError)) throw e;
    const last = e.lastOffset === undefined ? undefined : { region: region.index, offset: e.lastOffset, width };
    ctx.notify(rangeStoppedNotice("write", e.done, e.total, last, ctx.json));
    throw e.cause;
  }
  if (hazards.length) writeStderr(writeSkippedNotice(hazards, ctx.json));
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: session.device.name,
        region: region.index,
        offset: `0x${offset.toString(16)}`,
        width: width * 8,
        writes,
        values: all.map((v, i) => (skipAt.has(i) ? null : jsonRegister(v, width))),
        ...(hazards.length ? { skipped: hazardsJson(hazards) } : {}),
      }),
    );
  }
  return 0;
}
