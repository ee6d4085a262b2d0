// blk-test's serial is optional only when the device does not implement GET_ID (status UNSUPP): every other failure
// of the GET_ID request (IOERR, a timeout that leaves the chain in flight, an abort, DEVICE_NEEDS_RESET) ends the run.
import { describe, expect, test } from "bun:test";
import { optionalSerial } from "../../src/cli/blk-test/run.ts";
import { VirtioError, VirtioTimeoutError } from "../../src/drivers/virtio/errors.ts";
import { AbortedError } from "../../src/vfio/errors.ts";

const failed = (status: number) => new VirtioError({ reason: "request-failed", request: "get-id", sector: 0n, status }, "d", "m");

describe("optionalSerial", () => {
  test("a serial passes through", async () => {
    expect(await optionalSerial(Promise.resolve("abc"))).toBe("abc");
  });
  test("UNSUPP: no serial", async () => {
    expect(await optionalSerial(Promise.reject(failed(2)))).toBeUndefined();
  });
  const others: [string, unknown][] = [
    ["IOERR", failed(1)],
    ["a timeout", new VirtioTimeoutError("t", { device: "d", request: "get-id", sector: 0n, timeoutMs: 1, interruptStatus: 0, status: 7 })],
    ["an abort", AbortedError.fromAbort(AbortSignal.abort())],
    ["DEVICE_NEEDS_RESET", new VirtioError({ reason: "device-status", status: 0x4f, needsReset: true, failed: false }, "d", "m")],
  ];
  for (const [what, e] of others) {
    test(`${what} is rethrown`, async () => {
      expect(await optionalSerial(Promise.reject(e)).catch((x) => x)).toBe(e);
    });
  }
});
