// Which device-tree nodes become devices, and on which bus, following of_platform_populate() (drivers/of/platform.c):
// the root's children and, recursively, the children of simple-bus / simple-mfd / isa / arm,amba-bus nodes; a node
// needs a `compatible`, must be available (`status` absent, "okay" or "ok"), and is an AMBA device when compatible with
// "arm,primecell" (its children are not walked). Nodes the kernel initialises before of_platform_populate runs and
// marks OF_POPULATED are skipped: root interrupt controllers matched by IRQCHIP_DECLARE (of_irq_init in
// drivers/of/irq.c: the GICs) and clocks registered by CLK_OF_DECLARE (of_clk_init: fixed-clock, fixed-factor-clock).
import type { DtNode } from "./fdt-parse.ts";
import type { DtReader } from "./dt-props.ts";
import { isGic } from "./dt-interrupts.ts";

/** of_default_bus_match_table (with CONFIG_ARM_AMBA). */
const BUS_COMPATIBLES = new Set(["simple-bus", "simple-mfd", "isa", "arm,amba-bus"]);
/** of_skipped_node_table. */
const SKIPPED = new Set(["operating-points-v2"]);
/** Set OF_POPULATED before of_platform_populate: clock providers of CLK_OF_DECLARE (the generic ones). */
const EARLY_CLOCKS = new Set(["fixed-clock", "fixed-factor-clock"]);

export interface PopulatedNode {
  node: DtNode;
  bus: "platform" | "amba";
}

/** True when the kernel set OF_POPULATED on the node before populating (an early irqchip or clock). */
function initialisedEarly(r: DtReader, node: DtNode): boolean {
  const compat = r.compatible(node);
  if (compat.some((c) => EARLY_CLOCKS.has(c))) return true;
  return r.has(node, "interrupt-controller") && isGic(r, node);
}

/**
 * The nodes of_platform_default_populate_init() makes devices of, in creation order: the children of /firmware first
 * (SCMI, SCPI, ...), then the rest of the tree (depth first, DT order); a node is created once (OF_POPULATED).
 */
export function populate(r: DtReader, root: DtNode): PopulatedNode[] {
  const out: PopulatedNode[] = [];
  const seen = new Set<DtNode>();
  const create = (node: DtNode): void => {
    if (seen.has(node)) return;
    const compat = r.strings(node, "compatible");
    if (compat === undefined) return; // strict: no compatible, no device
    if (compat.some((c) => SKIPPED.has(c))) return;
    if (!r.available(node) || initialisedEarly(r, node)) return;
    seen.add(node);
    if (compat.includes("arm,primecell")) {
      out.push({ node, bus: "amba" });
      return;
    }
    out.push({ node, bus: "platform" });
    if (!compat.some((c) => BUS_COMPATIBLES.has(c))) return;
    node.children.forEach(create);
  };
  root.children.find((n) => n.name === "firmware")?.children.forEach(create);
  root.children.forEach(create);
  return out;
}
