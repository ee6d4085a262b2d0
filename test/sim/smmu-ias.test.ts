// The IOVA space VFIO offers follows the SMMU's input address size: GET_INFO's IOVA_RANGE capability ends at
// 2^ias - 1 and MAP_DMA beyond it is EINVAL, so a program never maps what the SMMU could not translate.
import { afterEach, expect, test } from "bun:test";
import { VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE } from "../../src/vfio/abi/constants.ts";
import { walkCapabilities } from "../../src/vfio/abi/capability-chain.ts";
import { CONTAINER_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import { vfio_iommu_type1_info, vfio_iova_range } from "../../src/vfio/abi/structs.ts";
import { attach, makeRig, masterBoard, RW, mapDma, type SmmuRig } from "../helpers/sim-smmu.ts";

let rig: SmmuRig | undefined;
afterEach(() => rig?.dispose());

function iovaRanges(rig: SmmuRig, container: number): { start: bigint; end: bigint }[] {
  const buf = new Uint8Array(256);
  vfio_iommu_type1_info.encode({ argsz: buf.length }, buf);
  rig.sim.ioctl(container, CONTAINER_IOCTLS.VFIO_IOMMU_GET_INFO, buf);
  const cap = walkCapabilities(buf, vfio_iommu_type1_info.decode(buf).cap_offset).find((c) => c.id === VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)!;
  const n = new DataView(buf.buffer).getUint32(cap.offset + 8, true);
  return Array.from({ length: n }, (_, i) => vfio_iova_range.decode(buf, cap.offset + 16 + i * 16));
}

for (const [ias, end] of [[48, 0xffff_ffff_ffffn], [40, 0xff_ffff_ffffn]] as const) {
  test(`an SMMU with ${ias} input address bits offers IOVAs up to 0x${end.toString(16)}`, () => {
    rig = makeRig(masterBoard({ profile: "smmuv3-s1", name: "9050000.smmuv3", ias }));
    const { container } = attach(rig.sim);
    expect(iovaRanges(rig, container)).toEqual([
      { start: 0n, end: 0x7ff_ffffn },
      { start: 0x810_0000n, end },
    ]);
    const mem = rig.sim.allocMemory(4096);
    try {
      expect(() => mapDma(rig!.sim, container, mem.address, end + 1n, 4096, RW)).toThrow(expect.objectContaining({ code: "EINVAL" }));
      mapDma(rig.sim, container, mem.address, end + 1n - 4096n, 4096, RW);
    } finally {
      rig.dispose();
      rig = undefined;
      mem.free();
    }
  });
}
