// dma-test's run: for each iteration fill the source, prepare the destination, stop here if a signal came, start
// the copy, wait for the completion interrupt (or fault, or timeout), verify. Every ending is reported through
// report.ts; a signal kills the channel before the buffers are unmapped, and the run says whether it stopped.
import type { KernelBoundary } from "../../boundary/kernel-boundary.ts";
import type { Pl330Driver } from "../../drivers/pl330/driver.ts";
import { kernelLogPosition } from "../../host/kernel-log.ts";
import { TimeoutError } from "../../vfio/errors.ts";
import { InterruptedError, interruptedOf } from "../usage-error.ts";
import type { CliContext } from "../context.ts";
import { checkpoint } from "../interrupt.ts";
import { startProgress } from "../output/progress.ts";
import { hexAddr } from "../output/hex.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { formatPeriod } from "../parse/periods.ts";
import { fillPattern, patternPeriod } from "../script/dma-pattern.ts";
import { reportFault } from "./fault-report.ts";
import { copyPattern, EXPECTED } from "./options.ts";
import { DmaFaultError, interruptedLine, iterationLine, jsonDoc, mismatchError, mismatchJson, type CopyResult, type RunFacts } from "./report.ts";
import { prepareDestination, verifyCopy } from "./verify.ts";

/**
 * Run the planned copies; returns their results when every one verified (exit 0 follows).
 * @throws VerifyError (a mismatch), DmaFaultError (a fault, or an injection that did not bite), TimeoutError,
 *   InterruptedError (a signal: the channel is killed first), after the ending has been reported
 */
export async function runCopies(ctx: CliContext, b: KernelBoundary, driver: Pl330Driver, f: RunFacts): Promise<CopyResult[]> {
  const { name, opts, plan } = f;
  const { channel, iterations, pattern, inject, faultInjection, timeoutMs } = opts;
  const json = ctx.json;
  const results: CopyResult[] = [];
  const doc = (extra: Record<string, unknown>) => jsonDoc(f, results, extra);
  const progress = startProgress({ label: "dma-test", total: iterations, unit: "copies", enabled: !json, delayMs: 0 });
  const between = () => checkpoint(ctx.abort.signal);
  let it = 0;
  try {
    for (it = 1; it <= iterations; it++) {
      // Without a source (--inject unmapped-src) the pattern goes to the destination: its complement is what it keeps.
      const copied = copyPattern(pattern);
      if (it === 1 || pattern.kind === "random") await fillPattern(plan.srcData ?? plan.dstData, copied, between);
      prepareDestination(plan, patternPeriod(copied)); // a copy that never happened cannot pass
      // A signal stops the run before the next copy starts (the wait below checks it too); the destination was
      // prepared without a turn of the event loop, so the checkpoint gives pending handlers one.
      await checkpoint(ctx.abort.signal);

      // One PL330 job per piece (one behind an IOMMU; one per physically contiguous stretch on noiommu), in order.
      let ns = 0n;
      let doneBefore = 0;
      for (const [k, piece] of plan.pieces.entries()) {
        const logSeq = kernelLogPosition(b);
        driver.memcpyStart({ channel, src: piece.src, dst: piece.dst, size: piece.size, program: { iova: BigInt(plan.programIova), bytes: plan.programView } });
        if (!json && process.stderr.isTTY && iterations === 1 && k === 0) {
          writeStderr(`waiting for the completion interrupt of ${name} channel ${channel} (timeout: ${formatPeriod(timeoutMs)} without progress)…\n`);
        }
        const outcome = await driver.memcpyWait(timeoutMs, ctx.abort.signal);

        if (outcome.status === "timeout") {
          const st = driver.kill(channel);
          const start = Number(piece.dst);
          const inPiece = outcome.dar >= start && outcome.dar <= start + piece.size ? outcome.dar - start : 0;
          const moved = doneBefore + inPiece;
          const of = plan.pieces.length > 1 ? ` (piece ${k + 1} of ${plan.pieces.length})` : "";
          if (json) writeStdout(doc({ timeout: { iteration: it, state: outcome.channel.state.name, event_seen: outcome.eventSeen, dar: hexAddr(outcome.dar), bytes_done: moved, after_kill: st.state.name }, end: { reason: "timeout" } }));
          throw new TimeoutError(
            `no completion from ${name} channel ${channel} and no progress for ${formatPeriod(timeoutMs)} (iteration ${it}/${iterations}${of}; ` +
              `channel was ${outcome.channel.state.name}, DAR ${hexAddr(outcome.dar)}, ${moved} of ${plan.copySize} bytes done` +
              `${outcome.eventSeen ? ", event seen but the channel never stopped" : ""}); channel killed (now ${st.state.name})`,
          );
        }
        if (outcome.status === "fault") {
          await reportFault(b, json, f, { it, fault: outcome.fault, logSeq, kill: () => driver.kill(channel), doc });
        }
        ns += outcome.ns;
        doneBefore += piece.size;
      }
      if (faultInjection) {
        // The injection should have faulted; a completed copy means the IOMMU did not enforce the mapping.
        const e = EXPECTED[faultInjection];
        if (json) writeStdout(doc({ fault: null, end: { reason: "no-fault" } }));
        throw new DmaFaultError(
          `--inject ${faultInjection}: the copy completed without a fault (expected a ${e.cause} and an SMMU ${e.smmu} fault)`,
          "the IOMMU did not enforce the mapping: check the SMMU profile (a bypassing or stage-2-only SMMU behaves differently)",
        );
      }
      const mismatch = verifyCopy(plan);
      results.push({ bytes: plan.size, ns, verified: mismatch === undefined });
      if (mismatch) {
        progress.end();
        if (json) writeStdout(doc({ mismatch: mismatchJson(it, mismatch), end: { reason: "mismatch" } }));
        throw mismatchError(f, it, mismatch);
      }
      if (plan.injected) {
        if (json) writeStdout(doc({ mismatch: null, end: { reason: "no-mismatch" } }));
        throw new DmaFaultError(`--inject ${inject}: the copy verified although its program ${plan.injected.what}`, "the DMAC did not run the program it was given");
      }
      if (!json && iterations > 1) {
        progress.hide(); // the progress line shares the terminal: erase it before this line, redraw after
        writeStdout(iterationLine(f, it, ns));
      }
      progress.update(it);
    }
  } catch (caught) {
    const e = interruptedOf(caught);
    if (e instanceof InterruptedError) {
      // Stop the channel now (the cleanups try again) so the report below is true when it is printed.
      let stopped = true;
      try {
        if (driver.current) stopped = driver.kill(channel).state.name === "Stopped";
      } catch {
        stopped = false;
      }
      progress.end();
      const done = results.length;
      if (json) writeStdout(doc({ end: { reason: "signal", signal: e.signal, iteration: Math.min(it, iterations), copies_done: done, channel_stopped: stopped } }));
      else writeStdout(interruptedLine(f, e.signal, done, stopped));
      // Unmapped either way (closing the container at exit would unmap them too): behind an IOMMU a channel that would
      // not stop can then only fault; on noiommu the plan's release first resets the device, or warns (stop-before-free).
      plan.release();
    }
    throw e;
  } finally {
    progress.end();
  }
  return results;
}
