// `vfio-plat pl330 asm|disasm`: the PL330 microcode tools. `asm FILE|-` assembles TRM-syntax text to hex bytes (or
// a binary with --output, or a listing with --listing); `disasm FILE|-` lists binary microcode (or hex text with
// --hex, or bytes read from a device region with --device/--region/--offset/--length).
import { readFileSync, writeFileSync } from "node:fs";
import { AsmError, assemble, formatHexBytes } from "../../drivers/pl330/assembler.ts";
import { disassemble, formatListing, parseHexText } from "../../drivers/pl330/disassembler.ts";
import { UsageError } from "../usage-error.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { openCliDevice } from "../device-session.ts";
import { jsonDocument, jsonHex } from "../output/json.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { PL330_ACTIONS } from "../parse/choices.ts";
import { safeText } from "../output/errors.ts";
import { checkpoint } from "../interrupt.ts";
import { READ_CHUNK } from "../read-registers.ts";


const bytesHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Read the input file, or stdin for "-" (the command-line scanner keeps a lone "-" as a positional). */
function readInput(file: string | undefined, action: string): { name: string; data: Buffer } {
  const source = file;
  if (source === undefined) throw new UsageError(`pl330 ${action} needs an input file (or - for stdin)`, `vfio-plat pl330 ${action} FILE|-`);
  try {
    return { name: source === "-" ? "<stdin>" : source, data: readFileSync(source === "-" ? 0 : source) };
  } catch (e) {
    throw new UsageError(`cannot read ${source}: ${(e as Error).message}`);
  }
}

async function asm(ctx: CliContext, file: string | undefined, options: OptionsOf<"pl330">): Promise<number> {
  const input = readInput(file, "asm");
  const base = options.base ?? 0;
  let r: ReturnType<typeof assemble>;
  try {
    r = assemble(input.data.toString("utf8"), { base });
  } catch (e) {
    if (e instanceof AsmError) throw new UsageError(`${input.name}: ${e.message}`, "see docs/dma-test.md for the assembler syntax");
    throw e;
  }
  const output = options.output;
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        base: jsonHex(base),
        length: r.bytes.length,
        bytes: bytesHex(r.bytes),
        output: output ?? null,
        instructions: r.instructions.map((i) => ({ offset: i.offset, address: jsonHex((base + i.offset) >>> 0), bytes: bytesHex(i.bytes), line: i.line, source: i.source })),
        labels: Object.fromEntries([...r.labels].map(([k, v]) => [k, jsonHex((base + v) >>> 0)])),
        warnings: r.warnings,
      }),
    );
  } else {
    // The file name and the warning's source tokens are the user's text: escaped like an error's.
    for (const w of r.warnings) writeStderr(`vfio-plat: warning: ${safeText(`${input.name}: ${w}`)}\n`);
  }
  if (output !== undefined) {
    if (output === "-") {
      if (ctx.json) throw new UsageError("--output - writes binary to stdout, which --json also uses", "write the binary to a file");
      writeStdout(r.bytes);
    } else {
      try {
        writeFileSync(output, r.bytes);
      } catch (e) {
        throw new UsageError(`cannot write ${output}: ${(e as Error).message}`);
      }
    }
    return 0;
  }
  if (ctx.json) return 0;
  if (options.listing) {
    const lines = r.instructions.map((i) => {
      const hexBytes = Array.from(i.bytes, (x) => x.toString(16).padStart(2, "0")).join(" ");
      return `0x${((base + i.offset) >>> 0).toString(16).padStart(8, "0")}: ${hexBytes.padEnd(17)}  ${i.source}`;
    });
    writeStdout(lines.length ? `${lines.join("\n")}\n` : "");
  } else if (r.bytes.length) {
    writeStdout(`${formatHexBytes(r.bytes)}\n`);
  }
  return 0;
}

async function disasm(ctx: CliContext, file: string | undefined, options: OptionsOf<"pl330">): Promise<number> {
  let bytes: Uint8Array;
  let base = options.base ?? 0;
  const deviceSpec = options.device;
  if (deviceSpec !== undefined) {
    if (file !== undefined) throw new UsageError("give either an input file or --device, not both");
    const { region: regionIndex, offset, length } = options;
    if (length === undefined) throw new UsageError("--device needs --length (bytes to read)", "vfio-plat pl330 disasm --device DEV --region 0 --offset 0x100 --length 64");
    const { session } = await openCliDevice(ctx, deviceSpec);
    const region = session.device.region(regionIndex);
    // The whole range is checked before the first read (reads can have side effects: never half a listing, then an
    // error), and a signal stops a long read between chunks, as `read` does.
    region.checkAccess(offset, 8);
    region.checkAccess(offset + length - 1, 8);
    // Whole 32-bit words where alignment allows (the register width of most devices), bytes elsewhere.
    const out = new Uint8Array(length);
    for (let i = 0; i < length; ) {
      if (i % READ_CHUNK === 0) await checkpoint(ctx.abort.signal);
      const at = offset + i;
      if (at % 4 === 0 && length - i >= 4) {
        const v = region.read32(at);
        out[i] = v & 0xff;
        out[i + 1] = (v >>> 8) & 0xff;
        out[i + 2] = (v >>> 16) & 0xff;
        out[i + 3] = (v >>> 24) & 0xff;
        i += 4;
      } else {
        out[i] = region.read8(at);
        i += 1;
      }
    }
    bytes = out;
    if (options.base === undefined) base = offset;
  } else {
    const input = readInput(file, "disasm");
    if (options.hex) {
      try {
        bytes = parseHexText(input.data.toString("utf8"));
      } catch (e) {
        throw new UsageError(`${input.name}: ${(e as Error).message}`, "hex input is pairs of hex digits separated by spaces or commas");
      }
    } else {
      bytes = new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.length);
    }
  }
  const lines = disassemble(bytes, { base });
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        base: jsonHex(base),
        length: bytes.length,
        instructions: lines.map((l) => ({
          offset: l.offset,
          address: jsonHex(l.address),
          bytes: bytesHex(l.bytes),
          mnemonic: l.mnemonic,
          text: l.text,
          comment: l.comment ?? null,
          invalid: l.invalid === true,
        })),
      }),
    );
    return 0;
  }
  const listing = formatListing(lines);
  writeStdout(listing.length ? `${listing.join("\n")}\n` : "");
  return 0;
}

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"pl330">): Promise<number> {
  const [action, file, extra] = args;
  if (action === "exec") return (await import("../pl330-exec/exec.ts")).exec(ctx, args.slice(1), options);
  const execOnly = (["buffer", "dump", "channel", "timeout", "events", "asm", "binary"] as const).find((k) => options[k] !== undefined);
  if (execOnly) throw new UsageError(`--${execOnly} is an option of pl330 exec, not of ${action}`, "vfio-plat pl330 exec DEVICE PROGRAM --buffer NAME=SIZE");
  if (extra !== undefined) throw new UsageError(`too many arguments for pl330 ${action}: '${extra}'`, `vfio-plat pl330 ${action} FILE|-`);
  const actions: Record<Exclude<(typeof PL330_ACTIONS)[number], "exec">, typeof asm> = { asm, disasm };
  if ((PL330_ACTIONS as readonly string[]).includes(action ?? "")) return actions[action as keyof typeof actions](ctx, file, options);
  const forms = { asm: "asm FILE|-", disasm: "disasm FILE|-", exec: "exec DEVICE PROGRAM" };
  throw new UsageError(`unknown pl330 action '${action ?? ""}'`, `use: ${PL330_ACTIONS.map((a) => `vfio-plat pl330 ${forms[a]}`).join("  or  ")}`);
}
