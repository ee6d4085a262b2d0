// `vfio-plat info DEVICE`: what VFIO reports for the device (flags, regions, interrupts), plus whether each region
// flagged MMAP could really be mapped (lsuio -m: trust, but try). A vfio-pci device's fixed indexes are named (BAR0-5,
// ROM, CONFIG, VGA; INTx, MSI, MSI-X, ERR, REQ), and an index the kernel refuses to describe (VGA on a function that
// is no VGA device, ERR on one without PCIe: EINVAL) is shown as unavailable, with why, instead of failing the
// command; a region of size 0 or an interrupt of count 0 is marked as not implemented. The register map the device
// gets (for names in read, write, poll, expect and run) is shown with why it applies.
import { VFIO_PCI_IRQ_NAMES, flagNames } from "../../vfio/abi/constants.ts";
import { UnsupportedError } from "../../vfio/errors.ts";
import { irqUnavailableReason, type Irq } from "../../vfio/irq.ts";
import { regionUnavailableReason, type Region } from "../../vfio/region.ts";
import type { IovaRange } from "../../vfio/iommu-info.ts";
import type { VfioSession } from "../../vfio/session.ts";
import type { CliContext } from "../context.ts";
import { findDevice, openCliDevice } from "../device-session.ts";
import { GroupNotViableError } from "../../host/host-errors.ts";
import { pl330Summary, pl330SummaryLines } from "../pl330-summary.ts";
import { hex } from "../output/hex.ts";
import { jsonDocument } from "../output/json.ts";
import { writeStdout } from "../output/stdio.ts";
import { formatTable } from "../output/table.ts";
import type { OptionsOf } from "../command-options.ts";
import { deviceMap, mapSourceWords, refineDeviceMap } from "../named-address.ts";

export async function run(ctx: CliContext, args: string[], options: OptionsOf<"info">): Promise<number> {
  let opened: Awaited<ReturnType<typeof openCliDevice>>;
  try {
    opened = await openCliDevice(ctx, args[0]!);
  } catch (e) {
    // A group that is not viable: what sysfs knows is still worth printing, then the refusal (exit 1) with its fix.
    if (e instanceof GroupNotViableError) {
      const { b, dev } = await findDevice(ctx, args[0]!);
      const { printUnopenedInfo } = await import("../info-not-viable.ts");
      printUnopenedInfo(ctx, b, dev);
    }
    throw e;
  }
  const { b, dev, session } = opened;
  const dm = refineDeviceMap(deviceMap(b, dev.name, options.regs), session.device);
  const device = session.device;
  const info = device.info();
  const pci = info.api === "vfio-pci";
  const regions = Array.from({ length: info.numRegions }, (_, index) => {
    const r = describe(() => device.region(index), () => regionUnavailableReason(device.regionNames[index], "refused"));
    if (!("ok" in r)) return { index, error: r.error, reason: r.reason };
    const mmap = r.ok.mappable && r.ok.size > 0 ? r.ok.tryMap() : undefined;
    r.ok.unmap();
    return { index, r: r.ok, mmap };
  });
  const irqs = Array.from({ length: info.numIrqs }, (_, index) => {
    const name = pci ? VFIO_PCI_IRQ_NAMES[index] : undefined;
    const r = describe(() => device.irq(index), () => irqUnavailableReason(name, "refused"));
    return "ok" in r ? { index, irq: r.ok, name } : { index, error: r.error, reason: r.reason, name };
  });
  const pl330 = pl330Summary(dev.compatible, device);
  const iommu = iommuView(session);
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
        iommu: iommu
          ? {
              page_sizes: iommu.pageSizes === undefined ? null : `0x${iommu.pageSizes.toString(16)}`,
              iova_alignment: `0x${iommu.alignment.toString(16)}`,
              iova_ranges: iommu.ranges?.map((r) => ({ start: `0x${r.start.toString(16)}`, end: `0x${r.end.toString(16)}` })) ?? null,
            }
          : null,
        regions: regions.map((e) =>
          e.r
            ? {
                index: e.index,
                name: e.r.name ?? null,
                size: e.r.size,
                offset: `0x${e.r.info.offset.toString(16)}`,
                flags: e.r.flagNames,
                mmap_tested: e.mmap ? e.mmap.ok : null,
                ...(e.r.size === 0 ? { unavailable: regionUnavailableReason(e.r.name, "size 0") } : {}),
              }
            : { index: e.index, name: device.regionNames[e.index] ?? null, size: null, offset: null, flags: [], mmap_tested: null, error: e.error, unavailable: e.reason },
        ),
        irqs: irqs.map((e) =>
          e.irq
            ? {
                index: e.index,
                ...(pci ? { name: e.name ?? null } : {}),
                count: e.irq.info.count,
                flags: flagNames("irq", e.irq.info.flags),
                trigger: e.irq.level ? "level" : "edge",
                ...(e.irq.info.count === 0 ? { unavailable: irqUnavailableReason(e.name, "count 0") } : {}),
              }
            : { index: e.index, ...(pci ? { name: e.name ?? null } : {}), count: null, flags: [], trigger: null, error: e.error, unavailable: e.reason },
        ),
        ...(pl330 ? { pl330 } : {}),
        register_map: dm ? { name: dm.map.name, registers: dm.map.registers.length, source: dm.source } : null,
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
          e.r.size === 0 ? "not implemented" : e.mmap === undefined ? "" : e.mmap.ok ? "mmap ok" : `mmap FAILED (${e.mmap.error})`,
        ]
      : [`  ${e.index}`, device.regionNames[e.index] ?? "-", "unavailable", "", "", e.reason],
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
          e.irq.info.count === 0 ? "not implemented" : "",
        ]
      : [`  ${e.index}`, ...(pci ? [e.name ?? "-"] : []), "unavailable", "", "", e.reason],
  );
  out.push(...formatTable(irqRows));
  if (pl330) out.push(...pl330SummaryLines(pl330));
  out.push(
    dm
      ? `  register map: ${dm.map.name} (${dm.map.registers.length} registers), ${mapSourceWords(dm.source)}`
      : "  register map: none (registers by offset only; --regs FILE gives names)",
  );
  if (iommu) {
    const sizes = iommu.pageSizes === undefined ? `IOVA alignment ${sizeName(iommu.alignment)}` : `page sizes ${pageSizeNames(iommu.pageSizes)} (0x${iommu.pageSizes.toString(16)})`;
    const ranges = iommu.ranges?.map((r) => `0x${r.start.toString(16)}-0x${r.end.toString(16)}`).join(", ") ?? "not reported";
    out.push(`  IOMMU: ${sizes}; IOVA ranges ${ranges}`);
  }
  writeStdout(`${out.join("\n")}\n`);
  return 0;
}

