// The simulated device's split ring (SplitRing) against the driver's SplitQueue over one piece of memory, past the
// 16-bit wrap of both free-running indexes: 70000 requests, every chain popped once with its buffers, every completion
// taken back by the driver, and with EVENT_IDX the interrupt decision (used_event) still right on both sides of 65535.
import { describe, expect, test } from "bun:test";
import { ringLayout, SplitQueue } from "../../src/drivers/virtio/split-queue.ts";
import { BusMemory } from "../../src/sim/devices/virtio/bus-memory.ts";
import { emptyRing, SplitRing } from "../../src/sim/devices/virtio/split-ring.ts";
import type { DmaPort } from "../../src/sim/devices/device-model.ts";

const BASE = 0x10000n;
const SIZE = 8;

function rig(eventIdx: boolean) {
  const mem = new Uint8Array(4096);
  const port: DmaPort = {
    access: (a) => {
      const off = Number(a.address - BASE);
      if (off < 0 || off + a.length > mem.length) return { views: [], fault: { kind: "decode", address: a.address } };
      return { views: [mem.subarray(off, off + a.length)] };
    },
  };
  const layout = ringLayout(SIZE, 64);
  const q = new SplitQueue(mem, BASE, layout);
  const state = { ...emptyRing(SIZE), desc: BASE, avail: BASE + BigInt(layout.avail), used: BASE + BigInt(layout.used) };
  const ring = new SplitRing(state, new BusMemory(port), { indirect: false, eventIdx, notifyOnEmpty: false });
  const view = new DataView(mem.buffer);
  /** The driver asks for an interrupt at the next completion (used_event = the used index it has seen). */
  const wantNext = (seen: number) => view.setUint16(layout.avail + 4 + 2 * SIZE, seen & 0xffff, true);
  return { q, ring, state, mem, wantNext };
}

describe("SplitRing with SplitQueue across the 16-bit index wrap", () => {
  for (const eventIdx of [false, true]) {
    test(`70000 requests${eventIdx ? " with EVENT_IDX" : ""}: each popped and completed once, each one interrupting`, () => {
      const { q, ring, state, mem, wantNext } = rig(eventIdx);
      const N = 70_000;
      let notified = 0;
      for (let i = 0; i < N; i++) {
        mem[0x800] = i & 0xff;
        if (eventIdx) wantNext(i);
        const head = q.submit([
          { address: BASE + 0x800n, length: 16, deviceWrites: false },
          { address: BASE + 0x900n, length: 1, deviceWrites: true },
        ]);
        const chain = ring.pop()!;
        expect(chain.head).toBe(head);
        expect(chain.out[0]![0]).toBe(i & 0xff);
        expect(chain.inCount).toBe(1);
        expect(ring.pop()).toBeUndefined();
        chain.in[0]![0] = 0;
        if (ring.push(chain.head, 1)) notified++;
        expect(q.takeUsed()).toEqual([{ head, written: 1, writable: 1 }]);
      }
      expect(notified).toBe(N);
      expect([state.lastAvail, state.usedIdx]).toEqual([N & 0xffff, N & 0xffff]);
      expect(q.inFlight).toBe(0);
    });
  }
});
