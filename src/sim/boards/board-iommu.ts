// The IOMMU topology of a board with `smmus`: every device that names an SMMU in `iommu` must name one the board has,
// and gets an IOMMU group of its own (one group per master, holding all its stream IDs), numbered after the groups
// the board fixes itself, in board order. Done once, when a state directory is created, so board.json keeps them.
import type { BoardSpec } from "./board-spec.ts";

/** A device names an IOMMU the board does not have (facts only; the CLI words it). */
export class BoardIommuError extends Error {
  override readonly name = "BoardIommuError";
  constructor(
    readonly board: string,
    /** JSON-ish path of the offending field ("devices[3].iommu.smmu", "smmus[1].name"). */
    readonly where: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`simulated board '${board}': ${where} is ${found}, expected ${expected}`);
  }
}

/**
 * `board` with an IOMMU group for every device behind one of its `smmus` (the same object when nothing changes).
 * @throws BoardIommuError for duplicate SMMU names, a device naming an unknown SMMU, or one without stream IDs
 */
export function withIommuGroups(board: BoardSpec): BoardSpec {
  if (!board.smmus) return board;
  const names = new Set<string>();
  board.smmus.forEach((s, i) => {
    if (names.has(s.name)) throw new BoardIommuError(board.name, `smmus[${i}].name`, "a name no other SMMU of the board has", `'${s.name}' again`);
    names.add(s.name);
  });
  let next = 0;
  for (const d of board.devices) if (d.iommuGroup !== undefined && d.iommuGroup >= next) next = d.iommuGroup + 1;
  let changed = false;
  const devices = board.devices.map((d, i) => {
    if (!d.iommu) return d;
    const where = `devices[${i}].iommu`;
    if (!names.has(d.iommu.smmu)) {
      throw new BoardIommuError(board.name, `${where}.smmu`, `one of the board's smmus (${[...names].join(", ") || "none"})`, `'${d.iommu.smmu}'`);
    }
    const ids = d.iommu.streamIds;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff)) {
      throw new BoardIommuError(board.name, `${where}.streamIds`, "one or more 16-bit stream IDs", JSON.stringify(ids));
    }
    if (d.iommuGroup !== undefined) return d;
    changed = true;
    return { ...d, iommuGroup: next++ };
  });
  return changed ? { ...board, devices } : board;
}
