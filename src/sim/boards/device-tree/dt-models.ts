// Which simulated model and which Linux driver a device-tree node gets, from its compatibles: the devices the
// simulator models (PL330 -> dma-pl330, PL031 -> rtc-pl031, PL011 -> uart-pl011, virtio,mmio -> virtio-mmio, as the
// built-in virt board has them), the SMMUs (bound to their IOMMU driver; their registers are not modelled), and the
// generic MMIO model ("generic-mmio") for every other node, left without a driver. PrimeCell IDs come from
// `arm,primecell-periphid` when the tree forces one, else from what the model's ID registers hold.
import type { IrqSpec } from "../board-spec.ts";
import type { DtNode } from "./fdt-parse.ts";
import type { DtReader } from "./dt-props.ts";
import { nativeDriverOf } from "../native-drivers.ts";
import { smmuProfileOf } from "./dt-iommu.ts";

/** The model key of the generic MMIO model (registers that hold what is written). */
export const GENERIC_MMIO = "generic-mmio";

export interface NodeModel {
  model: string;
  nativeDriver?: string;
  nativeProbeError?: string;
  periphid?: number;
  modelOptions?: Record<string, unknown>;
}

/** PrimeCell IDs the simulated models answer with (the built-in virt board's values). */
const MODEL_PERIPHID: Record<string, number> = { pl330: 0x00241330, pl031: 0x00141031, pl011: 0x00141011 };
/** PL330 revision (PeriphID2[7:4]) -> the model's revision names. */
const PL330_REVISION = ["r0p0", "r1p0", "r1p1", "r1p2"];

/**
 * The PL330 model's options from its node: one interrupt line = the combined layout, else irq_abort plus one line per
 * event interrupt (the order Linux's binding lists them); `dma-channels` / `dma-requests` size the DMAC when given; a
 * forced periphid sets the revision; `arm,pl330-periph-burst` is kept as a fact (Linux issues bursts to peripherals).
 * @throws BoardFileError for a channel or request count the PL330 cannot have
 */
function pl330Options(r: DtReader, node: DtNode, irqs: IrqSpec[], periphid: number | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (irqs.length === 1) o["irqLayout"] = "combined";
  else if (irqs.length > 1) o["eventIrqLines"] = Math.min(irqs.length - 1, 32);
  const channels = r.u32(node, "dma-channels");
  if (channels !== undefined) {
    if (channels < 1 || channels > 8) r.fail(node, "dma-channels", "1..8 (a PL330 has at most 8 channels)", `${channels}`);
    o["channels"] = channels;
  }
  const requests = r.u32(node, "dma-requests");
  if (requests !== undefined) {
    if (requests > 32) r.fail(node, "dma-requests", "0..32 (a PL330 has at most 32 peripheral requests)", `${requests}`);
    o["peripherals"] = requests;
  }
  if (periphid !== undefined) {
    const rev = PL330_REVISION[(periphid >>> 20) & 0xf];
    if (rev) o["revision"] = rev;
  }
  if (r.has(node, "arm,pl330-periph-burst")) o["periphBurst"] = true;
  return o;
}

/** Model, driver and IDs of a populated node with interrupts `irqs`. */
export function nodeModelOf(r: DtReader, node: DtNode, irqs: IrqSpec[]): NodeModel {
  const compat = r.compatible(node);
  const forced = r.u32(node, "arm,primecell-periphid");
  const amba = compat.includes("arm,primecell");
  const id = (model: string) => (amba ? { periphid: forced ?? MODEL_PERIPHID[model]! } : {});
  // The driver Linux would bind (native-drivers.ts: the table board files are checked against too).
  const driver = nativeDriverOf(compat, amba ? "amba" : "platform");
  const drv = driver ? { nativeDriver: driver } : {};
  if (compat.includes("arm,pl330")) {
    const opts = pl330Options(r, node, irqs, forced);
    return { model: "pl330", ...drv, ...id("pl330"), ...(Object.keys(opts).length ? { modelOptions: opts } : {}) };
  }
  if (compat.includes("arm,pl031")) return { model: "pl031", ...drv, ...id("pl031") };
  if (compat.includes("arm,pl011") && amba) return { model: "pl011", ...drv, ...id("pl011") };
  // An empty transport: virtio-mmio reads magic/version/device id 0 and gives up (ENODEV), as on the lab's kernel.
  if (compat.includes("virtio,mmio")) return { model: "virtio-mmio", ...drv, nativeProbeError: "ENODEV" };
  const profile = smmuProfileOf(compat);
  if (profile) return { model: GENERIC_MMIO, ...drv };
  return { model: GENERIC_MMIO, ...(amba && forced !== undefined ? { periphid: forced } : {}) };
}
