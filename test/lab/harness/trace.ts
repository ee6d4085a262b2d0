// Reads QEMU's MMIO trace (events memory_region_ops_read/write, log backend) into records, so the lab can prove how
// wide each device access really was: the guest kernel's pread of 4 bytes must reach the PL031 as one 4-byte access.

/** One MMIO access as QEMU saw it. `addr` is the offset inside the memory region named `region`. */
export interface MmioAccess {
  op: "read" | "write";
  cpu: number;
  addr: bigint;
  value: bigint;
  size: number;
  region: string;
}

const LINE = /memory_region_ops_(read|write) cpu (-?\d+) mr 0x[0-9a-f]+ addr 0x([0-9a-f]+) value 0x([0-9a-f]+) size (\d+)(?: name '([^']*)')?/;

/** Parse every access line of a trace log; other lines (timestamps, other events) are ignored. */
export function parseTrace(text: string): MmioAccess[] {
  const out: MmioAccess[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({
      op: m[1] as "read" | "write",
      cpu: Number(m[2]),
      addr: BigInt(`0x${m[3]}`),
      value: BigInt(`0x${m[4]}`),
      size: Number(m[5]),
      region: m[6] ?? "",
    });
  }
  return out;
}
