// `read DEVICE ADDRESS [COUNT] --to FILE` and `read ... --dry-run`: a dump of COUNT registers (1 without COUNT) into
// a file as raw little-endian bytes at the access width (`-`: stdout), or the reads a dump would make, printed and not
// made. As every dump, read-to-clear registers are not read unless --read-clear (their bytes in the file are 0, and
// the notice names them); the file is written whole or not at all, and a signal stops the dump before its next read.
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import type { DeviceMap, Target } from "../named-address.ts";
import { readClearIn } from "../named-address.ts";
import { checkAligned, checkInRegion } from "../parse/access.ts";
import { UsageError } from "../usage-error.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { readClearSkippedNotice } from "../output/notices.ts";
import { hazardsJson, plannedAccess, plannedStep, rangeStoppedNotice, sizeUnknownNotice } from "../output/range-words.ts";
import type { RangeHazard } from "../../registers/bulk-access.ts";
import type { RegisterSpec } from "../../registers/register-map.ts";
import type { Region } from "../../vfio/region.ts";
import type { RangeRegion } from "./plan-region.ts";
import { removeQuietly, valuesToBytes, writeDumpFile } from "./range-file.ts";
import { RangeStoppedError, readRange } from "./range-loop.ts";

/** The read-to-clear registers as hazards, each once with the accesses that touch it. */
function readClearHazards(skip: ReadonlyMap<number, RegisterSpec>): RangeHazard[] {
  const by = new Map<RegisterSpec, number[]>();
  for (const [i, r] of skip) by.set(r, [...(by.get(r) ?? []), i]);
  return [...by].map(([register, accesses]) => ({ register, reason: "read-clear" as const, accesses }));
}

/**
 * Dump (or plan the dump of) `count` registers from `target` in `region`, once the address is resolved by the read
 * command; `open` is the device's open region (undefined for a dry run, which never opens the device).
 * @throws UsageError, region errors (before any read), InterruptedError
 */
export async function runRangeRead(
  ctx: CliContext,
  dm: DeviceMap | undefined,
  target: Target,
  region: RangeRegion,
  open: Region | undefined,
  count: number | undefined,
  options: OptionsOf<"read">,
): Promise<number> {
  if (options.decode) throw new UsageError(`--decode shows one register on the terminal: not with ${options.to !== undefined ? "--to" : "--dry-run"}`, "leave out --decode");
  if (options.swap && options.to !== undefined) throw new UsageError("--swap changes how values are shown: a --to file holds the bytes as the device has them", "leave out --swap");
  if (options.to === "-" && ctx.json) throw new UsageError("--json and --to - both write to stdout", "give --to a file name, or leave out --json");
  if (target.field && options.to !== undefined) throw new UsageError(`a dump starts at a register, not a field: leave out .${target.field.name}`);
  const width = target.access.width;
  const n = count ?? 1;
  const offset = Number(target.access.offset);
  checkAligned(target.access.offset, width);
  if (region.size !== undefined) checkInRegion(target.access.offset, width, n, region.size, region.label);
  else writeStderr(sizeUnknownNotice(region.label, ctx.json));
  // A register asked for by name is read (as a plain read does); a range leaves read-to-clear registers alone.
  const skip = options.readClear || (count === undefined && target.register) ? new Map<number, RegisterSpec>() : readClearIn(dm, region.index, target.access.offset, width, n);
  const hazards = readClearHazards(skip);

  if (options.dryRun) {
    const at = new Map<number, RangeHazard>();
    for (const h of hazards) for (const i of h.accesses) at.set(i, h);
    const steps = Array.from({ length: n }, (_, i) => plannedAccess("read", region.index, offset + i * width, width, undefined, at.get(i)));
    if (ctx.json) {
      const planned = Array.from({ length: n }, (_, i) => plannedStep("read", region.index, offset + i * width, width, undefined, at.get(i)));
      writeStdout(jsonDocument({ device: region.device, dry_run: true, accesses: steps, steps: planned, ...(hazards.length ? { skipped: hazardsJson(hazards) } : {}) }));
    }
    else writeStdout(`${steps.map((s) => `dry-run: ${s}`).join("\n")}\n`);
    return 0;
  }

  if (open === undefined) throw new Error("read: the device was not opened"); // opened unless a dry run
  let values: bigint[];
  try {
    values = await readRange({ region: open, offset, width }, n, new Set(skip.keys()), ctx.abort.signal);
  } catch (e) {
    if (!(e instanceof RangeStoppedError)) throw e;
    const last = e.lastOffset === undefined ? undefined : { region: region.index, offset: e.lastOffset, width };
    ctx.notify(rangeStoppedNotice("read", e.done, e.total, last, ctx.json));
    throw e.cause;
  }
  const bytes = valuesToBytes(values, width);
  let temp: string | undefined;
  ctx.onCleanup(() => temp !== undefined && removeQuietly(temp)); // a dump stopped mid-write leaves no temporary file
  await writeDumpFile(options.to!, bytes, ctx.abort.signal, (t) => (temp = t));
  if (skip.size) writeStderr(readClearSkippedNotice(hazards.map((h) => h.register), ctx.json));
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: region.device,
        region: region.index,
        offset: `0x${offset.toString(16)}`,
        width: width * 8,
        count: n,
        file: options.to,
        bytes: bytes.length,
        ...(hazards.length ? { skipped: hazardsJson(hazards) } : {}),
      }),
    );
  }
  return 0;
}
