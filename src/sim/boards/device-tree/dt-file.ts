// A board from a device-tree file: a DTB read and parsed here, or a .dts compiled to a DTB by `dtc` (Debian's
// device-tree-compiler) first. The board is named after the file (its base name without the extension), so
// a board from `juno-r2.dtb` is named "juno-r2"; the tree's `model` goes into the description.
import { accessSync, constants, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { basename } from "node:path";
import type { BoardSpec } from "../board-spec.ts";
import { BoardFileError } from "../board-errors.ts";
import { parseFdt } from "./fdt-parse.ts";
import { boardFromDeviceTree } from "./dt-board.ts";

/** A .dts compiled by dtc into DTB bytes. @throws BoardFileError when dtc is missing or rejects the source */
function compileDts(file: string): Uint8Array {
  const r = spawnSync("dtc", ["-q", "-I", "dts", "-O", "dtb", file], { maxBuffer: 64 << 20 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new BoardFileError(file, "dtc", "the device-tree compiler to compile a .dts (Debian package device-tree-compiler)", "no dtc on PATH");
  }
  if (r.status !== 0) {
    const why = r.stderr.toString().trim().split("\n").find((l) => /error/i.test(l)) ?? r.stderr.toString().trim().split("\n")[0] ?? "";
    throw new BoardFileError(file, "dtc", "a .dts that dtc compiles", why.replace(/\s+/g, " ").slice(0, 200) || `dtc exit status ${r.status}`);
  }
  return new Uint8Array(r.stdout);
}

/**
 * The board a .dtb or .dts file describes.
 * @throws BoardFileError when the file cannot be read, compiled, parsed or turned into devices
 */
export function boardFromDeviceTreeFile(file: string): BoardSpec {
  let bytes: Uint8Array;
  if (/\.dts$/i.test(file)) {
    try {
      accessSync(file, constants.R_OK); // a missing file is named as such, not as dtc's complaint
    } catch (e) {
      throw new BoardFileError(file, "file", "a readable device-tree source", (e as NodeJS.ErrnoException).code ?? String(e));
    }
    bytes = compileDts(file);
  } else {
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      throw new BoardFileError(file, "file", "a readable flattened device tree", (e as NodeJS.ErrnoException).code ?? String(e));
    }
  }
  const tree = parseFdt(bytes, file);
  return boardFromDeviceTree(tree, { name: basename(file).replace(/\.dt[bs]$/i, ""), file });
}
