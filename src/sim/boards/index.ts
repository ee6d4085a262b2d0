// The boards the simulator knows by name. A board can also be passed as a BoardSpec object (tests do). Each is built
// (its module evaluated) the first time it is asked for: a boundary on an existing state directory reads its board
// from board.json and never needs one.
import type { BoardSpec } from "./board-spec.ts";

type Virt = typeof import("./virt.ts");
const virt = (): Virt => require("./virt.ts") as Virt;

/** The built-in boards by name (enumerable getters: Object.keys lists them without building any). */
export const BOARDS: Readonly<Record<string, BoardSpec>> = {
  get virt() {
    return virt().VIRT;
  },
  get "virt-noiommu"() {
    return virt().VIRT_NOIOMMU;
  },
};

export const DEFAULT_BOARD = "virt";
