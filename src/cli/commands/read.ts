// `vfio-plat read DEVICE [REGION:]OFFSET[.w] [COUNT]`: one register, printed zero-padded to its width, or COUNT
// registers as a memtool-style dump. Each register is read exactly once (read-to-clear registers stay honest). A long
// dump shows progress on stderr when that is a terminal (never in a pipe or with --json), and a signal stops it between
// two chunks (exit 130/143/129, nothing printed).
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { openCliDevice } from "../device-session.ts";
import { hex } from "../output/hex.ts";
import { byteSwap } from "../output/hex.ts";
import { formatHexdump } from "../output/hexdump.ts";
import { jsonDocument, jsonRegister } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { parseAccess } from "../parse/access.ts";
import { parseCount } from "../parse/numbers.ts";
import { regionOf } from "../resolve-access.ts";
import { UsageError } from "../usage-error.ts";
import type { Region } from "../../vfio/region.ts";
import type { Width } from "../parse/access.ts";
import { startProgress } from "../output/progress.ts";
import { readRegisters } from "../read-registers.ts";
import { checkRegister } from "../register-io.ts";

/**
 * Read `count` registers, each exactly once, with a progress line on a terminal for long dumps. A signal stops the
 * dump before the next chunk.
 * @throws UsageError (range), InterruptedError
 */
async function readWithProgress(ctx: CliContext, region: Region, offset: number, width: Width, count: number): Promise<bigint[]> {
  checkRegister(region, offset + (count - 1) * width, width); // a range error shows no progress line first

  const progress = startProgress({
    label: `reading ${region.device} region ${region.index}`,
    total: count,
    unit: "registers",
    enabled: !ctx.json,
  });
  ctx.onCleanup(() => progress.end());
  const values = await readRegisters(region, offset, width, count, ctx.abort.signal, (done) => progress.update(done));
  progress.end();
  return values;
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"read">): Promise<number> {
  const [deviceSpec, addr, countText] = args;
  if (addr === undefined) throw new UsageError("read needs an address", "vfio-plat read DEVICE [REGION:]OFFSET[.b|.w|.l|.q] [COUNT]");
  const access = parseAccess(addr, options.width);
  const count = countText === undefined ? undefined : parseCount(countText, "count", { min: 1n, max: 1n << 20n });
  const { session } = await openCliDevice(ctx, deviceSpec!);
  const region = regionOf(session.device, access);
  const offset = Number(access.offset);
  const values = await readWithProgress(ctx, region, offset, access.width, count ?? 1);
  const swap = options.swap === true;
  if (ctx.json) {
    writeStdout(
      jsonDocument(
        {
          device: session.device.name,
          region: region.index,
          offset: `0x${offset.toString(16)}`,
          width: access.width * 8,
          values: values.map((v) => jsonRegister(swap ? byteSwap(v, access.width) : v, access.width)),
        },
        (v) => jsonRegister(v, access.width),
      ),
    );
    return 0;
  }
  if (count === undefined) {
    writeStdout(`${hex(swap ? byteSwap(values[0]!, access.width) : values[0]!, access.width)}\n`);
  } else {
    const lines = formatHexdump(values, { width: access.width, start: access.offset, swap });
    writeStdout(`${lines.join("\n")}\n`);
  }
  return 0;
}
