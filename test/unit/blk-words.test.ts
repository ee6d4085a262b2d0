// The CLI's words for the virtio driver's refusals decide the exit code: what the user asked wrongly is a usage
// error (2), what the device cannot do is unsupported (6), a device that failed is a failed run (1); each keeps a hint.
import { describe, expect, test } from "bun:test";
import { virtioInWords } from "../../src/cli/blk-test/blk-words.ts";
import { describeError } from "../../src/cli/output/errors.ts";
import { VirtioError, type VirtioRefusal } from "../../src/drivers/virtio/errors.ts";

// Each refusal, its exit code and a word its hint must contain (the fix it points at, not just any text).
const cases: [VirtioRefusal, number, RegExp][] = [
  [{ reason: "not-virtio", magic: 0 }, 6, /virtio,mmio/],
  [{ reason: "wrong-device", deviceId: 0, expected: 2 }, 6, /virtio-blk-device/],
  [{ reason: "read-only" }, 6, /readonly=on/],
  [{ reason: "out-of-range", sector: 10n, count: 4, capacity: 12n }, 2, /0\.\.11/],
  [{ reason: "too-many-segments", segments: 9, max: 4 }, 2, /--request-size .*at most 4/],
  [{ reason: "device-status", status: 0x47, needsReset: true, failed: false }, 1, /unbind and bind/],
  [{ reason: "request-failed", request: "write", sector: 0n, status: 1 }, 1, /IOERR/],
  [{ reason: "features-refused", accepted: 0n, status: 3 }, 1, /unbind and bind/],
  [{ reason: "queue-unavailable", queue: 0, detail: "in-use" }, 1, /unbind and bind/],
  [{ reason: "queue-unavailable", queue: 0, detail: "too-small" }, 1, /queue-size=4/],
  [{ reason: "queue-unavailable", queue: 0, detail: "address-too-high", address: 1n << 44n }, 1, /force-legacy=false/],
  [{ reason: "bad-completion", detail: "x" }, 1, /reset/],
  [{ reason: "reset-failed", status: 15, keptBytes: 8192 }, 1, /kernel driver \(virtio-mmio\) probe it/],
];

describe("virtio refusals in CLI words", () => {
  for (const [refusal, exit, hint] of cases) {
    test(`${refusal.reason}${"detail" in refusal && typeof refusal.detail === "string" && refusal.reason === "queue-unavailable" ? ` (${refusal.detail})` : ""} -> exit ${exit}, hint ${hint}`, () => {
      const e = virtioInWords(new VirtioError(refusal, "a003e00.virtio_mmio", "msg"));
      expect(describeError(e).exit).toBe(exit);
      expect(describeError(e).hint).toMatch(hint);
    });
  }
  test("out-of-range names the disk's size and the range to use", () => {
    const e = virtioInWords(new VirtioError({ reason: "out-of-range", sector: 10n, count: 4, capacity: 12n }, "d", "m")) as Error & { hint: string };
    expect(e.message).toBe("sectors 10..13 are not all on d: it has 12 sectors");
    expect(e.hint).toBe("use --sector and --count within 0..11");
  });
  test("anything else passes through unchanged", () => {
    const e = new Error("x");
    expect(virtioInWords(e)).toBe(e);
  });
});
