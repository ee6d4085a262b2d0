// `vfio-plat dma-test DEVICE`: copy memory with a PL330 through the IOMMU the way the kernel VFIO selftests' driver
// test does — map source, destination and microcode buffers, start Linux's memcpy program, wait for the completion
// interrupt, verify every byte (and guard bytes around the destination), report throughput. On noiommu the buffers
// are pinned memory at physical addresses, copied one PL330 job per physically contiguous piece. `--inject` maps the
// buffers so the copy faults (exit 1), or runs a program that stops short so the verify finds it (exit 8).
// The parts live in src/cli/dma-test/: options, plan, run, verify, report, fault-report, pl330-words.
import { Pl330Driver } from "../../drivers/pl330/driver.ts";
import { PL330_COMPATIBLE } from "../../drivers/pl330/errors.ts";
import { UnsupportedError } from "../../vfio/errors.ts";
import { UsageError } from "../usage-error.ts";
import type { CliContext } from "../context.ts";
import type { OptionsOf } from "../command-options.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { pinningWarning } from "../output/library-words.ts";
import { dmaInFlightNotice, pinningNotice } from "../output/notices.ts";
import { writeStderr, writeStdout } from "../output/stdio.ts";
import { parseDmaTestOptions } from "../dma-test/options.ts";
import { planCopy } from "../dma-test/plan.ts";
import { pl330InWords } from "../dma-test/pl330-words.ts";
import { jsonDoc, printHeader, summaryLine, type RunFacts } from "../dma-test/report.ts";
import { runCopies } from "../dma-test/run.ts";
import { stopBeforeFree } from "../dma-test/stop-before-free.ts";
import { QuiesceBeforeFree } from "../script/quiesce-before-free.ts";

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"dma-test">): Promise<number> {
  try {
    return await dmaTest(ctx, args, options);
  } catch (e) {
    throw pl330InWords(e);
  }
}

async function dmaTest(ctx: CliContext, args: string[], options: OptionsOf<"dma-test">): Promise<number> {
  const opts = parseDmaTestOptions(args, options);

  // Refuse a device the board itself says is something else before binding questions come up.
  const { dev } = await findDevice(ctx, opts.deviceSpec);
  if (dev.compatible.length > 0 && !dev.compatible.includes(PL330_COMPATIBLE)) {
    throw new UnsupportedError(
      `${dev.name} is not a PL330 DMA controller (compatible: ${dev.compatible.join(", ")})`,
      "dma-test drives an arm,pl330; see vfio-plat list",
    );
  }
  // noiommu: the buffers are pinned memory at physical addresses and nothing stands between the DMAC and memory, so an
  // injection that relies on the IOMMU refusing an access (unmapped, read-only) has nothing to bite on.
  const refuseOnNoiommu = () => {
    if (!opts.faultInjection) return;
    throw new UsageError(
      `--inject ${opts.faultInjection} needs an IOMMU to fault the access: ${dev.name} is in a noiommu container, where the DMAC reaches physical memory unchecked`,
      "on noiommu use --inject short-copy or shifted-dst (the verify catches those), or bind the DMAC on a board with an SMMU",
    );
  };
  if (dev.groupNode?.includes("/noiommu-")) refuseOnNoiommu();
  const { b, session } = await openCliDevice(ctx, opts.deviceSpec);
  if (session.noiommu) refuseOnNoiommu();

  const driver = new Pl330Driver(b, session.device, session.device.region(0));
  const info = driver.init(); // the identity first: nothing is written to a device that is not a PL330
  driver.checkChannel(opts.channel);
  const quiesce = new QuiesceBeforeFree(session.device, session.noiommu, (why) => writeStderr(dmaInFlightNotice(session.device.name, why, ctx.json)));
  const beforeRelease = stopBeforeFree(session.noiommu, () => driver.channelStatus(opts.channel), quiesce);
  const plan = planCopy(b, session, (fn) => ctx.onCleanup(fn), opts, info, beforeRelease);
  ctx.onCleanup(() => driver.remove()); // registered after the buffers' release, so it runs before it

  const facts: RunFacts = { name: session.device.name, opts, info, plan };
  const warning = pinningWarning(plan.dstBuffer.pinning);
  if (warning) writeStderr(pinningNotice(warning, ctx.json));
  if (!ctx.json) printHeader(facts, driver.describe());
  const results = await runCopies(ctx, b, driver, facts);
  writeStdout(ctx.json ? jsonDoc(facts, results, { end: { reason: "done" } }) : summaryLine(facts, results));
  return 0;
}
