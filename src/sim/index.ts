// The simulated backend: a board model behind the same kernel boundary as the real machine.
export { createSimBoundary, SimBoundary, type SimOptions } from "./sim-boundary.ts";
export { BOARDS, DEFAULT_BOARD } from "./boards/index.ts";
export type { BoardSpec, DeviceSpec } from "./boards/board-spec.ts";
