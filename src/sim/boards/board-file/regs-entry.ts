// A board file device's `regs`: its register map, as a file (relative to the board file) or written inline. Either is
// checked when the board file is read (a bad map refuses the board file, naming the place) and kept as a reference
// the device tree shows (DeviceSpec.regs: "FILE" or "BOARD#/devices/N/regs").
import { resolve } from "node:path";
import { RegisterMapFileError } from "../../../registers/errors.ts";
import { readRegisterMap } from "../../../registers/map-file.ts";
import { loadMapReference } from "../../../registers/map-reference.ts";
import { BoardFileError } from "../board-errors.ts";
import { isObj, type JsonReader } from "./json-reader.ts";

/**
 * The reference for entry `index`'s `regs` value `v` at `path` of the board file read by `r` (in directory `dir`).
 * @throws BoardFileError when it is neither a path nor a map, or the map it names or holds is not a valid map.
 */
export function readRegsEntry(r: JsonReader, v: unknown, path: string, dir: string, index: number): string {
  if (isObj(v)) {
    try {
      readRegisterMap(v, r.file, path);
    } catch (e) {
      if (e instanceof RegisterMapFileError) throw new BoardFileError(e.file, e.where, e.expected, e.found);
      throw e;
    }
    return `${resolve(r.file)}#/devices/${index}/regs`;
  }
  const text = r.str(v, path, 'the path of a register map file (relative to the board file), an inline map { "name", "registers" }, or null');
  const hash = text.indexOf("#");
  const reference = hash < 0 ? resolve(dir, text) : `${resolve(dir, text.slice(0, hash))}${text.slice(hash)}`;
  try {
    loadMapReference(reference);
  } catch (e) {
    if (e instanceof RegisterMapFileError) r.fail(path, "a valid register map", r.words(e.message));
    throw e;
  }
  return reference;
}
