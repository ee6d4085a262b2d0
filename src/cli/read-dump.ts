// `vfio-plat read DEVICE ADDRESS COUNT`: a memtool-style dump of COUNT registers, each read exactly once, the map's
// read-to-clear registers skipped unless --read-clear, with a progress line on a terminal and a stop between chunks
// on a signal. Loaded by read.ts only for a dump, so a one-register read does not load it.
import type { CliContext } from "./context.ts";
import type { OptionsOf } from "./command-options.ts";
import type { DeviceMap } from "./named-address.ts";
import { readClearIn } from "./named-address.ts";
import type { PhysicalNote } from "./physical-address.ts";
import { physJson } from "./physical-address.ts";
import { byteSwap } from "./output/hex.ts";
import { formatHexdump } from "./output/hexdump.ts";
import { jsonDocument, jsonRegister } from "./output/json.ts";
import { writeStderr, writeStdout } from "./output/stdio.ts";
import { readClearSkippedNotice } from "./output/notices.ts";
import { readClearSkippedJson } from "./output/range-words.ts";
import { startProgress } from "./output/progress.ts";
import type { Access, Width } from "./parse/access.ts";
import { readRegistersSkipping } from "./read-registers.ts";
import { checkRegister } from "./register-io.ts";
import type { RegisterSpec } from "../registers/register-map.ts";
import type { Region } from "../vfio/region.ts";
import type { VfioSession } from "../vfio/session.ts";

/**
 * Read `count` registers, each exactly once, with a progress line on a terminal for long dumps; the accesses in
 * `skip` are not made (their values stay 0). A signal stops the dump before the next chunk.
 * @throws UsageError (range), InterruptedError
 */
async function readWithProgress(
  ctx: CliContext,
  region: Region,
  offset: number,
  width: Width,
  count: number,
  skip: ReadonlyMap<number, unknown>,
): Promise<bigint[]> {
  checkRegister(region, offset + (count - 1) * width, width); // a range error shows no progress line first

  const progress = startProgress({
    label: `reading ${region.device} region ${region.index}`,
    total: count,
    unit: "registers",
    enabled: !ctx.json,
  });
  ctx.onCleanup(() => progress.end());
  const values = await readRegistersSkipping(region, offset, width, count, skip, ctx.abort.signal, (done) => progress.update(done));
  progress.end();
  return values;
}

/** What the dump reads: the open device's region, where, how wide, how many, and how to show it. */
export interface DumpRequest {
  session: VfioSession;
  dm: DeviceMap | undefined;
  region: Region;
  access: Access;
  count: number;
  swap: boolean;
  phys: PhysicalNote | undefined;
}

/** Read and print the dump (text or JSON). @throws UsageError (range), InterruptedError */
export async function printDump(ctx: CliContext, r: DumpRequest, options: OptionsOf<"read">): Promise<number> {
  const { session, dm, region, access, count, swap, phys } = r;
  const offset = Number(access.offset);
  const skip = options.readClear ? new Map<number, RegisterSpec>() : readClearIn(dm, region.index, access.offset, access.width, count);
  const values = await readWithProgress(ctx, region, offset, access.width, count, skip);
  // Said on stderr so the dump itself stays as before; the skipped cells show as dashes.
  if (skip.size) writeStderr(readClearSkippedNotice([...new Set(skip.values())], ctx.json));
  if (ctx.json) {
    writeStdout(
      jsonDocument(
        {
          device: session.device.name,
          ...physJson(phys),
          region: region.index,
          offset: `0x${offset.toString(16)}`,
          width: access.width * 8,
          values: values.map((v, i) => (skip.has(i) ? null : jsonRegister(swap ? byteSwap(v, access.width) : v, access.width))),
          ...(skip.size ? { skipped: readClearSkippedJson(skip.values()) } : {}),
        },
        (v) => jsonRegister(v, access.width),
      ),
    );
    return 0;
  }
  const lines = formatHexdump(values, { width: access.width, start: access.offset, swap, hidden: new Set(skip.keys()) });
  writeStdout(`${lines.join("\n")}\n`);
  return 0;
}
