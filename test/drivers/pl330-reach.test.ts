// The PL330's 32-bit reach has one home (src/drivers/pl330/reach.ts): the driver, dma-test and pl330 exec use its
// check, which refuses (Pl330Error out-of-reach, facts only) any run of a buffer that ends beyond 4 GiB, IOVA or
// physical; the CLI words it (UnsupportedError, exit 6, with a hint). A second copy of the limit under the PL330's
// driver or its two commands fails the policy test.
import { describe, expect, test } from "bun:test";
import { pl330InWords } from "../../src/cli/dma-test/pl330-words.ts";
import { Pl330Error } from "../../src/drivers/pl330/errors.ts";
import { PL330_REACH, pl330BufferAddress, withinReach } from "../../src/drivers/pl330/reach.ts";
import { UnsupportedError } from "../../src/vfio/errors.ts";
import { tsSources } from "../helpers/sources.ts";

const GiB4 = 0x1_0000_0000n;

/** A buffer as pl330BufferAddress sees it: byte 0 at `iova`, in runs of [address, length). */
const buffer = (iova: bigint, runs: [bigint, number][], physical = false) => {
  let offset = 0;
  const segments = runs.map(([address, length]) => {
    const s = { offset, address, length };
    offset += length;
    return s;
  });
  return { iova, segments, physical };
};

/** What `f` throws. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("nothing thrown");
}

describe("the 4 GiB limit", () => {
  test("is 2^32, and a range may end exactly there but not a byte later", () => {
    expect(PL330_REACH).toBe(GiB4);
    expect(withinReach(GiB4 - 0x1000n, 0x1000)).toBe(true);
    expect(withinReach(GiB4 - 0x1000n, 0x1001)).toBe(false);
    expect(withinReach(-1n, 1)).toBe(false);
  });

  test("an IOVA buffer below 4 GiB gives its IOVA as the register value", () => {
    expect(pl330BufferAddress("dma", "source", buffer(0x1000n, [[0x1000n, 4096]]), 4096)).toBe(0x1000);
  });

  test("a buffer crossing 4 GiB is refused with the facts: which buffer, the run, IOVA or physical", () => {
    const e = thrown(() => pl330BufferAddress("dma0", "source", buffer(GiB4 - 0x800n, [[GiB4 - 0x800n, 4096]]), 4096)) as Pl330Error;
    expect(e).toBeInstanceOf(Pl330Error);
    expect(e.refusal).toEqual({ reason: "out-of-reach", what: "source", address: GiB4 - 0x800n, end: GiB4 + 0x800n, physical: false });
    expect(e.message).toBe("the source buffer landed at IOVA 0xfffff800, beyond the PL330's 32-bit reach");
  });

  test("physical runs: only the bytes used count, and the run beyond 4 GiB is the one named", () => {
    const pinned = buffer(0x8000_0000n, [[0x8000_0000n, 4096], [GiB4 + 0x2000n, 4096]], true);
    expect(pl330BufferAddress("dma", "destination", pinned, 4096)).toBe(0x8000_0000); // the second run is not used
    const e = thrown(() => pl330BufferAddress("dma", "destination", pinned, 4097)) as Pl330Error;
    expect(e.refusal).toEqual({ reason: "out-of-reach", what: "destination", address: GiB4 + 0x2000n, end: GiB4 + 0x2001n, physical: true });
  });

  test("the CLI words it as unsupported (exit 6), with a hint that fits IOVAs or physical memory", () => {
    for (const physical of [false, true]) {
      const e = thrown(() => pl330BufferAddress("dma", "src", buffer(GiB4, [[GiB4, 16]], physical), 16));
      const worded = pl330InWords(e) as UnsupportedError;
      expect(worded).toBeInstanceOf(UnsupportedError);
      expect(worded.message).toContain(`the src buffer landed at ${physical ? "physical address" : "IOVA"} 0x100000000`);
      expect(worded.hint).toContain(physical ? "memory above 4 GiB" : "use smaller buffers");
    }
  });
});

describe("one home", () => {
  const sources = tsSources("src/drivers/pl330", "src/cli/dma-test", "src/cli/pl330-exec");
  const homes = (re: RegExp) => [...sources].filter(([, t]) => re.test(t)).map(([f]) => f);
  test("the limit and the refusal are defined only in reach.ts (no 1n << 32n, no below4G of its own)", () => {
    expect(sources.size).toBeGreaterThan(10);
    expect(homes(/1n << 32n|0x1_?0000_?0000n|2n \*\* 32n/)).toEqual(["src/drivers/pl330/reach.ts"]);
    expect(homes(/32-bit reach/)).toEqual(["src/drivers/pl330/reach.ts"]);
    expect(homes(/function below4G/)).toEqual([]);
  });
});
