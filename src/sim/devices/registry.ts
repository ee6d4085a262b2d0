// The device models the simulated board can instantiate, by the `model` key a DeviceSpec names. A new model adds
// one line here; the board and the simulated kernel look models up only through this table.
import type { DeviceModelFactory } from "../boards/board-spec.ts";
import { Edu } from "./edu.ts";
import { Pl011 } from "./pl011.ts";
import { Pl031 } from "./pl031.ts";
import { Pl330 } from "./pl330/pl330.ts";
import { VirtioMmioEmpty } from "./virtio-mmio.ts";

/** Factories by model key. A factory throws TypeError when the spec's modelOptions are invalid. */
export const DEVICE_MODELS: Record<string, DeviceModelFactory> = {
  pl031: (spec, ctx) => new Pl031(spec, ctx),
  pl011: (spec, ctx) => new Pl011(spec, ctx),
  "virtio-mmio": (spec, ctx) => new VirtioMmioEmpty(spec, ctx),
  pl330: (spec, ctx) => new Pl330(spec, ctx),
  edu: (spec, ctx) => new Edu(spec, ctx),
};
