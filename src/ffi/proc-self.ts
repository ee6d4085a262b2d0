// Facts about this process read from /proc/self: whether an address range is mapped with a protection (so a DMA model
// never touches memory the program did not map) and whether an fd is an eventfd (so interrupts are only wired to one).
import { readFileSync } from "node:fs";
import { PROT_READ, PROT_WRITE } from "../boundary/kernel-boundary.ts";

const PROT_EXEC = 4;

/**
 * True when [address, address + length) is covered, without gaps, by the mappings listed in `maps` (the text of
 * /proc/<pid>/maps, ascending) and every covering mapping has all `prot` bits. A range may span several adjacent lines.
 * A zero length is never "mapped": there is nothing to prove.
 */
export function rangeIsMapped(maps: string, address: bigint, length: number, prot: number): boolean {
  if (!(length > 0)) return false;
  const end = address + BigInt(length);
  let cursor = address;
  for (const line of maps.split("\n")) {
    const match = /^([0-9a-f]+)-([0-9a-f]+) ([r-])([w-])([x-])/.exec(line);
    if (!match) continue;
    const start = BigInt(`0x${match[1]}`);
    const stop = BigInt(`0x${match[2]}`);
    if (stop <= cursor) continue;
    if (start > cursor) return false; // a hole before (or at) the rest of the range
    if ((prot & PROT_READ && match[3] !== "r") || (prot & PROT_WRITE && match[4] !== "w")) return false;
    if (prot & PROT_EXEC && match[5] !== "x") return false;
    cursor = stop;
    if (cursor >= end) return true;
  }
  return false;
}

/** rangeIsMapped over this process's current /proc/self/maps. */
export function isMapped(address: bigint, length: number, prot: number): boolean {
  return rangeIsMapped(readFileSync("/proc/self/maps", "latin1"), address, length, prot);
}

/** True when `fd` is open in this process and is an eventfd (its fdinfo has an "eventfd-count" line). */
export function isEventFd(fd: number): boolean {
  if (!Number.isInteger(fd) || fd < 0) return false;
  let info: string;
  try {
    info = readFileSync(`/proc/self/fdinfo/${fd}`, "latin1");
  } catch {
    return false; // not an open fd
  }
  return /^eventfd-count:/m.test(info);
}
