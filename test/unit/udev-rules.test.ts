// udev rule files: values are quoted only when udev reads them back as exactly that literal (anything that could end
// the string, substitute, glob or split a RUN command is refused), files are written atomically under vfio-plat's own
// prefix, and the rule texts of bind --persist and udev-rule are exactly as documented.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessRuleText, defaultAccessMode, loadAccessRule, installAccessRule, removeAccessRule } from "../../src/host/udev-access.ts";
import { listPersistentBinds, loadPersistentBind, persistRuleText, removePersistentBind, runOfRule, savePersistentBind } from "../../src/host/persist-bind.ts";
import { accessComments, persistWords } from "../../src/cli/rule-words.ts";
import type { PersistentBind } from "../../src/host/persist-bind.ts";
import { checkRuleDeviceName, listRuleFiles, quoteUdev, ruleFacts, ruleFileName, UdevValueError, udevRulesDirOf, writeRuleFile } from "../../src/host/udev-rules.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "vfio-plat-udev-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe("values in a rule", () => {
  test.each(["9010000.pl031", "0000:00:02.0", "soc:gpio-keys", "fff00000.dma", "vfio", "1000", "arm,pl330"])("%s is quoted as it is", (v) => {
    expect(quoteUdev("device name", v)).toBe(`"${v}"`);
  });
  test.each([
    ['a"b', '"\\""'],
    ["a\\b", '"\\\\"'],
    ["a%kb", '"%"'],
    ["a$kernel", '"$"'],
    ["pl0*", '"*"'],
    ["pl0?", '"?"'],
    ["pl0[1]", '"["'],
    ["a|b", '"|"'],
    ["a b", '" "'],
    ["a\nRUN+=\"/bin/sh\"", '"\\n"'],
    ["a'b", `"'"`],
  ])("%j is refused, naming the character", (v, shown) => {
    expect(() => quoteUdev("device name", v)).toThrow(UdevValueError);
    expect(() => quoteUdev("device name", v)).toThrow(`cannot go into a udev rule: it holds ${shown}`);
  });
  test("an empty value, a / in a name, a leading dot or dash are refused; a program path may hold /", () => {
    expect(() => quoteUdev("user", "")).toThrow("it is empty");
    expect(() => checkRuleDeviceName("a/b")).toThrow('it holds "/"');
    expect(() => checkRuleDeviceName("..")).toThrow('it starts with "."');
    expect(() => checkRuleDeviceName("-x")).toThrow('it starts with "-"');
    expect(quoteUdev("program path", "/usr/bin/bun", { path: true })).toBe('"/usr/bin/bun"');
    expect(() => quoteUdev("program path", "/opt/my dir/bun", { path: true })).toThrow('it holds " "');
  });
  test("file names carry the fixed prefix, the kind and the bus", () => {
    expect(ruleFileName("bind", "amba", "9010000.pl031")).toBe("90-vfio-plat-bind-amba-9010000.pl031.rules");
    expect(ruleFileName("access", "pci", "0000:00:02.0")).toBe("90-vfio-plat-access-pci-0000:00:02.0.rules");
    expect(() => ruleFileName("bind", "amba", "../x")).toThrow(UdevValueError);
  });
});

