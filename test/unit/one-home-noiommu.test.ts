// Policy: each fact of DMA without an IOMMU has one home under src/ that the library and the simulated kernel both
// import: pagemap's path and entry bits (vfio/abi/pagemap.ts), TAINT_USER (vfio/abi/taint.ts), the hugetlb pools
// (vfio/huge-pages.ts, which doctor reads too). A second definition anywhere under src/ fails here, and the values are
// checked against the kernel's documentation (pagemap.rst, sysctl/kernel.rst), not against our own code.
import { describe, expect, test } from "bun:test";
import * as pagemap from "../../src/vfio/abi/pagemap.ts";
import * as taint from "../../src/vfio/abi/taint.ts";
import { tsSources } from "../helpers/sources.ts";

const sources = tsSources("src");
/** The files under src/ whose text matches `re`. */
const homes = (re: RegExp) => [...sources].filter(([, text]) => re.test(text)).map(([file]) => file).sort();

describe("pagemap", () => {
  test("the path and the entry bits are defined in one file", () => {
    expect(homes(/"\/proc\/self\/pagemap"/)).toEqual(["src/vfio/abi/pagemap.ts"]);
    expect(homes(/1n << 6[23]n|1n << 56n|\(1n << 55n\) - 1n/)).toEqual(["src/vfio/abi/pagemap.ts"]);
  });
  test("the values pagemap.rst gives: bit 63 present, 62 swapped, 56 exclusively mapped, 0-54 PFN, 8-byte entries", () => {
    expect(pagemap.PAGEMAP_PATH).toBe("/proc/self/pagemap");
    expect(pagemap.PAGEMAP_ENTRY_BYTES).toBe(8);
    expect(pagemap.PM_PRESENT).toBe(0x8000_0000_0000_0000n);
    expect(pagemap.PM_SWAP).toBe(0x4000_0000_0000_0000n);
    expect(pagemap.PM_MMAP_EXCLUSIVE).toBe(0x0100_0000_0000_0000n);
    expect(pagemap.PM_PFRAME_MASK).toBe(0x007f_ffff_ffff_ffffn);
  });
});

describe("TAINT_USER", () => {
  test("defined in one file, with the tainted file's path", () => {
    expect(homes(/TAINT_USER\s*=/)).toEqual(["src/vfio/abi/taint.ts"]);
    expect(homes(/"\/proc\/sys\/kernel\/tainted"/)).toEqual(["src/vfio/abi/taint.ts"]);
  });
  test("bit 6 ('U', 64), as tainted-kernels.rst numbers it", () => {
    expect(taint.TAINT_USER).toBe(64);
    expect(taint.TAINTED_PATH).toBe("/proc/sys/kernel/tainted");
  });
});

describe("hugetlb pools", () => {
  test("one HugePagePool type and one pool reader; doctor reads the pools through it", () => {
    expect(homes(/interface HugePagePool\b/)).toEqual(["src/vfio/huge-pages.ts"]);
    // The pool directories' names are parsed in one place outside the simulated kernel (which serves them).
    expect(homes(/hugepages-\(\\d\+\)kB/).filter((f) => !f.startsWith("src/sim/"))).toEqual(["src/vfio/huge-pages.ts"]);
    expect(sources.get("src/host/doctor-noiommu.ts")).toContain('from "../vfio/huge-pages.ts"');
  });
});
