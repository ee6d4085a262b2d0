// Executes a parsed, checked `run` script against one open device: each step is reported as it happens (a line of
// text, or a JSON Lines record), and the first failing step stops the script with its line number in the error. A
// signal stops it before the next step (a checkpoint precedes each one; `sleep` and `irq wait` end on it). DMA buffers
// the script maps live until `dma unmap` or the end of the script, whichever comes first; so do the mask/unmask
// eventfds it installs (`irq unmask-fd N` ... `irq unmask-fd N off`).
import { readClearSkippedJson } from "../output/range-words.ts";
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import { DmaBuffer } from "../../vfio/dma-buffer.ts";
import type { DmaMapping, DmaSpace } from "../../vfio/dma-space.ts";
import { TimeoutError, VerifyError, VfioError } from "../../vfio/errors.ts";
import { InterruptedError, interruptedOf, UsageError } from "../usage-error.ts";
import type { Device } from "../../vfio/device.ts";
import type { VirqfdHandle } from "../../vfio/virqfd.ts";
import { fillPattern, findMismatch, patternName } from "./dma-pattern.ts";
import { hex } from "../output/hex.ts";
import { formatHexdump } from "../output/hexdump.ts";
import { jsonRegister, jsonNanoseconds } from "../output/json.ts";
import { regionOf } from "../resolve-access.ts";
import { DEFAULT_IRQ_WAIT_MS, type ScriptLine, type ValueExpr } from "./parse-script.ts";
import { accessLabel, widthName, type Access, type Width } from "../parse/access.ts";
import { formatPeriod } from "../parse/periods.ts";
import { SyscallError } from "../../boundary/syscall-error.ts";
import { checkpoint, sleepUnlessStopped } from "../interrupt.ts";
import { readRegistersSkipping } from "../read-registers.ts";
import { readClearIn } from "../named-address.ts";
import { checkInMask, widthMax } from "../parse/value.ts";
import { dmaPlacementProblem, mappedLength } from "./dma-placement.ts";
import { pinningWarning } from "../output/library-words.ts";
import { pinningNotice } from "../output/notices.ts";
import { writeStderr } from "../output/stdio.ts";
import type { RegisterMap, RegisterSpec } from "../../registers/register-map.ts";
import { readTarget, targetHex, targetLabel, writeTarget } from "../target-io.ts";
import { expectTarget, pollTarget } from "../poll-register.ts";
import { targetJson } from "../output/target-json.ts";
import { QuiesceBeforeFree } from "./quiesce-before-free.ts";

export interface ScriptOutput {
  /** A human line (text mode). */
  text(line: string): void;
  /** A JSON Lines record (json mode). */
  record(rec: { type: string } & Record<string, unknown>): void;
  json: boolean;
}

/** What the `dma` verbs need: the boundary (for memory) and the device's DMA space (its container or IOAS). */
interface ScriptDma {
  b: KernelBoundary;
  space: DmaSpace;
  /** noiommu: told once when a buffer is freed while the device could not be reset (DMA may still be in flight). */
  inFlightWarning?: (why: string) => void;
}

function label(regionIndex: number, access: Access): string {
  return accessLabel(regionIndex, access.offset, access.width);
}

/** The kernel refused a `dma map ... at IOVA`: its errno stays in the message, the reason in words is the hint. */
class DmaMapRefusal extends VfioError {
  constructor(
    operation: string,
    cause: VfioError,
    readonly hint: string,
  ) {
    super(operation, { cause });
  }
}

/**
 * `e` as thrown by a `dma map`, or, when the kernel said EINVAL or EEXIST for a fixed IOVA and the IOMMU's window and
 * the live mappings say why (unaligned, reserved gap such as the MSI window, overlap), a DmaMapRefusal saying so.
 */
