// Golden-byte tests of VFIO_DEVICE_SET_IRQS arguments (src/vfio/abi/irq-set.ts): the 20-byte vfio_irq_set header plus
// its u8 (DATA_BOOL) or s32 (DATA_EVENTFD) payload, argsz covering both. Bytes are written by hand from <linux/vfio.h>,
// never produced by the project's encoder.
import { describe, expect, test } from "bun:test";
import {
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_BOOL,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
} from "../../src/vfio/abi/constants.ts";
import { decodeIrqSetPayload, encodeIrqSet } from "../../src/vfio/abi/irq-set.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

describe("encodeIrqSet", () => {
  test("DATA_EVENTFD|ACTION_TRIGGER with one eventfd 5: argsz 24", () => {
    const golden = Uint8Array.of(
      0x18, 0x00, 0x00, 0x00, // argsz = 24
      0x24, 0x00, 0x00, 0x00, // flags = DATA_EVENTFD | ACTION_TRIGGER
      0x00, 0x00, 0x00, 0x00, // index = 0
      0x00, 0x00, 0x00, 0x00, // start = 0
      0x01, 0x00, 0x00, 0x00, // count = 1
      0x05, 0x00, 0x00, 0x00, // data[0] = fd 5
    );
    const flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
    expect(hex(encodeIrqSet({ flags, index: 0, start: 0, count: 1, eventfds: [5] }))).toBe(hex(golden));
  });

  test("DATA_EVENTFD with fds [5, -1] (-1 de-assigns): argsz 28", () => {
    const golden = Uint8Array.of(
      0x1c, 0x00, 0x00, 0x00, // argsz = 28
      0x24, 0x00, 0x00, 0x00, // flags = DATA_EVENTFD | ACTION_TRIGGER
      0x03, 0x00, 0x00, 0x00, // index = 3
      0x02, 0x00, 0x00, 0x00, // start = 2
      0x02, 0x00, 0x00, 0x00, // count = 2
      0x05, 0x00, 0x00, 0x00, // data[0] = fd 5
      0xff, 0xff, 0xff, 0xff, // data[1] = -1
    );
    const flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
    expect(hex(encodeIrqSet({ flags, index: 3, start: 2, count: 2, eventfds: [5, -1] }))).toBe(hex(golden));
  });

  test("DATA_BOOL|ACTION_MASK with count 1: argsz 21 (one u8, no padding)", () => {
    const golden = Uint8Array.of(
      0x15, 0x00, 0x00, 0x00, // argsz = 21
      0x0a, 0x00, 0x00, 0x00, // flags = DATA_BOOL | ACTION_MASK
      0x02, 0x00, 0x00, 0x00, // index = 2
      0x01, 0x00, 0x00, 0x00, // start = 1
      0x01, 0x00, 0x00, 0x00, // count = 1
      0x01, // data[0] = true
    );
    const flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_MASK;
    expect(hex(encodeIrqSet({ flags, index: 2, start: 1, count: 1, bools: [true] }))).toBe(hex(golden));
  });

  test("DATA_NONE|ACTION_UNMASK with count 1: argsz 20, no payload", () => {
    const golden = Uint8Array.of(
      0x14, 0x00, 0x00, 0x00, // argsz = 20
      0x11, 0x00, 0x00, 0x00, // flags = DATA_NONE | ACTION_UNMASK
      0x00, 0x00, 0x00, 0x00, // index = 0
      0x00, 0x00, 0x00, 0x00, // start = 0
      0x01, 0x00, 0x00, 0x00, // count = 1
    );
    const flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
    expect(hex(encodeIrqSet({ flags, index: 0, start: 0, count: 1 }))).toBe(hex(golden));
  });

  test("disable form: DATA_NONE|ACTION_TRIGGER with count 0", () => {
    const golden = Uint8Array.of(
      0x14, 0x00, 0x00, 0x00, // argsz = 20
      0x21, 0x00, 0x00, 0x00, // flags = DATA_NONE | ACTION_TRIGGER
      0x00, 0x00, 0x00, 0x00, // index = 0
      0x00, 0x00, 0x00, 0x00, // start = 0
      0x00, 0x00, 0x00, 0x00, // count = 0
    );
    const flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
    expect(hex(encodeIrqSet({ flags, index: 0, start: 0, count: 0 }))).toBe(hex(golden));
  });
});

describe("decodeIrqSetPayload", () => {
  const eventfdRequest = Uint8Array.of(
    0x1c, 0x00, 0x00, 0x00, // argsz = 28
    0x24, 0x00, 0x00, 0x00, // flags = DATA_EVENTFD | ACTION_TRIGGER
    0x00, 0x00, 0x00, 0x00, // index = 0
    0x00, 0x00, 0x00, 0x00, // start = 0
    0x02, 0x00, 0x00, 0x00, // count = 2
    0x07, 0x00, 0x00, 0x00, // data[0] = fd 7
    0xff, 0xff, 0xff, 0xff, // data[1] = -1
  );

  test("DATA_EVENTFD: s32 fds from offset 20, -1 stays -1", () => {
    expect(decodeIrqSetPayload(eventfdRequest, 0x24, 2)).toStrictEqual({ eventfds: [7, -1] });
  });

  test("reads from the view's own offset when the request sits inside a larger buffer", () => {
    const big = new Uint8Array(5 + eventfdRequest.length + 3).fill(0x99);
    big.set(eventfdRequest, 5);
    expect(decodeIrqSetPayload(big.subarray(5, 5 + eventfdRequest.length), 0x24, 2)).toStrictEqual({ eventfds: [7, -1] });
  });

  test("DATA_BOOL: one u8 per vector, any non-zero byte is true", () => {
    const request = Uint8Array.of(
      0x17, 0x00, 0x00, 0x00, // argsz = 23
      0x0a, 0x00, 0x00, 0x00, // flags = DATA_BOOL | ACTION_MASK
      0x00, 0x00, 0x00, 0x00, // index = 0
      0x00, 0x00, 0x00, 0x00, // start = 0
      0x03, 0x00, 0x00, 0x00, // count = 3
      0x01, 0x00, 0x02, // data = true, false, true
    );
    expect(decodeIrqSetPayload(request, 0x0a, 3)).toStrictEqual({ bools: [true, false, true] });
  });

  test("DATA_NONE has no payload", () => {
    const request = Uint8Array.of(
      0x14, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x01, 0x00, 0x00, 0x00,
    );
    expect(decodeIrqSetPayload(request, 0x21, 1)).toStrictEqual({});
  });
});
