// Boards with a user's own device model for tests: QEMU virt plus one device whose model is a module file, written
// into a state directory through the library (a board is fixed when its state directory is created). The CLI way is a
// board file: examples/copy-engine/board.json in VFIO_PLAT_SIM_BOARD (test/cli/user-model.test.ts).
import { expect } from "bun:test";
import { resolve } from "node:path";
import { createRealBoundary } from "../../src/ffi/index.ts";
import type { BoardSpec, DeviceSpec } from "../../src/sim/boards/board-spec.ts";
import { VIRT } from "../../src/sim/boards/virt.ts";
import { UserModelError } from "../../src/sim/devices/user-model-errors.ts";
import { createSimBoundary } from "../../src/sim/index.ts";
import { StateStore } from "../../src/sim/state/state-store.ts";

/** The example copy engine's module (examples/copy-engine/copy-engine.ts). */
export const COPY_ENGINE_MODULE = resolve(import.meta.dir, "../../examples/copy-engine/copy-engine.ts");
/** The test model with failures on demand (test/fixtures/models/scratch-model.ts). */
export const SCRATCH_MODULE = resolve(import.meta.dir, "../fixtures/models/scratch-model.ts");

export const COPY_ENGINE = "1c000000.copy-engine";

/** A platform device at `base` whose model is `module`, behind the SMMU in its own group, one level interrupt. */
export function userDevice(name: string, base: bigint, group: number, module: string, options: Record<string, unknown> = {}): DeviceSpec {
  return {
    name,
    bus: "platform",
    compatible: [`vfio-plat,${name.split(".")[1]}`],
    regions: [{ base, size: 0x1000 }],
    irqs: [{ trigger: "level", hwirq: 80 + group }],
    iommuGroup: group,
    dmaCoherent: true, // a DMA master on a coherent interconnect (doctor checks it, as VFIO does)
    model: "module",
    modelOptions: { module, ...options },
  };
}

/** virt with `extra` devices added (after its own). */
export function virtWith(extra: DeviceSpec[], name = "virt-user-model"): BoardSpec {
  return { ...VIRT, name, description: `${VIRT.description}, and user models`, devices: [...VIRT.devices, ...extra] };
}

/** virt with the example copy engine at 1c000000 (IOMMU group 6). */
export function copyEngineBoard(): BoardSpec {
  return virtWith([userDevice(COPY_ENGINE, 0x1c00_0000n, 6, COPY_ENGINE_MODULE)], "virt-copy-engine");
}

/** Create the board `spec` in the (new, empty) state directory `stateDir`. */
export function seedBoard(stateDir: string, spec: BoardSpec): void {
  createSimBoundary({ stateDir, os: createRealBoundary(), board: spec }).dispose();
}

/**
 * Add `spec` to the board already in `stateDir` (unbound) — for a test that is handed a board it did not create
 * (the bad-input table's own boards). A real board gets its devices when its state directory is created.
 */
export function addDevice(stateDir: string, spec: DeviceSpec): void {
  new StateStore(stateDir).update((s) => {
    s.board.devices.push(spec);
    s.devices[spec.name] = {};
  });
}

/** What `fn` throws, which must be a UserModelError. */
export function failure(fn: () => unknown): UserModelError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserModelError);
    return e as UserModelError;
  }
  throw new Error("expected a UserModelError, nothing was thrown");
}
