// Policy: a polling loop on a mapped register sees a change made by someone else (the device; here another process
// writing the shared file). A JIT that hoisted the typed-array load out of the loop would spin on a stale value
// forever, so every accessor must be a real load each time (volatile semantics).
import { expect, test } from "bun:test";
import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE } from "../../src/boundary/kernel-boundary.ts";
import { k, scratchDir } from "../helpers/ffi.ts";

const dir = scratchDir();

/** Spin on `read` until it is non-zero or `limit` reads have been made; returns the reads made. */
function spin(read: () => number, limit: number): number {
  let i = 0;
  while (i < limit && read() === 0) i++;
  return i;
}

for (const width of [8, 16, 32] as const) {
  test(`a ${width}-bit status poll sees another process's write (the load is not hoisted out of the loop)`, async () => {
    const path = join(dir, `poll${width}`);
    writeFileSync(path, "");
    truncateSync(path, k.pageSize);
    const fd = k.open(path, O_RDWR);
    const m = k.mmap(fd, k.pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    try {
      const read = width === 8 ? () => m.read8(64) : width === 16 ? () => m.read16(64) : () => m.read32(64);
      // Warm the loop up until the optimising JIT has compiled it, with the value still 0.
      for (let r = 0; r < 50; r++) spin(read, 100_000);
      const writer = Bun.spawn(["sh", "-c", `sleep 0.2; printf '\\001' | dd of='${path}' bs=1 seek=64 conv=notrunc status=none`]);
      const reads = spin(read, 2_000_000_000);
      await writer.exited;
      expect(read()).toBe(1);
      // Seen by the loop itself, long before the cap; a hoisted load would only stop at the cap.
      expect(reads).toBeLessThan(2_000_000_000);
    } finally {
      m.unmap();
      k.close(fd);
    }
  });
}
