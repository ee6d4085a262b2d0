// Which SMMU stream ID each PL330 thread's transactions carry: the AXI ID without device-tree stream IDs (channel n:
// n, the manager: the channel count), and with them (DeviceSpec.iommu.streamIds) channel n's n-th ID and the
// manager's last one, as Juno's `iommus` lists them — also when the controller has fewer channels than IDs before the
// manager's.
import { expect, test } from "bun:test";
import { pl330Config } from "../../src/sim/devices/pl330/config.ts";
import { Pl330Core } from "../../src/sim/devices/pl330/core.ts";

const irq = { set: () => {} } as never;

function ids(channels: number, streamIds: number[]): { channels: number[]; manager: number } {
  const core = new Pl330Core(pl330Config({ channels }), irq, undefined, streamIds);
  return { channels: core.channels.map((ch) => core.streamId(ch)), manager: core.streamId(core.manager) };
}

test("without DT stream IDs: the AXI IDs (channel n -> n, manager -> number of channels)", () => {
  expect(ids(8, [])).toEqual({ channels: [0, 1, 2, 3, 4, 5, 6, 7], manager: 8 });
  expect(ids(4, [])).toEqual({ channels: [0, 1, 2, 3], manager: 4 });
});

test("Juno's nine IDs: channel n gets the n-th, the manager the last", () => {
  const juno = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18];
  expect(ids(8, juno)).toEqual({ channels: juno.slice(0, 8), manager: 0x18 });
  // A 4-channel build with the same nine IDs: the manager still takes the last one.
  expect(ids(4, juno)).toEqual({ channels: [0x10, 0x11, 0x12, 0x13], manager: 0x18 });
});

test("one stream ID for the whole controller: every thread uses it", () => {
  expect(ids(8, [0x2a])).toEqual({ channels: Array(8).fill(0x2a), manager: 0x2a });
});
