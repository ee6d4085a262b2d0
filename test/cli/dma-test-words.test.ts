// Policy: the PL330 driver's refusals are facts (Pl330Error.refusal) and carry no command-line words; the CLI's
// pl330InWords gives each its exit code, a message naming dma-test's option and advice. Checked through the one
// error mapping (describeError), the way main.ts prints them, for the refusals the simulated board cannot provoke
// (its DMAC is a PL330 with 8 channels, and --channel stops at 7).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Pl330Error, type Pl330Refusal } from "../../src/drivers/pl330/errors.ts";
import { pl330InWords } from "../../src/cli/dma-test/pl330-words.ts";
import { describeError } from "../../src/cli/output/errors.ts";
import { EXIT } from "../../src/cli/output/exit-codes.ts";

const DMA = "2c0a0000.dma";
const refused = (refusal: Pl330Refusal, message: string) => new Pl330Error(refusal, DMA, message);

describe("PL330 refusals in CLI words", () => {
  test("a channel the DMAC does not have: usage (exit 2), the --channel asked and the range to use", () => {
    const r = describeError(pl330InWords(refused({ reason: "no-such-channel", channel: 5, channels: 4 }, "channel 5 does not exist")));
    expect(r.exit).toBe(EXIT.USAGE);
    expect(r.line).toBe(`vfio-plat: ${DMA} has 4 channels; --channel 5 does not exist (USAGE) — use --channel 0..3`);
  });
  test("ID registers that are not a PL330's: unsupported (exit 6), the IDs, and what a PL330 reads", () => {
    const r = describeError(pl330InWords(refused({ reason: "not-pl330", periphid: 0x141031, cid: 0xb105f00d }, `${DMA} is not a PL330: periphid 0x00141031, component ID 0xb105f00d`)));
    expect(r.exit).toBe(EXIT.UNSUPPORTED);
    expect(r.line).toBe(`vfio-plat: ${DMA} is not a PL330: periphid 0x00141031, component ID 0xb105f00d (UNSUPPORTED) — a PL330 reads periphid 0x00?41330 and component ID 0xb105f00d`);
  });
  test("a channel that will not stop: a failed run (exit 1) with reset advice; the driver's error stays the cause", () => {
    const e = refused({ reason: "channel-stuck", channel: 2, state: "Faulting" }, `channel 2 of ${DMA} stays Faulting after DMAKILL`);
    const words = pl330InWords(e) as Error;
    expect(words.cause).toBe(e);
    const r = describeError(words);
    expect(r.exit).toBe(EXIT.FAILED);
    expect(r.line).toBe(`vfio-plat: channel 2 of ${DMA} stays Faulting after DMAKILL (FAILED) — reset the device (vfio-plat reset) or the board`);
  });
  test("a range beyond 32 bits and a busy channel are usage errors with advice; anything else passes through", () => {
    expect(describeError(pl330InWords(refused({ reason: "bad-range", detail: "source beyond 32-bit" }, "x"))).line).toContain("(USAGE) — the PL330 is a 32-bit bus master");
    expect(describeError(pl330InWords(refused({ reason: "channel-busy", channel: 0, state: "Executing" }, "channel 0 is busy"))).exit).toBe(EXIT.USAGE);
    const notReady = refused({ reason: "not-ready", step: "init" }, "PL330 driver used before init()");
    expect(pl330InWords(notReady)).toBe(notReady);
    const other = new Error("other");
    expect(pl330InWords(other)).toBe(other);
  });
  test("the driver itself names no command-line flag and no vfio-plat command", () => {
    const source = readFileSync(new URL("../../src/drivers/pl330/driver.ts", import.meta.url), "utf8");
    expect(source.match(/--[a-z]|vfio-plat [a-z]/g)).toBeNull();
  });
});