function explainMapRefusal(
  e: unknown,
  line: number,
  name: string,
  iova: bigint | undefined,
  size: number,
  space: DmaSpace,
  buffers: ReadonlyMap<string, DmaBuffer>,
): unknown {
  const errno = e instanceof VfioError && e.cause instanceof SyscallError ? e.cause.code : undefined;
  if (iova === undefined || (errno !== "EINVAL" && errno !== "EEXIST")) return e;
  let problem: string | undefined;
  try {
    const window = space.dmaWindow();
    const owner = (m: DmaMapping): string | undefined => [...buffers].find(([, buf]) => buf.iova === m.iova)?.[0];
    problem = dmaPlacementProblem(window, space.mappings, iova, mappedLength(size, window), owner);
  } catch {
    return e; // no window to explain with: the kernel's answer alone
  }
  if (problem === undefined) return e;
  return new DmaMapRefusal(`line ${line}: dma map ${name} at 0x${iova.toString(16)}`, e as VfioError, `${problem}; choose another IOVA, or leave out 'at'`);
}

/** What a script holds until its end: DMA buffers by name, mask/unmask eventfds by "unmask:INDEX". */
interface ScriptResources {
  buffers: Map<string, DmaBuffer>;
  virqfds: Map<string, VirqfdHandle>;
  /** noiommu: reset the device (or warn) before a buffer's pages go back to the kernel. */
  quiesce: QuiesceBeforeFree;
}

/** The device's register map (named steps, dumps that skip read-to-clear registers), and the run's overrides. */
export interface ScriptRegs {
  map?: RegisterMap;
  force?: boolean;
  /** Let dumps read read-to-clear registers (run --read-clear). */
  readClear?: boolean;
}

/** How far a script got: the steps finished (a signal or an error stops it early). */
export interface ScriptProgress {
  done: number;
}

/** `n` in decimal and hex, as values refused at run time are shown: "-4 (-0x4)", "4294967311 (0x10000000f)". */
function decHex(n: bigint): string {
  return `${n} (${n < 0n ? "-" : ""}0x${(n < 0n ? -n : n).toString(16)})`;
}

/**
 * Run `lines` on `device`. Variables captured by `read ... as NAME` live for the script. Before each step the script
 * gives pending signal handlers a turn and stops if one ran; buffers are unmapped on every way out.
 * @throws the failing step's error, its message prefixed with "line N:"; InterruptedError on a signal, its message
 *   saying which line did not run ("before line N") or which step it stopped ("line N: ... during sleep 5s")
 */
export async function runScript(
  device: Device,
  lines: readonly ScriptLine[],
  out: ScriptOutput,
  signal: AbortSignal,
  dma?: ScriptDma,
  progress: ScriptProgress = { done: 0 },
  regs: ScriptRegs = {},
): Promise<void> {
  const buffers = new Map<string, DmaBuffer>();
  const virqfds = new Map<string, VirqfdHandle>();
  const quiesce = new QuiesceBeforeFree(device, dma?.space.noiommu ?? false, dma?.inFlightWarning ?? (() => {}));
  try {
    await runSteps(device, lines, out, signal, dma, { buffers, virqfds, quiesce }, progress, regs);
  } finally {
    if (buffers.size > 0) quiesce.beforeFree();
    for (const buf of buffers.values()) buf.release();
    for (const h of virqfds.values()) h.close();
  }
}

