// A stand-in for the built-in maps' PCI lookup (builtinMapForPci in src/registers/builtin, being written in
// parallel): no PCI map yet. Deleted when the real one lands.
import type { RegisterMap } from "./register-map.ts";

export function builtinMapForPci(_vendor: number, _device: number): RegisterMap | undefined {
  return undefined;
}