describe("the rules directory", () => {
  test("the environment variable wins; a simulated board keeps its own; else /etc/udev/rules.d", () => {
    const saved = process.env.VFIO_PLAT_UDEV_RULES_DIR;
    try {
      delete process.env.VFIO_PLAT_UDEV_RULES_DIR;
      expect(udevRulesDirOf(undefined)).toBe("/etc/udev/rules.d");
      expect(udevRulesDirOf("/tmp/board")).toBe("/tmp/board/udev/rules.d");
      process.env.VFIO_PLAT_UDEV_RULES_DIR = "/tmp/lab-rules";
      expect(udevRulesDirOf("/tmp/board")).toBe("/tmp/lab-rules");
    } finally {
      if (saved === undefined) delete process.env.VFIO_PLAT_UDEV_RULES_DIR;
      else process.env.VFIO_PLAT_UDEV_RULES_DIR = saved;
    }
  });
  test("a write creates the directory, leaves no temporary file, and replaces a previous file whole", () => {
    const dir = join(tempDir(), "rules.d");
    writeRuleFile(dir, "90-vfio-plat-bind-amba-x.rules", "one\n");
    const p = writeRuleFile(dir, "90-vfio-plat-bind-amba-x.rules", "two\n");
    expect(readFileSync(p, "utf8")).toBe("two\n");
    expect(readdirSync(dir)).toEqual(["90-vfio-plat-bind-amba-x.rules"]);
  });
  test("a write that fails (a directory at the file's name) leaves nothing behind", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "90-vfio-plat-bind-amba-x.rules", "inside"), { recursive: true });
    expect(() => writeRuleFile(dir, "90-vfio-plat-bind-amba-x.rules", "x\n")).toThrow();
    expect(readdirSync(dir)).toEqual(["90-vfio-plat-bind-amba-x.rules"]);
  });
  test("list and remove see only vfio-plat's files of that kind", () => {
    const dir = tempDir();
    for (const f of ["60-other.rules", "90-vfio.rules", "90-vfio-plat-access-amba-a.rules", "90-vfio-plat-bind-amba-a.rules", "90-vfio-plat-bind-amba-b.rules.bak"]) {
      writeFileSync(join(dir, f), "x\n");
    }
    expect(listRuleFiles(dir, "bind")).toEqual(["90-vfio-plat-bind-amba-a.rules"]);
    expect(listRuleFiles(dir, "access")).toEqual(["90-vfio-plat-access-amba-a.rules"]);
    expect(listRuleFiles(join(dir, "none"), "bind")).toEqual([]);
  });
});

const PROGRAM = ["/usr/bin/bun", "/opt/vfio-plat/src/cli/main.ts"];
/** The rule text with the CLI's words, as bind --persist writes it. */
const ruleOf = (p: PersistentBind, program: string[] = PROGRAM) => persistRuleText(p, persistWords(program)(p));

describe("bind --persist's rule", () => {
  test("the text: facts line, and RUN of the bind with the owner", () => {
    const text = ruleOf({ bus: "amba", name: "9010000.pl031", vfioDriver: "vfio-amba", originalDriver: "rtc-pl031", uid: 1000, gid: 27 });
    expect(text).toBe(
      [
        "# vfio-plat bind --persist: 9010000.pl031 goes to vfio-amba again whenever it appears (at boot too).",
        '# RUN, not ATTR{driver_override}: the native driver has usually probed before udev handles "add".',
        "# `vfio-plat unbind --persist 9010000.pl031` removes this file; the line below is read back.",
        "# vfio-plat-persist: bus=amba device=9010000.pl031 vfio-driver=vfio-amba original-driver=rtc-pl031 uid=1000 gid=27",
        'ACTION=="add", SUBSYSTEM=="amba", KERNEL=="9010000.pl031", RUN{builtin}+="kmod load vfio-amba", RUN+="/usr/bin/bun /opt/vfio-plat/src/cli/main.ts bind 9010000.pl031 --user 1000 --group 27"',
        "",
      ].join("\n"),
    );
    expect(runOfRule(text)).toEqual([...PROGRAM, "bind", "9010000.pl031", "--user", "1000", "--group", "27"]);
  });
  test("--force and --driver are carried to the boot-time bind; no original driver reads back as none", () => {
    const text = ruleOf({ bus: "platform", name: "a000000.virtio_mmio", vfioDriver: "vfio-platform", force: true, driverGiven: true });
    expect(runOfRule(text)).toEqual([...PROGRAM, "bind", "a000000.virtio_mmio", "--driver", "vfio-platform", "--force"]);
    expect(ruleFacts(text, "persist")).toEqual({ bus: "platform", device: "a000000.virtio_mmio", "vfio-driver": "vfio-platform", "original-driver": "none", force: "yes", "driver-given": "yes" });
  });
  test("a program path udev would split, or a relative one, or a comment with a line break, is refused", () => {
    const p = { bus: "amba" as const, name: "x", vfioDriver: "vfio-amba" };
    expect(() => ruleOf(p, ["/opt/my bun/bun"])).toThrow('program path "/opt/my bun/bun" cannot go into a udev rule: it holds " "');
    expect(() => ruleOf(p, ["bun", "main.ts"])).toThrow("it is not absolute");
    expect(() => persistRuleText(p, { run: ["/bin/true"], comments: ["a\nRUN+=\"/bin/sh\""] })).toThrow("it holds a line break");
  });
  test("save, load, list and remove round-trip; foreign and damaged files are skipped", () => {
    const dir = tempDir();
    const saved: PersistentBind = { bus: "amba", name: "9010000.pl031", vfioDriver: "vfio-amba", originalDriver: "rtc-pl031", gid: 27 };
    savePersistentBind(dir, saved, persistWords(PROGRAM)(saved));
    writeFileSync(join(dir, "90-vfio-plat-bind-amba-broken.rules"), "# not ours\n");
    writeFileSync(join(dir, "99-local.rules"), 'ACTION=="add", RUN+="/bin/true"\n');
    const got = loadPersistentBind(dir, "amba", "9010000.pl031");
    expect(got).toMatchObject({ bus: "amba", name: "9010000.pl031", vfioDriver: "vfio-amba", originalDriver: "rtc-pl031", gid: 27 });
    expect(got?.uid).toBeUndefined();
    expect(listPersistentBinds(dir).map((p) => p.name)).toEqual(["9010000.pl031"]);
    expect(removePersistentBind(dir, "amba", "9010000.pl031")).toBe(true);
    expect(removePersistentBind(dir, "amba", "9010000.pl031")).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(["90-vfio-plat-bind-amba-broken.rules", "99-local.rules"]);
  });
});

