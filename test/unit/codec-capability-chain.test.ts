// Capability chains (src/vfio/abi/capability-chain.ts) over the 120-byte VFIO_IOMMU_GET_INFO reply the real kernel gave
// in the lab (SMMUv3 + edu, docs kernel-lab.md): written by hand, byte by byte. The caps are in the order type1's
// get_info adds them (MIGRATION, DMA_AVAIL, IOVA_RANGE), each padded to 8, with offsets from the start of the buffer.
import { describe, expect, test } from "bun:test";
import { buildCapabilityChain, walkCapabilities } from "../../src/vfio/abi/capability-chain.ts";
import {
  VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
  VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
  VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
} from "../../src/vfio/abi/constants.ts";
import {
  vfio_iommu_type1_info,
  vfio_iommu_type1_info_cap_iova_range,
  vfio_iommu_type1_info_cap_migration,
  vfio_iommu_type1_info_dma_avail,
  vfio_iova_range,
} from "../../src/vfio/abi/structs.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

// prettier-ignore
const LAB_REPLY = Uint8Array.of(
  // @0 vfio_iommu_type1_info (24)
  0x78, 0x00, 0x00, 0x00, //             argsz = 120 (raised by the kernel to fit the caps)
  0x03, 0x00, 0x00, 0x00, //             flags = PGSIZES | CAPS
  0x00, 0x10, 0x20, 0x40, 0x00, 0x00, 0x00, 0x00, // iova_pgsizes = 0x40201000 (4K, 2M, 1G)
  0x18, 0x00, 0x00, 0x00, //             cap_offset = 24
  0x00, 0x00, 0x00, 0x00, //             pad
  // @24 MIGRATION (32)
  0x02, 0x00, 0x01, 0x00, //             id = 2, version = 1
  0x38, 0x00, 0x00, 0x00, //             next = 56
  0x00, 0x00, 0x00, 0x00, //             flags = 0
  0x00, 0x00, 0x00, 0x00, //             (alignment hole before the u64)
  0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // pgsize_bitmap = 0x1000 (smallest page size)
  0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, // max_dirty_bitmap_size = 0x10000000 (256 MiB)
  // @56 DMA_AVAIL (12, padded to 16)
  0x03, 0x00, 0x01, 0x00, //             id = 3, version = 1
  0x48, 0x00, 0x00, 0x00, //             next = 72
  0xff, 0xff, 0x00, 0x00, //             avail = 65535
  0x00, 0x00, 0x00, 0x00, //             padding to 8
  // @72 IOVA_RANGE (16 + 2 x 16)
  0x01, 0x00, 0x01, 0x00, //             id = 1, version = 1
  0x00, 0x00, 0x00, 0x00, //             next = 0: end of chain
  0x02, 0x00, 0x00, 0x00, //             nr_iovas = 2
  0x00, 0x00, 0x00, 0x00, //             reserved
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // [0].start = 0x0
  0xff, 0xff, 0xff, 0x07, 0x00, 0x00, 0x00, 0x00, // [0].end   = 0x7ffffff
  0x00, 0x00, 0x10, 0x08, 0x00, 0x00, 0x00, 0x00, // [1].start = 0x8100000 (after the 1 MiB MSI window)
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, // [1].end   = 0xffffffffffff
);

/** A copy of LAB_REPLY with the u32 at `at` replaced (to corrupt a `next` link). */
function withU32(at: number, value: number): Uint8Array {
  const copy = LAB_REPLY.slice();
  new DataView(copy.buffer).setUint32(at, value, true);
  return copy;
}

describe("walkCapabilities", () => {
  test("the lab reply is 120 bytes (the argsz the kernel asked for)", () => {
    expect(LAB_REPLY.length).toBe(120);
  });

  test("walks MIGRATION -> DMA_AVAIL -> IOVA_RANGE at offsets 24, 56, 72", () => {
    const info = vfio_iommu_type1_info.decode(LAB_REPLY);
    expect(info).toStrictEqual({ argsz: 120, flags: 3, iova_pgsizes: 0x40201000n, cap_offset: 24, pad: 0 });
    expect(walkCapabilities(LAB_REPLY, info.cap_offset)).toStrictEqual([
      { id: VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, version: 1, offset: 24 },
      { id: VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, version: 1, offset: 56 },
      { id: VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version: 1, offset: 72 },
    ]);
  });

  test("the capabilities decode to the lab's values", () => {
    expect(vfio_iommu_type1_info_cap_migration.decode(LAB_REPLY, 24)).toStrictEqual({
      id: 2,
      version: 1,
      next: 56,
      flags: 0,
      pgsize_bitmap: 0x1000n,
      max_dirty_bitmap_size: 0x1000_0000n,
    });
    expect(vfio_iommu_type1_info_dma_avail.decode(LAB_REPLY, 56).avail).toBe(65535);
    const iova = vfio_iommu_type1_info_cap_iova_range.decode(LAB_REPLY, 72);
    expect(iova.nr_iovas).toBe(2);
    const ranges = [0, 1].map((i) => vfio_iova_range.decode(LAB_REPLY, 72 + vfio_iommu_type1_info_cap_iova_range.size + i * 16));
    expect(ranges).toStrictEqual([
      { start: 0x0n, end: 0x7ff_ffffn },
      { start: 0x810_0000n, end: 0xffff_ffff_ffffn },
    ]);
  });

  test("cap_offset 0 means no capabilities", () => {
    expect(walkCapabilities(LAB_REPLY, 0)).toEqual([]);
  });

  test("a chain that loops back is a RangeError, not a hang", () => {
    expect(() => walkCapabilities(withU32(72 + 4, 24), 24)).toThrow(RangeError); // IOVA_RANGE -> MIGRATION
    expect(() => walkCapabilities(withU32(24 + 4, 24), 24)).toThrow(RangeError); // MIGRATION -> itself
  });

  test("a chain pointing outside the buffer is a RangeError", () => {
    expect(() => walkCapabilities(withU32(56 + 4, 200), 24)).toThrow(RangeError);
    expect(() => walkCapabilities(withU32(56 + 4, 116), 24)).toThrow(RangeError); // header would straddle the end
    expect(() => walkCapabilities(LAB_REPLY, 120)).toThrow(RangeError);
    expect(() => walkCapabilities(LAB_REPLY.subarray(0, 64), 24)).toThrow(RangeError); // truncated reply
  });
});

describe("buildCapabilityChain", () => {
  test("lays out the lab's caps exactly as the kernel did", () => {
    // Each cap as its driver would hand it over: header with next = 0, DMA_AVAIL unpadded (12 bytes).
    const cap = (from: number, to: number) => {
      const bytes = LAB_REPLY.slice(from, to);
      bytes.fill(0, 4, 8);
      return { bytes };
    };
    const { reply, capOffset } = buildCapabilityChain(vfio_iommu_type1_info.size, [
      cap(24, 56),
      cap(56, 68),
      cap(72, 120),
    ]);
    expect(capOffset).toBe(24);
    expect(reply.length).toBe(120);
    vfio_iommu_type1_info.encode({ argsz: 120, flags: 3, iova_pgsizes: 0x40201000n, cap_offset: capOffset }, reply);
    expect(hex(reply)).toBe(hex(LAB_REPLY));
  });

  test("no caps: just the (8-aligned) header, capOffset 0", () => {
    const { reply, capOffset } = buildCapabilityChain(20, []);
    expect(capOffset).toBe(0);
    expect(reply.length).toBe(24);
  });
});
