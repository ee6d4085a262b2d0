// `vfio-plat info DEVICE`: what VFIO reports for the device (flags, regions, interrupts), plus whether each region
// flagged MMAP could really be mapped (lsuio -m: trust, but try). A vfio-pci device's fixed indexes are named (BAR0-5,
// ROM, CONFIG, VGA; INTx, MSI, MSI-X, ERR, REQ), and an index the kernel refuses to describe (VGA on a function that
// is no VGA device, ERR on one without PCIe: EINVAL) is shown as unavailable instead of failing the command.
import { SyscallError } from "../../boundary/syscall-error.ts";
import { VFIO_PCI_IRQ_NAMES, flagNames } from "../../vfio/abi/constants.ts";
import type { Irq } from "../../vfio/irq.ts";
import type { Region } from "../../vfio/region.ts";
import type { CliContext } from "../context.ts";
import { openCliDevice } from "../device-session.ts";
import { hex } from "../output/hex.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { formatTable } from "../output/table.ts";

export async function run(ctx: CliContext, args: string[]): Promise<number> {
  const { dev, session } = await openCliDevice(ctx, args[0]!);
  const device = session.device;
  const info = device.info();
  const pci = info.api === "vfio-pci";
  const regions = Array.from({ length: info.numRegions }, (_, index) => {
    const r = describe(() => device.region(index));
    if (!("ok" in r)) return { index, error: r.error };
    const mmap = r.ok.mappable && r.ok.size > 0 ? r.ok.tryMap() : undefined;
    r.ok.unmap();
    return { index, r: r.ok, mmap };
  });
  const irqs = Array.from({ length: info.numIrqs }, (_, index) => {
    const r = describe(() => device.irq(index));
    return "ok" in r ? { index, irq: r.ok, name: pci ? VFIO_PCI_IRQ_NAMES[index] : undefined } : { index, error: r.error, name: pci ? VFIO_PCI_IRQ_NAMES[index] : undefined };
  });
  if (ctx.json) {
    writeStdout(
      jsonDocument({
        device: device.name,
        bus: dev.bus,
        driver: dev.driver ?? null,
        api: info.api,
        flags: info.flagNames,
        iommu_group: session.groupId,
        iommu_mode: session.mode,
        group_node: session.group?.path ?? null,
        cdev: session.mode === "iommufd" ? session.node : null,
        noiommu: session.noiommu,
        regions: regions.map((e) =>
          e.r
            ? {
                index: e.index,
                name: e.r.name ?? null,
                size: e.r.size,
                offset: `0x${e.r.info.offset.toString(16)}`,
                flags: e.r.flagNames,
                mmap_tested: e.mmap ? e.mmap.ok : null,
              }
            : { index: e.index, name: device.regionNames[e.index] ?? null, size: null, offset: null, flags: [], mmap_tested: null, error: e.error },
        ),
        irqs: irqs.map((e) =>
          e.irq
            ? {
                index: e.index,
                ...(pci ? { name: e.name ?? null } : {}),
                count: e.irq.info.count,
                flags: flagNames("irq", e.irq.info.flags),
                trigger: e.irq.level ? "level" : "edge",
              }
            : { index: e.index, ...(pci ? { name: e.name ?? null } : {}), count: null, flags: [], trigger: null, error: e.error },
        ),
      }),
    );
    return 0;
  }
  const out: string[] = [];
  out.push(`${device.name}: ${info.api}, flags ${hex(info.flags, 4)} (${info.flagNames.join("|") || "none"})`);
  out.push(
    session.mode === "iommufd"
      ? `  IOMMU group ${session.groupId}, opened through ${session.node} + /dev/iommu (iommufd, IOAS ${session.ioas!.id})`
      : `  IOMMU group ${session.groupId} (${session.node})${session.noiommu ? ", noiommu: no DMA isolation" : ""}`,
  );
  out.push(`  ${info.numRegions} region(s):`);
  const regionRows = regions.map((e) =>
    e.r
      ? [
          `  ${e.index}`,
          e.r.name ?? "-",
          `size 0x${e.r.size.toString(16)}`,
          `offset 0x${e.r.info.offset.toString(16)}`,
          e.r.flagNames.join("|") || "none",
          e.mmap === undefined ? "" : e.mmap.ok ? "mmap ok" : `mmap FAILED (${e.mmap.error})`,
        ]
      : [`  ${e.index}`, device.regionNames[e.index] ?? "-", `unavailable (${e.error})`, "", "", ""],
  );
  out.push(...formatTable(regionRows));
  out.push(`  ${info.numIrqs} interrupt(s):`);
  const irqRows = irqs.map((e) =>
    e.irq
      ? [
          `  ${e.index}`,
          ...(pci ? [e.name ?? "-"] : []),
          `count ${e.irq.info.count}`,
          e.irq.level ? "level" : "edge",
          flagNames("irq", e.irq.info.flags).join("|") || "none",
        ]
      : [`  ${e.index}`, ...(pci ? [e.name ?? "-"] : []), `unavailable (${e.error})`, "", ""],
  );
  out.push(...formatTable(irqRows));
  writeStdout(`${out.join("\n")}\n`);
  return 0;
}

/** Run a describe call; a kernel EINVAL (the index exists but the kernel will not describe it) becomes an error entry. */
function describe<T extends Region | Irq>(fn: () => T): { ok: T } | { error: string } {
  try {
    return { ok: fn() };
  } catch (e) {
    const code = e instanceof Error && e.cause instanceof SyscallError ? e.cause.code : undefined;
    if (code === "EINVAL") return { error: code };
    throw e;
  }
}
