// Device names reach sysfs paths, so they are validated first; resolution accepts what board users type (sysfs name,
// /sys/bus path, unique compatible, a glob matching one device) and suggests close names on a miss.
import { describe, expect, test } from "bun:test";
import { resolveDevice, suggest, validateDeviceName } from "../../src/host/device-name.ts";
import type { HostDevice } from "../../src/host/discovery.ts";
import { NoSuchDeviceError } from "../../src/host/host-errors.ts";
import { refusalHint } from "../../src/cli/output/library-words.ts";
import { DeviceNotFoundError, InvalidArgumentError } from "../../src/vfio/errors.ts";

function dev(name: string, bus: "platform" | "amba", compatible: string[]): HostDevice {
  return { name, bus, sysfsPath: `/sys/bus/${bus}/devices/${name}`, compatible, regNames: [], vfioBound: false };
}
const DEVICES = [
  dev("9000000.pl011", "amba", ["arm,pl011", "arm,primecell"]),
  dev("9010000.pl031", "amba", ["arm,pl031", "arm,primecell"]),
  dev("a000000.virtio_mmio", "platform", ["virtio,mmio"]),
  dev("a000200.virtio_mmio", "platform", ["virtio,mmio"]),
];

describe("validateDeviceName", () => {
  for (const bad of ["", "../etc", "a/b", "9010000.pl031/../x", "a b", "x\0y", "*", "-rf", ".hidden"]) {
    test(`refuses ${JSON.stringify(bad)}`, () => expect(() => validateDeviceName(bad)).toThrow(InvalidArgumentError));
  }
  for (const good of ["9010000.pl031", "0000:00:02.0", "ACPI0007:00", "fff00000.dma"]) {
    test(`accepts ${good}`, () => expect(validateDeviceName(good)).toBe(good));
  }
});

describe("resolveDevice", () => {
  test("sysfs name", () => expect(resolveDevice("9010000.pl031", DEVICES).name).toBe("9010000.pl031"));
  test("/sys/bus path", () => expect(resolveDevice("/sys/bus/amba/devices/9010000.pl031", DEVICES).name).toBe("9010000.pl031"));
  test("path on the wrong bus does not match", () =>
    expect(() => resolveDevice("/sys/bus/platform/devices/9010000.pl031", DEVICES)).toThrow(DeviceNotFoundError));
  test("unique compatible", () => expect(resolveDevice("arm,pl031", DEVICES).name).toBe("9010000.pl031"));
  test("ambiguous compatible", () => expect(() => resolveDevice("virtio,mmio", DEVICES)).toThrow(/matches 2 devices/));
  test("glob matching one", () => expect(resolveDevice("*.pl031", DEVICES).name).toBe("9010000.pl031"));
  test("glob matching several", () => expect(() => resolveDevice("*.virtio_mmio", DEVICES)).toThrow(InvalidArgumentError));
  test("other paths refused", () => expect(() => resolveDevice("/etc/passwd", DEVICES)).toThrow(InvalidArgumentError));
  test("traversal refused", () => expect(() => resolveDevice("../../x", DEVICES)).toThrow(InvalidArgumentError));
  test("miss suggests the close name", () => {
    try {
      resolveDevice("9010000.pl03", DEVICES);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(DeviceNotFoundError);
      // The library says the facts; the CLI's words name `vfio-plat list`.
      expect((e as NoSuchDeviceError).refusal).toEqual({ reason: "no-such-device", spec: "9010000.pl03", close: ["9010000.pl031", "9000000.pl011"] });
      expect(refusalHint(e)).toBe("did you mean 9010000.pl031 or 9000000.pl011? (see vfio-plat list)");
    }
  });
});

test("suggest ranks by edit distance", () => {
  expect(suggest("9010000.pl03", ["9000000.pl011", "9010000.pl031", "a000000.virtio_mmio"])[0]).toBe("9010000.pl031");
  expect(suggest("zzzz", ["9010000.pl031"])).toEqual([]);
});
