// Checks a parsed `run` script as a whole before its first step touches the device: first the flow (a variable used
// before it is set, a DMA buffer used before it is mapped, `irq wait` on an interrupt never armed), then, once the
// device is open, every address, interrupt index and reset against the device. A bad line 3 must never leave line 1's
// write done.
import type { Device } from "../../vfio/device.ts";
import type { DmaSpace, DmaWindow } from "../../vfio/dma-space.ts";
import { InvalidArgumentError, UnsupportedError } from "../../vfio/errors.ts";
import { UsageError } from "../usage-error.ts";
import { regionOf } from "../resolve-access.ts";
import { mappedLength } from "./dma-placement.ts";
import type { ScriptLine, Step } from "./parse-script.ts";
import { checkRegister } from "../register-io.ts";

function atLine(line: number, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if ((e instanceof InvalidArgumentError || e instanceof UnsupportedError) && !e.message.startsWith("line ")) e.message = `line ${line}: ${e.message}`;
    throw e;
  }
}

function variablesRead(step: Step): string[] {
  if ((step.op === "write" || step.op === "expect" || step.op === "poll") && "variable" in step.value) return [step.value.variable];
  return [];
}

/**
 * Walk the script in order and refuse, with the line number, what would fail half-way: `$x` before `read ... as x`
 * or `dma map x`; `dma fill/expect/unmap x` while x is not mapped; `dma map x` while x is still mapped; `irq wait N`
 * or `irq expect-none N` while N is not armed (`irq arm N` first); `irq signal-unmask N` with no `irq unmask-fd N`
 * installed (and the same for mask).
 * @throws UsageError "line N: ..."
 */
export function checkScriptFlow(lines: readonly ScriptLine[]): void {
  const vars = new Set<string>();
  const mapped = new Map<string, number>();
  const armed = new Set<number>();
  /** "unmask:0": the mask/unmask eventfds installed at this line. */
  const virqfds = new Set<string>();
  for (const { line, step } of lines) {
    atLine(line, () => {
      for (const name of variablesRead(step)) {
        if (!vars.has(name)) {
          throw new UsageError(
            `variable $${name} is not set by any line before this one`,
            `set it first: read ADDRESS as ${name}, or dma map ${name} SIZE`,
          );
        }
      }
      switch (step.op) {
        case "read":
          if (step.as) vars.add(step.as);
          break;
        case "irq":
          if (step.action === "arm") armed.add(step.index);
          else if (step.action === "disarm") armed.delete(step.index);
          else if ((step.action === "wait" || step.action === "expect-none") && !armed.has(step.index)) {
            throw new UsageError(`irq ${step.action} ${step.index}: interrupt ${step.index} is not armed`, `arm it first: irq arm ${step.index}`);
          }
          break;
        case "irq-virqfd":
          // A second install without `off` is left to the kernel (EBUSY), whose answer the lab compares.
          if (step.off) virqfds.delete(`${step.action}:${step.index}`);
          else virqfds.add(`${step.action}:${step.index}`);
          break;
        case "irq-signal":
          if (!virqfds.has(`${step.action}:${step.index}`)) {
            throw new UsageError(
              `irq signal-${step.action} ${step.index}: no ${step.action} eventfd is installed on interrupt ${step.index} at this line`,
              `install one first: irq ${step.action}-fd ${step.index}`,
            );
          }
          break;
        case "dma-map": {
          const live = mapped.get(step.name);
          if (live) {
            throw new UsageError(`DMA buffer '${step.name}' is already mapped (line ${live})`, `dma unmap ${step.name} first`);
          }
          mapped.set(step.name, line);
          vars.add(step.name);
          break;
        }
        case "dma-fill":
        case "dma-expect":
        case "dma-unmap":
          if (!mapped.has(step.name)) {
            throw new UsageError(`no DMA buffer '${step.name}' is mapped at this line`, `map it first: dma map ${step.name} SIZE`);
          }
          if (step.op === "dma-unmap") mapped.delete(step.name);
          break;
        default:
          break;
      }
    });
  }
}

