// The boards the simulator knows by name. A board can also be passed as a BoardSpec object (tests do).
import type { BoardSpec } from "./board-spec.ts";
import { VIRT, VIRT_NOIOMMU } from "./virt.ts";

export const BOARDS: Record<string, BoardSpec> = {
  [VIRT.name]: VIRT,
  [VIRT_NOIOMMU.name]: VIRT_NOIOMMU,
};

export const DEFAULT_BOARD = VIRT.name;
