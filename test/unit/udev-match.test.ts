// The udev rule reader behind `udev-rule --apply` and the lab's boot emulation: udev's %n (none for an all-digit
// name), the glob of KERNEL, KERNELS through the parents, TEST, and what the access and bind rules vfio-plat writes
// do for the events of /dev/vfio/N, /dev/vfio/noiommu-N, the cdev and the device itself.
import { describe, expect, test } from "bun:test";
import { accessRuleText } from "../../src/host/udev-access.ts";
import { persistRuleText } from "../../src/host/persist-bind.ts";
import { evaluateRules, sysnum, UdevRuleSyntaxError, type UdevEvent } from "../../src/host/udev-match.ts";

const DEV = "9010000.pl031";
const add = (subsystem: string, kernel: string, parents: string[] = []): UdevEvent => ({ action: "add", subsystem, kernel, parents });
/** A machine where the PL031 is in IOMMU group 3 (noiommu-3 has the same sysfs group directory). */
const exists = (p: string) => p === `/sys/kernel/iommu_groups/3/devices/${DEV}`;

describe("substitutions and matching", () => {
  test("%n is the trailing number, and none for an all-digit name (systemd sets no sysnum for it)", () => {
    expect(sysnum("noiommu-3")).toBe("3");
    expect(sysnum("vfio12")).toBe("12");
    expect(sysnum("3")).toBe("");
    expect(sysnum("pl031")).toBe("031");
  });
  test("a TEST through %n never matches /dev/vfio/3: the rule text vfio-plat wrote before", () => {
    const old = `SUBSYSTEM=="vfio", TEST=="/sys/kernel/iommu_groups/%n/devices/${DEV}", MODE="0660"\n`;
    expect(evaluateRules([old], add("vfio", "3"), exists).mode).toBeUndefined();
    expect(evaluateRules([old], add("vfio", "noiommu-3"), exists).mode).toBe("0660");
  });
  test("KERNEL globs, KERNELS matches the device or a parent, != negates, later assignments win", () => {
    const t = ['KERNEL=="[0-9]*", MODE="0600"', 'KERNEL=="vfio?", KERNELS=="9010000.*", GROUP="27"', 'KERNEL!="noiommu-*", MODE="0640"'].join("\n");
    expect(evaluateRules([t], add("vfio", "12"), exists)).toEqual({ mode: "0640", run: [] });
    expect(evaluateRules([t], add("vfio-dev", "vfio0", [DEV]), exists)).toEqual({ group: "27", mode: "0640", run: [] });
    expect(evaluateRules([t], add("vfio", "noiommu-1"), exists)).toEqual({ run: [] });
  });
  test("a key or substitution the reader does not know is refused, not ignored", () => {
    expect(() => evaluateRules(['ATTR{driver_override}="vfio-amba"'], add("amba", DEV), exists)).toThrow(UdevRuleSyntaxError);
    expect(() => evaluateRules(['KERNEL=="x", RUN+="/bin/echo $devpath"'], add("amba", "x"), exists)).toThrow("substitution");
    expect(() => evaluateRules(['KERNEL=="x" RUN+="/bin/true"'], add("amba", "x"), exists)).toThrow(UdevRuleSyntaxError);
  });
});

describe("vfio-plat's own rules, read back", () => {
  const access = accessRuleText({ bus: "amba", name: DEV }, { group: { spelled: "vfio", id: 27 }, mode: 0o660 });
  test.each([
    ["/dev/vfio/3", add("vfio", "3")],
    ["/dev/vfio/noiommu-3", add("vfio", "noiommu-3")],
    ["the cdev", add("vfio-dev", "vfio0", [DEV, "amba"])],
  ])("the access rule gives %s its group and mode", (_, ev) => {
    expect(evaluateRules([access], ev, exists)).toEqual({ group: "vfio", mode: "0660", run: [] });
  });
  test("but not another group's node, nor another device's cdev", () => {
    expect(evaluateRules([access], add("vfio", "4"), exists)).toEqual({ run: [] });
    expect(evaluateRules([access], add("vfio-dev", "vfio1", ["9000000.pl011"]), exists)).toEqual({ run: [] });
  });
  test("the bind rule, at the device's add: the VFIO driver loaded, then the bind run; not at another device's", () => {
    const bind = persistRuleText({ bus: "amba", name: DEV, vfioDriver: "vfio-amba" }, { run: ["/usr/bin/vfio-plat", "bind", DEV], comments: [] });
    expect(evaluateRules([bind], add("amba", DEV), exists).run).toEqual([
      { builtin: true, command: "kmod load vfio-amba" },
      { builtin: false, command: `/usr/bin/vfio-plat bind ${DEV}` },
    ]);
    expect(evaluateRules([bind], add("amba", "9000000.pl011"), exists).run).toEqual([]);
    expect(evaluateRules([bind], { ...add("amba", DEV), action: "remove" }, exists).run).toEqual([]);
  });
});