/**
 * Check every step against the open device and its DMA space before the first one runs: each region exists, can be
 * read or written as the step needs (64-bit accesses need an mmap-able region) and each access (with its COUNT) is
 * aligned and inside it; each interrupt index exists; `reset` has a reset function behind it; `dma map` has an IOMMU;
 * `dma expect` ranges stay inside their buffer.
 * @throws UsageError "line N: ...", UnsupportedError "line N: ..." for what the device or kernel cannot do
 */
export function checkScriptOnDevice(device: Device, lines: readonly ScriptLine[], space?: DmaSpace): void {
  const info = device.info();
  let window: DmaWindow | null | undefined;
  // The page size rounds buffer lengths for the `dma expect` check; a kernel that cannot say skips that check only.
  const windowOf = (s: DmaSpace): DmaWindow | null => {
    if (window === undefined) {
      try {
        window = s.dmaWindow();
      } catch {
        window = null;
      }
    }
    return window;
  };
  const lengths = new Map<string, bigint>();
  for (const { line, step } of lines) {
    atLine(line, () => {
      switch (step.op) {
        case "read":
        case "write":
        case "expect":
        case "poll": {
          const region = regionOf(device, step.access);
          const count = step.op === "read" ? (step.count ?? 1) : 1;
          const offset = Number(step.access.offset);
          checkRegister(region, offset, step.access.width);
          if (count > 1) checkRegister(region, offset + (count - 1) * step.access.width, step.access.width);
          const what = `region ${region.index} of ${device.name}`;
          if (step.op === "write" && !region.writable) throw new UnsupportedError(`${what} is read-only`);
          // A masked write reads the register first.
          if ((step.op !== "write" || step.mask !== undefined) && !region.readable) throw new UnsupportedError(`${what} is not readable`);
          if (step.access.width === 8 && !region.mappable) {
            throw new UnsupportedError(
              `${what} cannot be mmap'ed (no MMAP flag), and 64-bit accesses exist only through mmap`,
              "use 8/16/32-bit accesses (.b, .w, .l), which go through pread/pwrite",
            );
          }
          break;
        }
        case "irq":
        case "irq-virqfd":
        case "irq-signal":
          if (step.index >= info.numIrqs) {
            throw new UsageError(`${device.name} has no interrupt ${step.index} (it has ${info.numIrqs})`, "see `vfio-plat info` for its interrupts");
          }
          break;
        case "reset":
          if (!info.hasReset) {
            throw new UnsupportedError(
              `${device.name} has no reset function (VFIO_DEVICE_FLAGS_RESET not set)`,
              "reset the device through its own registers, or leave out the reset step",
            );
          }
          break;
        case "dma-map": {
          if (!space) break;
          if (space.noiommu) {
            // No IOMMU: the buffer is pinned memory the device sees at its physical address, which the kernel chose.
            if (step.iova !== undefined) {
              throw new UsageError(
                `dma map ${step.name} at 0x${step.iova.toString(16)}: on a noiommu container the device sees the buffer at its physical address, which the kernel chooses`,
                `leave out 'at': the buffer lands at its physical address, which $${step.name} holds`,
              );
            }
            break;
          }
          // Where a fixed IOVA may go is the kernel's call, asked at run time (its errno is part of what scripts
          // test); run-script.ts explains a refusal.
          const w = windowOf(space);
          if (w) lengths.set(step.name, mappedLength(step.size, w));
          break;
        }
        case "dma-expect": {
          const length = lengths.get(step.name);
          const offset = BigInt(step.offset ?? 0);
          const end = offset + BigInt(step.length ?? 0);
          if (length !== undefined && step.length !== undefined && end > length) {
            throw new UsageError(
              `dma expect ${step.name}: ${step.length} bytes at offset 0x${offset.toString(16)} run past its ${length} bytes`,
              `the buffer holds offsets 0x0-0x${(length - 1n).toString(16)}`,
            );
          }
          break;
        }
        default:
          break;
      }
    });
  }
}
