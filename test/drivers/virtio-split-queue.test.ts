// The split virtqueue against a device written here from the spec (2.7): the free-running 16-bit indexes wrap past
// 65535 without losing a chain, the used ring is read behind the caller's barrier only once the index moved, and a
// used entry no chain explains (an unknown head, more bytes written than offered) is refused as a UsedRingError.
import { describe, expect, test } from "bun:test";
import { ringLayout, SplitQueue, UsedRingError } from "../../src/drivers/virtio/split-queue.ts";

const SIZE = 8;

/** A ring in plain memory and a device that completes every available chain, writing `len(head)` as written. */
function rig(len: (head: number, writable: number) => number = (_h, w) => w, headOf: (head: number) => number = (h) => h) {
  const layout = ringLayout(SIZE, 64);
  const mem = new Uint8Array(4096);
  const q = new SplitQueue(mem, 0x1000n, layout);
  const v = new DataView(mem.buffer);
  let lastAvail = 0;
  const device = () => {
    const idx = v.getUint16(layout.avail + 2, true);
    while (lastAvail !== idx) {
      const head = v.getUint16(layout.avail + 4 + 2 * (lastAvail % SIZE), true);
      let writable = 0;
      for (let i = head; ; ) {
        const flags = v.getUint16(16 * i + 12, true);
        if (flags & 2) writable += v.getUint32(16 * i + 8, true);
        if (!(flags & 1)) break;
        i = v.getUint16(16 * i + 14, true);
      }
      const u = v.getUint16(layout.used + 2, true);
      v.setUint32(layout.used + 4 + 8 * (u % SIZE), headOf(head), true);
      v.setUint32(layout.used + 8 + 8 * (u % SIZE), len(head, writable), true);
      v.setUint16(layout.used + 2, (u + 1) & 0xffff, true);
      lastAvail = (lastAvail + 1) & 0xffff;
    }
  };
  return { q, v, layout, device };
}

const chain = (n: number) => [
  { address: 0x2000n + BigInt(n), length: 16, deviceWrites: false },
  { address: 0x3000n, length: 512, deviceWrites: true },
  { address: 0x4000n, length: 1, deviceWrites: true },
];

describe("SplitQueue", () => {
  test("the 16-bit indexes wrap: 70000 requests, each completed once, nothing leaked", () => {
    const { q, v, layout, device } = rig();
    const N = 70_000;
    for (let i = 0; i < N; i++) {
      // Two chains in flight at a time, so the wrap happens with entries on both sides of it.
      const a = q.submit(chain(i));
      const b = q.submit(chain(i + 1));
      device();
      const used = q.takeUsed();
      expect(used.map((c) => c.head).sort()).toEqual([a, b].sort());
      expect(used.every((c) => c.written === 513 && c.writable === 513)).toBe(true);
    }
    expect(v.getUint16(layout.avail + 2, true)).toBe((2 * N) & 0xffff);
    expect(v.getUint16(layout.used + 2, true)).toBe((2 * N) & 0xffff);
    expect(q.available).toBe(SIZE);
    expect(q.inFlight).toBe(0);
  });

  test("the barrier runs once when the used index moved, never when it did not, and before the entries are read", () => {
    const { q, v, layout, device } = rig();
    let barriers = 0;
    expect(q.takeUsed(() => barriers++)).toEqual([]);
    expect(barriers).toBe(0);
    const head = q.submit(chain(0));
    device();
    // The barrier sees the entry still unread: it rewrites it, and takeUsed must report what the barrier left.
    const used = q.takeUsed(() => {
      barriers++;
      v.setUint32(layout.used + 8, 7, true);
    });
    expect(barriers).toBe(1);
    expect(used).toEqual([{ head, written: 7, writable: 513 }]);
  });

  test("a head that is not in flight is a UsedRingError, not a plain RangeError", () => {
    const { q, device } = rig(undefined, () => 5);
    q.submit(chain(0)); // head 0
    device();
    expect(() => q.takeUsed()).toThrow(UsedRingError);
  });

  test("more bytes written than the chain's writable buffers offer is a UsedRingError", () => {
    const { q, device } = rig((_h, w) => w + 1);
    q.submit(chain(0));
    device();
    expect(() => q.takeUsed()).toThrow(/514 bytes written into chain 0, which offers 513/);
  });
});
