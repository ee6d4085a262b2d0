// A register map named by reference, as a device tree's `vfio-plat,regs` property holds it: "FILE" (a map file) or
// "FILE#/devices/3/regs" (an RFC 6901 JSON pointer into a JSON file, for a map written inline in a board file).
import { isAbsolute } from "node:path";
import { RegisterMapFileError } from "./errors.ts";
import { loadRegisterMapFile, readJsonFile, readRegisterMap } from "./map-file.ts";
import type { RegisterMap } from "./register-map.ts";

/**
 * A map named by "FILE" (a map file) or "FILE#/devices/3/regs" (a JSON pointer into a board file, for a map written
 * inline there). The path must be absolute: a device tree has no directory to be relative to.
 */
export function loadMapReference(reference: string): RegisterMap {
  const hash = reference.indexOf("#");
  const file = hash < 0 ? reference : reference.slice(0, hash);
  if (!isAbsolute(file)) throw new RegisterMapFileError(reference, "", "an absolute path (a device tree names its map file from no directory)", "a relative one");
  if (hash < 0) return loadRegisterMapFile(file);
  const pointer = reference.slice(hash + 1);
  let node: unknown = readJsonFile(file);
  const steps = pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  let where = "";
  for (const step of steps) {
    const next = Array.isArray(node) ? node[Number(step)] : typeof node === "object" && node !== null ? (node as Record<string, unknown>)[step] : undefined;
    where = Array.isArray(node) ? `${where}[${step}]` : where ? `${where}.${step}` : step;
    if (next === undefined) throw new RegisterMapFileError(file, where, "a register map here", "nothing");
    node = next;
  }
  return readRegisterMap(node, file, where);
}
