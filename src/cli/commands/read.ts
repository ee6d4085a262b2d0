// `vfio-plat read DEVICE [REGION:]OFFSET[.w] [COUNT]`: one register, printed zero-padded to its width, or COUNT
// registers as a memtool-style dump. Each register is read exactly once (read-to-clear registers stay honest).
import type { CliContext } from "../context.ts";
import { openCliDevice } from "../device-session.ts";
import { hex } from "../output/hex.ts";
import { byteSwap } from "../output/hex.ts";
import { formatHexdump } from "../output/hexdump.ts";
import { jsonDocument, jsonRegister } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { parseAccess } from "../parse/access.ts";
import { parseCount } from "../parse/numbers.ts";
import { regionOf } from "../resolve-access.ts";
import { UsageError } from "../../vfio/errors.ts";

export async function run(ctx: CliContext, args: string[], options: Record<string, unknown>): Promise<number> {
  const [deviceSpec, addr, countText] = args;
  if (addr === undefined) throw new UsageError("read needs an address", "vfio-plat read DEVICE [REGION:]OFFSET[.b|.w|.l|.q] [COUNT]");
  const access = parseAccess(addr, options.width as string | number | undefined);
  const count = countText === undefined ? undefined : parseCount(countText, "count", { min: 1n, max: 1n << 20n });
  const { session } = await openCliDevice(ctx, deviceSpec!);
  const region = regionOf(session.device, access);
  const offset = Number(access.offset);
  const values = region.readMany(offset, access.width, count ?? 1);
  const swap = options.swap === true || options.x === true;
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