describe("udev-rule's access rule", () => {
  test("a group: GROUP and MODE on the group node (matched through the IOMMU group) and on the cdev", () => {
    const grant = { group: { spelled: "vfio", id: 27 }, mode: defaultAccessMode({ group: { spelled: "vfio", id: 27 } }) };
    expect(accessRuleText({ bus: "amba", name: "9010000.pl031" }, grant, accessComments("9010000.pl031", grant))).toBe(
      [
        "# vfio-plat udev-rule: the VFIO nodes of 9010000.pl031 for group vfio, mode 0660.",
        "# vfio-plat-access: bus=amba device=9010000.pl031 gid=27 mode=0660",
        "# /dev/vfio/N or /dev/vfio/noiommu-N: the node of the IOMMU group that holds the device, whatever its number.",
        'SUBSYSTEM=="vfio", KERNEL=="[0-9]*", TEST=="/sys/kernel/iommu_groups/%k/devices/9010000.pl031", GROUP="vfio", MODE="0660"',
        'SUBSYSTEM=="vfio", KERNEL=="noiommu-[0-9]*", TEST=="/sys/kernel/iommu_groups/%n/devices/9010000.pl031", GROUP="vfio", MODE="0660"',
        "# /dev/vfio/devices/vfioX, the iommufd cdev: a child of the device.",
        'SUBSYSTEM=="vfio-dev", KERNELS=="9010000.pl031", GROUP="vfio", MODE="0660"',
        "",
      ].join("\n"),
    );
  });
  test("a user alone: OWNER and 0600 by default; both with a mode", () => {
    const user = { user: { spelled: "alice", id: 1000 } };
    expect(defaultAccessMode(user)).toBe(0o600);
    const g = { ...user, group: { spelled: "27", id: 27 }, mode: 0o640 };
    const t = accessRuleText({ bus: "pci", name: "0000:00:02.0" }, g, accessComments("0000:00:02.0", g));
    expect(t).toContain('SUBSYSTEM=="vfio-dev", KERNELS=="0000:00:02.0", OWNER="alice", GROUP="27", MODE="0640"\n');
    expect(t).toContain("# vfio-plat udev-rule: the VFIO nodes of 0000:00:02.0 for user alice and group 27, mode 0640.\n");
  });
  test("a user or group name that could inject is refused", () => {
    expect(() => accessRuleText({ bus: "amba", name: "x" }, { group: { spelled: 'vfio", RUN+="/bin/sh', id: 1 }, mode: 0o660 })).toThrow(UdevValueError);
    expect(() => accessRuleText({ bus: "amba", name: "x" }, { mode: 0o660 })).toThrow("give a user or a group");
  });
  test("install, read back, remove", () => {
    const dir = tempDir();
    const dev = { bus: "amba" as const, name: "9010000.pl031" };
    installAccessRule(dir, dev, { user: { spelled: "alice", id: 1000 }, mode: 0o600 });
    expect(loadAccessRule(dir, dev)).toEqual({ uid: 1000, mode: 0o600 });
    expect(removeAccessRule(dir, dev)).toBe(true);
    expect(loadAccessRule(dir, dev)).toBeUndefined();
  });
});
