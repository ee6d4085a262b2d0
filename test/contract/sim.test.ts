// The contract suite on the simulated board: behind the SMMU (type1v2), and without an IOMMU (noiommu), for the
// level-triggered PL031 (vfio-amba) and the edge-triggered virtio-mmio transport (vfio-platform).
import { afterAll } from "bun:test";
import { bindDevice } from "../../src/host/bind.ts";
import { describeDevice } from "../../src/host/discovery.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";
import { describeBoundary } from "./boundary.contract.ts";

function boardWith(boardName: string, bus: "amba" | "platform", name: string): TestBoard {
  const board = makeSimBoard(boardName);
  bindDevice(board.b, describeDevice(board.b, bus, name), { stateDir: `${board.stateDir}/host` });
  return board;
}

const boards: TestBoard[] = [];
afterAll(() => boards.forEach((b) => b.dispose()));

for (const [boardName, noiommu] of [["virt", false], ["virt-noiommu", true]] as const) {
  for (const [bus, name] of [["amba", "9010000.pl031"], ["platform", "a000000.virtio_mmio"]] as const) {
    const board = boardWith(boardName, bus, name);
    boards.push(board);
    describeBoundary(`sim ${boardName} ${name}`, () => ({
      b: board.reopen(),
      name,
      sysfsPath: `/sys/bus/${bus}/devices/${name}`,
      expect: { irqIndex: 0, noiommu },
    }));
  }
}