/**
 * What the IOMMU offers the device's DMA: type1's iova_pgsizes and IOVA ranges (VFIO_IOMMU_GET_INFO), or an IOAS's
 * alignment and ranges (IOMMU_IOAS_IOVA_RANGES); undefined in noiommu mode.
 */
function iommuView(session: VfioSession): { pageSizes?: bigint; alignment: bigint; ranges?: IovaRange[] } | undefined {
  if (session.noiommu) return undefined;
  if (session.container) {
    const i = session.container.iommuInfo();
    return { pageSizes: i.pageSizes, alignment: i.minPageSize, ...(i.iovaRanges ? { ranges: i.iovaRanges } : {}) };
  }
  const w = session.dma.dmaWindow();
  return { alignment: w.pageSize, ...(w.iovaRanges ? { ranges: w.iovaRanges } : {}) };
}

/** 4K, 2M, 1G, 512M ... */
function sizeName(n: bigint): string {
  for (const [unit, shift] of [["G", 30n], ["M", 20n], ["K", 10n]] as const) if (n >= 1n << shift && n % (1n << shift) === 0n) return `${n >> shift}${unit}`;
  return String(n);
}

/** Every size of a page-size bitmap, smallest first ("4K 2M 1G"). */
function pageSizeNames(bitmap: bigint): string {
  const out: string[] = [];
  for (let bit = 0n; bit < 64n; bit++) if ((bitmap >> bit) & 1n) out.push(sizeName(1n << bit));
  return out.join(" ");
}

/**
 * Run a describe call; an index the kernel will not describe (the library's UnsupportedError for GET_*_INFO answering
 * EINVAL) becomes an entry with the errno and `reason()`.
 */
function describe<T extends Region | Irq>(fn: () => T, reason: () => string): { ok: T } | { error: string; reason: string } {
  try {
    return { ok: fn() };
  } catch (e) {
    if (e instanceof UnsupportedError) return { error: "EINVAL", reason: reason() };
    throw e;
  }
}
