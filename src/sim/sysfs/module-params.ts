// The VFIO module parameters under /sys/module/*/parameters, served from the simulated board's state: read as the
// kernel prints them, written with the kernel's parsing (kstrtobool for the switches, a decimal for
// dma_entry_limit) and EINVAL for what it would refuse; the read-only ones have no write.
import type { BoardState } from "../state/board-state.ts";
import type { StateStore } from "../state/state-store.ts";
import { Errno } from "../kernel/errno.ts";
import type { Node } from "./fs-node.ts";

const PARAMS: Record<string, { key: string; writable: boolean }> = {
  "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode": { key: "vfio.enable_unsafe_noiommu_mode", writable: true },
  "/sys/module/vfio_platform/parameters/reset_required": { key: "vfio_platform.reset_required", writable: false },
  "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts": { key: "vfio_iommu_type1.allow_unsafe_interrupts", writable: true },
  "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit": { key: "vfio_iommu_type1.dma_entry_limit", writable: true },
};

/** kstrtobool as module parameters parse it. */
function parseBool(v: string): string | undefined {
  const c = v.trim()[0];
  if (c === "1" || c === "y" || c === "Y") return "Y";
  if (c === "0" || c === "n" || c === "N") return "N";
  return undefined;
}

/** The node of module parameter `path`, or undefined when it is not one. */
export function paramNode(store: StateStore, s: BoardState, path: string): Node | undefined {
  const param = PARAMS[path];
  if (!param) return undefined;
  return {
    kind: "file",
    mode: param.writable ? 0o644 : 0o444,
    read: () => `${s.params[param.key] ?? ""}\n`,
    ...(param.writable ? { write: (v: string) => setParam(store, param.key, v) } : {}),
  };
}

/** @throws Errno EINVAL for a value the kernel's parser refuses (sim-fs.ts gives it as the write's errno) */
function setParam(store: StateStore, key: string, v: string): void {
  store.update((s) => {
    if (key.endsWith("dma_entry_limit")) {
      if (!/^\d+$/.test(v.trim())) throw new Errno("EINVAL");
      s.params[key] = v.trim();
      return;
    }
    const b = parseBool(v);
    if (!b) throw new Errno("EINVAL");
    s.params[key] = b;
  });
}