async function runSteps(
  device: Device,
  lines: readonly ScriptLine[],
  out: ScriptOutput,
  signal: AbortSignal,
  dma: ScriptDma | undefined,
  { buffers, virqfds, quiesce }: ScriptResources,
  progress: ScriptProgress,
  regs: ScriptRegs,
): Promise<void> {
  const vars = new Map<string, bigint>();
  const buffer = (name: string): DmaBuffer => {
    const buf = buffers.get(name);
    if (!buf) throw new UsageError(`no DMA buffer '${name}'`, `map it first: dma map ${name} SIZE`);
    return buf;
  };
  /** The value a step writes or expects; a variable's sum must fit the access and the mask (checked before use). */
  const value = (v: ValueExpr, width: Width, mask: bigint | undefined): bigint => {
    if ("literal" in v) return v.literal;
    const base = vars.get(v.variable);
    if (base === undefined) throw new UsageError(`variable $${v.variable} is not set (use: read ADDRESS as ${v.variable})`);
    const sum = base + v.add;
    if (sum < 0n || sum > widthMax(width)) {
      throw new UsageError(
        `${v.text} is ${decHex(sum)} ($${v.variable} = ${decHex(base)}): ${sum < 0n ? "negative" : `does not fit a ${widthName(width)} access`}`,
        `this line did not run; a ${widthName(width)} value is 0 to 0x${widthMax(width).toString(16)}`,
      );
    }
    if (mask !== undefined) checkInMask(sum, mask, v.text);
    return sum;
  };
  for (const { line, text, step } of lines) {
    try {
      await checkpoint(signal);
    } catch (e) {
      if (e instanceof InterruptedError) e.message = `${e.message} before line ${line} (${progress.done} of ${lines.length} steps done)`;
      throw e;
    }
    try {
      switch (step.op) {
        case "read": {
          const region = regionOf(device, step.access);
          const t = step.target;
          if (t && step.count === undefined) {
            const { value: v } = readTarget(device, t);
            if (step.as) vars.set(step.as, v);
            if (out.json) out.record({ type: "read", line, ...targetJson(t, region.index, v), values: [t.field ? `0x${v.toString(16)}` : jsonRegister(v, step.access.width)] });
            else out.text(`${t.name} = ${targetHex(t, v)}${step.as ? ` ($${step.as})` : ""}`);
            break;
          }
          // A dump leaves read-to-clear registers unread unless the run was told otherwise (run --read-clear).
          const skip = step.count === undefined || regs.readClear || !regs.map ? new Map<number, RegisterSpec>() : readClearIn({ map: regs.map }, region.index, step.access.offset, step.access.width, step.count);
          const values = await readRegistersSkipping(region, Number(step.access.offset), step.access.width, step.count ?? 1, skip, signal);
          if (step.as) vars.set(step.as, values[0]!);
          if (out.json) {
            out.record({ type: "read", line, region: region.index, offset: `0x${step.access.offset.toString(16)}`, width: step.access.width * 8, values: values.map((x, i) => (skip.has(i) ? null : jsonRegister(x, step.access.width))), ...(skip.size ? { skipped: readClearSkippedJson(skip.values()) } : {}) });
          } else if (step.count === undefined) {
            out.text(`${label(region.index, step.access)} = ${hex(values[0]!, step.access.width)}${step.as ? ` ($${step.as})` : ""}`);
          } else {
            if (skip.size) out.text(`not read (read-to-clear): ${[...new Set(skip.values())].map((r) => r.name).join(", ")}`);
            for (const l of formatHexdump(values, { width: step.access.width, start: step.access.offset, hidden: new Set(skip.keys()) })) out.text(l);
          }
          break;
        }
        case "write": {
          const region = regionOf(device, step.access);
          const t = step.target;
          if (t) {
            const v = value(step.value, step.access.width, step.mask);
            const { written } = writeTarget(device, regs.map, t, v, step.mask, { force: regs.force === true, readClear: regs.readClear === true });
            // A field shows the value asked for; a register (masked or not) the value that reached it.
            const shown = t.field ? v : written;
            if (out.json) out.record({ type: "write", line, ...targetJson(t, region.index, shown), written: jsonRegister(written, step.access.width) });
            else out.text(`${t.name} <- ${targetHex(t, shown)}`);
            break;
          }
          // An offset that hits a mapped register: the library plans a masked write (W1C bits outside the mask kept).
          const { written: v } = writeTarget(device, regs.map, { access: step.access }, value(step.value, step.access.width, step.mask), step.mask, { force: true, readClear: true });
          if (out.json) out.record({ type: "write", line, ...targetJson({ access: step.access }, region.index, v), written: jsonRegister(v, step.access.width) });
          else out.text(`${accessLabel(region.index, step.access.offset, step.access.width)} <- ${hex(v, step.access.width)}`);
          break;
        }
        case "expect": {
          const region = regionOf(device, step.access);
          const t = step.target;
          if (t) {
            const c = expectTarget(device, t, value(step.value, step.access.width, step.mask), step.mask);
            if (out.json) out.record({ type: "expect", line, ...targetJson(t, region.index, c.value), ok: true });
            else out.text(`${t.name} = ${targetHex(t, c.value)} as expected`);
            break;
          }
          // As the expect command: a mismatch carries the check's facts (target, expected, actual) for reports.
          const got = expectTarget(device, { access: step.access }, value(step.value, step.access.width, step.mask), step.mask).value;
          if (out.json) out.record({ type: "expect", line, ...targetJson({ access: step.access }, region.index, got), ok: true });
          else out.text(`${label(region.index, step.access)} = ${hex(got, step.access.width)} as expected`);
          break;
        }
        case "poll": {
          const t = step.target ?? { access: step.access };
          const region = regionOf(device, step.access);
          const r = await pollTarget(device, t, value(step.value, step.access.width, step.mask), step.mask, { timeoutMs: step.timeoutMs, intervalMs: step.intervalMs, signal });
          if (out.json) out.record({ type: "poll", line, ...targetJson(t, region.index, r.value), reads: r.reads });
          else out.text(`${targetLabel(t, region.index)} = ${targetHex(t, r.value)} after ${r.reads} read${r.reads === 1 ? "" : "s"}`);
          break;
        }
        case "irq": {
          const irq = device.irq(step.index);
          if (step.action === "arm") irq.enable();
          else if (step.action === "disarm") irq.disable();
          else if (step.action === "mask") irq.mask();
          else if (step.action === "unmask") irq.unmask();
          else if (step.action === "trigger") irq.trigger();
          else if (step.action === "expect-none") {
            // Nothing may arrive within the period (0: nothing pending now), e.g. while a mask eventfd holds the line.
            const ms = step.timeoutMs ?? 0;
            const ev = await irq.wait(ms, { signal });
            if (ev) throw new VerifyError(`interrupt ${step.index} arrived (count ${ev.count}) within ${formatPeriod(ms)}, expected none`);
            if (out.json) out.record({ type: "irq-none", line, index: step.index, ms });
            else out.text(`irq ${step.index}: none within ${formatPeriod(ms)}`);
            break;
          } else {
            const timeout = step.timeoutMs ?? DEFAULT_IRQ_WAIT_MS;
            const ev = await irq.wait(timeout, { signal });
            if (!ev) throw new TimeoutError(`no interrupt ${step.index} within ${formatPeriod(timeout)}`);
            if (out.json) out.record({ type: "irq", line, index: step.index, count: Number(ev.count), t_ns: jsonNanoseconds(ev.tNs) });
            else out.text(`irq ${step.index}: count ${ev.count}`);
            break;
          }
          if (out.json) out.record({ type: "irq-" + step.action, line, index: step.index });
          else out.text(`irq ${step.index}: ${step.action}`);
          break;
        }
        case "irq-virqfd": {
          const irq = device.irq(step.index);
          const key = `${step.action}:${step.index}`;
          let fd: number | null = null;
          if (step.off) {
            const h = virqfds.get(key);
            virqfds.delete(key);
            // Ours: remove it and close the eventfd. None of ours: ask the kernel anyway (fd -1), it has the last word.
            if (h) h.close();
            else if (step.action === "unmask") irq.setUnmaskEventfd(undefined);
            else irq.setMaskEventfd(undefined);
          } else {
            // A second one on the same line is the kernel's EBUSY (the first stays installed).
            const h = step.action === "unmask" ? irq.unmaskEventfd() : irq.maskEventfd();
            virqfds.set(key, h);
            fd = h.fd;
          }
          if (out.json) out.record({ type: "irq-virqfd", line, index: step.index, action: step.action, fd });
          else out.text(`irq ${step.index}: ${step.action} eventfd ${fd === null ? "removed" : `installed (fd ${fd})`}`);
          break;
        }
        case "irq-signal": {
          const h = virqfds.get(`${step.action}:${step.index}`);
          if (!h) throw new UsageError(`no ${step.action} eventfd is installed on interrupt ${step.index}`, `install one first: irq ${step.action}-fd ${step.index}`);
          h.signal();
          if (out.json) out.record({ type: "irq-signal", line, index: step.index, action: step.action });
          else out.text(`irq ${step.index}: ${step.action} eventfd signalled`);
          break;
        }
        case "sleep":
          await sleepUnlessStopped(step.ms, signal);
          if (out.json) out.record({ type: "sleep", line, ms: step.ms });
          break;
        case "reset":
          device.reset();
          if (out.json) out.record({ type: "reset", line });
          else out.text("reset");
          break;
        case "dma-map": {
          if (!dma) throw new UsageError("dma map needs the device's container or IOAS (run it through `vfio-plat run`)");
          if (buffers.has(step.name)) throw new UsageError(`DMA buffer '${step.name}' is already mapped`, `dma unmap ${step.name} first`);
          const perm = { read: step.perm !== "write", write: step.perm !== "read" };
          let buf: DmaBuffer;
          try {
            buf = DmaBuffer.allocate(dma.b, dma.space, step.size, perm, step.iova);
          } catch (e) {
            throw explainMapRefusal(e, line, step.name, step.iova, step.size, dma.space, buffers);
          }
          buffers.set(step.name, buf);
          vars.set(step.name, buf.iova);
          const warning = pinningWarning(buf.pinning);
          if (warning) writeStderr(pinningNotice(warning, out.json));
          if (out.json) {
            out.record({ type: "dma-map", line, name: step.name, iova: `0x${buf.iova.toString(16)}`, size: buf.size, perm: step.perm, ...(buf.physical ? { physical: true, pages: buf.pinning?.pages } : {}) });
          } else {
            // noiommu: the address is physical and the permission is not enforced (nothing translates).
            const at = buf.physical ? `physical address 0x${buf.iova.toString(16)} (${step.perm}, not enforced: noiommu)` : `IOVA 0x${buf.iova.toString(16)} (${step.perm})`;
            out.text(`dma ${step.name}: ${buf.size} bytes at ${at} = $${step.name}`);
          }
          break;
        }
        case "dma-fill": {
          const buf = buffer(step.name);
          await fillPattern(buf.bytes, step.pattern, () => checkpoint(signal));
          if (out.json) out.record({ type: "dma-fill", line, name: step.name, pattern: patternName(step.pattern), size: buf.size });
          else out.text(`dma ${step.name}: filled ${buf.size} bytes (${patternName(step.pattern)})`);
          break;
        }
        case "dma-expect": {
          const buf = buffer(step.name);
          const offset = step.offset ?? 0;
          const length = step.length ?? buf.size - offset;
          if (offset + length > buf.size) {
            throw new UsageError(`dma expect ${step.name}: ${length} bytes at offset 0x${offset.toString(16)} run past its ${buf.size} bytes`);
          }
          const got = buf.bytes.subarray(offset, offset + length);
          const bad = await findMismatch(got, step.pattern, () => checkpoint(signal));
          const what = `${patternName(step.pattern)}, ${length} bytes at offset 0x${offset.toString(16)}`;
          if (bad) {
            throw new VerifyError(
              `dma ${step.name}: byte 0x${(offset + bad.at).toString(16)} is ${hex(got[bad.at]!, 1)}, expected ${hex(bad.want, 1)} (${what}) MISMATCH`,
            );
          }
          if (out.json) out.record({ type: "dma-expect", line, name: step.name, ok: true, pattern: patternName(step.pattern), offset, length });
          else out.text(`dma ${step.name}: ${what} as expected`);
          break;
        }
        case "dma-unmap": {
          const buf = buffer(step.name);
          buffers.delete(step.name);
          quiesce.beforeFree();
          buf.release();
          if (out.json) out.record({ type: "dma-unmap", line, name: step.name });
          else out.text(`dma ${step.name}: unmapped (IOVA 0x${buf.iova.toString(16)})`);
          break;
        }
      }
    } catch (e) {
      // A kernel refusal is reported as "<operation>: <errno>", so the line goes into the operation, not the message.
      if (e instanceof VfioError && e.cause instanceof SyscallError) {
        throw new VfioError(`line ${line}: ${e.operation}`, { ...(e.device !== undefined ? { device: e.device } : {}), cause: e });
      }
      // A signal inside a step (sleep, irq wait, a long read, dma fill or expect) names the step it stopped.
      e = interruptedOf(e);
      if (e instanceof InterruptedError) e.message = `${e.message} during ${text}`;
      if (e instanceof Error && !e.message.startsWith("line ")) e.message = `line ${line}: ${e.message}`;
      throw e;
    }
    progress.done++;
  }
}
