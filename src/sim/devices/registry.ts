// The device models the simulated board can instantiate, by the `model` key a DeviceSpec names. A new model adds
// one line here; the board and the simulated kernel look models up only through this table. Each model's code is
// loaded (a synchronous require) the first time a device of that kind is opened, not when the board is: a command
// that opens the PL031 does not evaluate the PL330's twenty modules (CLI start-up, docs/performance.md).
import type { DeviceModelFactory } from "../boards/board-spec.ts";

type Edu = typeof import("./edu.ts");
type GenericMmio = typeof import("./generic-mmio.ts");
type Pl011 = typeof import("./pl011.ts");
type Pl031 = typeof import("./pl031.ts");
type Pl330 = typeof import("./pl330/pl330.ts");
type VirtioMmio = typeof import("./virtio-mmio.ts");
type UserModel = typeof import("./user-model-adapter.ts");

/**
 * Factories by model key. A factory throws TypeError when the spec's modelOptions are invalid; "module" throws
 * UserModelError when the user's model cannot be loaded or constructed.
 */
export const DEVICE_MODELS: Record<string, DeviceModelFactory> = {
  pl031: (spec, ctx) => new (require("./pl031.ts") as Pl031).Pl031(spec, ctx),
  pl011: (spec, ctx) => new (require("./pl011.ts") as Pl011).Pl011(spec, ctx),
  "virtio-mmio": (spec, ctx) => (require("./virtio-mmio.ts") as VirtioMmio).createVirtioMmio(spec, ctx),
  pl330: (spec, ctx) => new (require("./pl330/pl330.ts") as Pl330).Pl330(spec, ctx),
  edu: (spec, ctx) => new (require("./edu.ts") as Edu).Edu(spec, ctx),
  "generic-mmio": (spec, ctx) => new (require("./generic-mmio.ts") as GenericMmio).GenericMmio(spec, ctx),
  // A user's own model: modelOptions.module is the absolute path of its module (docs/device-models.md).
  module: (spec, ctx) => new (require("./user-model-adapter.ts") as UserModel).UserModelAdapter(spec, ctx),
};
