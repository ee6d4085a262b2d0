// Golden bytes for the iommufd structs, written by hand from include/uapi/linux/iommufd.h (Linux 6.12; the struct
// layouts have not changed since 6.2) and vfio.h's cdev structs, little-endian. The expected arrays never come from
// the project's encoder, so a codec that agrees with itself but not with the kernel fails here.
import { describe, expect, test } from "bun:test";
import { IOMMU_IOAS_MAP_FIXED_IOVA, IOMMU_IOAS_MAP_READABLE, IOMMU_IOAS_MAP_WRITEABLE } from "../../src/vfio/abi/constants.ts";
import { IOMMUFD_IOCTLS } from "../../src/vfio/abi/ioctls.ts";
import {
  iommu_ioas_alloc,
  iommu_ioas_iova_ranges,
  iommu_ioas_map,
  iommu_ioas_unmap,
  vfio_device_attach_iommufd_pt,
} from "../../src/vfio/abi/structs.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

describe("iommufd structs encode the header's layout", () => {
  test("iommu_ioas_map {size 40, FIXED_IOVA|WRITEABLE|READABLE, ioas 2, user_va 0x7f0000002000, length 0x2000, iova 0x100000}", () => {
    const golden = Uint8Array.of(
      0x28, 0, 0, 0, // size = 40
      0x07, 0, 0, 0, // flags
      0x02, 0, 0, 0, // ioas_id
      0, 0, 0, 0, // __reserved
      0x00, 0x20, 0x00, 0x00, 0x00, 0x7f, 0, 0, // user_va
      0x00, 0x20, 0, 0, 0, 0, 0, 0, // length
      0x00, 0x00, 0x10, 0, 0, 0, 0, 0, // iova
    );
    const value = {
      size: 40,
      flags: IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE,
      ioas_id: 2,
      __reserved: 0,
      user_va: 0x7f00_0000_2000n,
      length: 0x2000n,
      iova: 0x10_0000n,
    };
    expect(hex(iommu_ioas_map.encode(value))).toBe(hex(golden));
    expect(iommu_ioas_map.decode(golden)).toStrictEqual(value);
  });

  test("iommu_ioas_unmap {size 24, ioas 2, iova 0, length U64_MAX} (unmap all)", () => {
    const golden = Uint8Array.of(0x18, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    expect(hex(iommu_ioas_unmap.encode({ size: 24, ioas_id: 2, iova: 0n, length: (1n << 64n) - 1n }))).toBe(hex(golden));
  });

  test("iommu_ioas_iova_ranges: pointer at 16, alignment reply at 24", () => {
    const reply = Uint8Array.of(0x20, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x10, 0, 0, 0, 0x7f, 0, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0);
    expect(iommu_ioas_iova_ranges.decode(reply)).toStrictEqual({
      size: 32,
      ioas_id: 2,
      num_iovas: 2,
      __reserved: 0,
      allowed_iovas: 0x7f00_0000_1000n,
      out_iova_alignment: 4096n,
    });
  });

  test("iommu_ioas_alloc answers out_ioas_id at 8; vfio_device_attach_iommufd_pt carries pt_id at 8", () => {
    expect(iommu_ioas_alloc.decode(Uint8Array.of(12, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0)).out_ioas_id).toBe(5);
    expect(hex(vfio_device_attach_iommufd_pt.encode({ argsz: 12, pt_id: 3 }).subarray(0, 12))).toBe("0c 00 00 00 00 00 00 00 03 00 00 00");
  });

  test("IOMMU_* requests are _IO(';', 0x80 + n)", () => {
    expect(IOMMUFD_IOCTLS.IOMMU_DESTROY).toBe(0x3b80);
    expect(IOMMUFD_IOCTLS.IOMMU_IOAS_ALLOC).toBe(0x3b81);
    expect(IOMMUFD_IOCTLS.IOMMU_IOAS_IOVA_RANGES).toBe(0x3b84);
    expect(IOMMUFD_IOCTLS.IOMMU_IOAS_MAP).toBe(0x3b85);
    expect(IOMMUFD_IOCTLS.IOMMU_IOAS_UNMAP).toBe(0x3b86);
  });
});
