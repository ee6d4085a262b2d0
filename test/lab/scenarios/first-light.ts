// The lab's first scenario: the real backend end to end on a real kernel, with the CLI exactly as shipped. PL031 via
// vfio-amba (bind from rtc-pl031, info, ID registers at three widths, loopback and a real 2-second alarm, EBUSY for a
// second opener, unbind back), then an empty virtio-mmio transport via vfio-platform (magic, version, info, unbind).
import type { StepRecord } from "../protocol.ts";
import type { Check, LabScenario } from "./lab-scenario.ts";

const RTC = "9010000.pl031";
const VIRTIO = "a000000.virtio_mmio";

type Obj = Record<string, unknown>;
const doc = (r: StepRecord): Obj => JSON.parse(r.stdout) as Obj;
const lines = (r: StepRecord): Obj[] => r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Obj);
const same = (got: unknown, want: unknown) => JSON.stringify(got) === JSON.stringify(want);

/** Combine checks: exit code first (with stderr in the message), then the rest in order. */
function expectExit(code: number, ...more: Check[]): Check {
  return (r, b) => {
    if (r.exit !== code) return `exit ${r.exit}, want ${code}; stderr: ${r.stderr.trim().slice(0, 400)}`;
    for (const c of more) {
      let m: string | undefined;
      try {
        m = c(r, b);
      } catch (e) {
        m = `${(e as Error).message} in ${JSON.stringify(r.stdout.slice(0, 300))}`;
      }
      if (m) return m;
    }
    return undefined;
  };
}
const stdoutIs = (want: string): Check => (r) => (r.stdout === want ? undefined : `stdout ${JSON.stringify(r.stdout)}, want ${JSON.stringify(want)}`);
const fields = (want: Obj): Check => (r) => {
  const d = doc(r);
  const bad = Object.entries(want).filter(([k, v]) => !(v instanceof RegExp ? v.test(String(d[k])) : same(d[k], v)));
  return bad.length === 0 ? undefined : bad.map(([k, v]) => `${k}: got ${JSON.stringify(d[k])}, want ${v instanceof RegExp ? v : JSON.stringify(v)}`).join("; ");
};
const realOnly = (c: Check): Check => (r, b) => (b === "real" ? c(r, b) : undefined);

export const firstLight: LabScenario = {
  name: "first-light",
  profile: "noiommu",
  simBoard: "virt-noiommu",
  steps: [
    { kind: "shell", name: "kernel", command: "uname -r; cat /proc/cmdline", check: realOnly(expectExit(0, (r) => (r.stdout.startsWith("6.12") ? undefined : `uname -r: ${r.stdout}`))) },
    {
      kind: "shell",
      name: "drivers at boot",
      command: 'for d in /sys/bus/amba/devices/* /sys/bus/platform/devices/a000000.virtio_mmio; do l=$(readlink $d/driver); echo "${d##*/} ${l##*/}"; done',
      check: realOnly(expectExit(0, (r) => (r.stdout.includes(`${RTC} rtc-pl031\n`) ? undefined : `pl031 not on rtc-pl031 at boot: ${r.stdout}`))),
    },
    {
      kind: "cli",
      name: "list",
      args: ["list", "--json"],
      check: expectExit(0, (r) => {
        const devs = doc(r).devices as Obj[];
        const rtc = devs.find((d) => d.name === RTC);
        const virtio = devs.find((d) => d.name === VIRTIO);
        if (!rtc || rtc.bus !== "amba" || rtc.driver !== "rtc-pl031") return `pl031 entry ${JSON.stringify(rtc)}`;
        if (!virtio || virtio.bus !== "platform") return `virtio-mmio entry ${JSON.stringify(virtio)}`;
        return undefined;
      }),
    },
    {
      kind: "cli",
      name: "bind pl031",
      args: ["bind", RTC, "--json"],
      check: expectExit(0, fields({ outcome: "bound", driver: "vfio-amba", previous_driver: "rtc-pl031", group_node: /^\/dev\/vfio\/noiommu-\d+$/ })),
    },
    {
      kind: "shell",
      name: "pl031 bound",
      command: `ls -l /dev/vfio; l=$(readlink /sys/bus/amba/devices/${RTC}/driver); echo "driver \${l##*/}"`,
      check: realOnly(expectExit(0, (r) => (/^crw------- .* noiommu-\d+$/m.test(r.stdout) && r.stdout.includes("driver vfio-amba") ? undefined : r.stdout))),
    },
    {
      kind: "cli",
      name: "info pl031",
      args: ["info", RTC, "--json"],
      check: expectExit(
        0,
        fields({
          flags: ["AMBA"],
          noiommu: true,
          regions: [{ index: 0, name: null, size: 4096, offset: "0x0", flags: ["READ", "WRITE", "MMAP"], mmap_tested: true }],
          irqs: [{ index: 0, count: 1, flags: ["EVENTFD", "MASKABLE", "AUTOMASKED"], trigger: "level" }],
        }),
      ),
    },
    { kind: "cli", name: "PrimeCell ID word (32-bit)", args: ["read", RTC, "0:0xff0.l"], check: expectExit(0, stdoutIs("0x0000000d\n")) },
    {
      kind: "cli",
      name: "ID registers",
      args: ["read", RTC, "0:0xfe0", "8", "--json"],
      check: expectExit(0, fields({ width: 32, values: ["0x00000031", "0x00000010", "0x00000014", "0x00000000", "0x0000000d", "0x000000f0", "0x00000005", "0x000000b1"] })),
    },
    { kind: "cli", name: "ID word at 16 bits", args: ["read", RTC, "0:0xff0.w"], check: expectExit(0, stdoutIs("0x000d\n")) },
    { kind: "cli", name: "ID byte at 8 bits", args: ["read", RTC, "0:0xffc.b"], check: expectExit(0, stdoutIs("0xb1\n")) },
    {
      kind: "cli",
      name: "loopback trigger",
      args: ["irq", RTC, "0", "--trigger", "--timeout", "5s", "--json"],
      check: expectExit(0, (r) => {
        const l = lines(r);
        return l[0]?.type === "armed" && l[0]?.trigger === "level" && l[1]?.type === "irq" && l[1]?.count === 1 && l[2]?.reason === "count" ? undefined : r.stdout;
      }),
    },
    {
      kind: "cli",
      name: "alarm two seconds ahead",
      args: ["run", RTC, "--json", "-e", "read 0:0x0 as now; write 0:0x4 $now+2; write 0:0x10 1; irq arm 0; irq wait 0 5s; read 0:0x18; write 0:0x1c 1; irq unmask 0; write 0:0x10 0"],
      check: expectExit(0, (r) => {
        const l = lines(r);
        const irq = l.find((x) => x.type === "irq");
        const ris = l.find((x) => x.type === "read" && x.offset === "0x18");
        if (irq?.count !== 1) return `no alarm interrupt: ${r.stdout}`;
        if (!same(ris?.values, ["0x00000001"])) return `RIS after the alarm: ${JSON.stringify(ris)}`;
        return l.at(-1)?.reason === "done" ? undefined : `script did not finish: ${r.stdout}`;
      }),
    },
    { kind: "start", name: "hold the group", args: ["irq", RTC, "0", "--timeout", "30s"], ready: /armed/, check: (r) => (/armed/.test(r.stdout) ? undefined : `holder never armed: ${r.stdout} ${r.stderr}`) },
    {
      kind: "cli",
      name: "second opener is busy",
      args: ["read", RTC, "0:0xff0"],
      check: expectExit(5, (r) => (/held by process \d+/.test(r.stderr) ? undefined : `stderr: ${r.stderr}`)),
    },
    { kind: "stop", name: "Ctrl-C the holder", signal: "SIGINT", check: expectExit(130) },
    { kind: "cli", name: "group free again", args: ["read", RTC, "0:0xff0"], check: expectExit(0, stdoutIs("0x0000000d\n")) },
    { kind: "cli", name: "unbind pl031", args: ["unbind", RTC, "--json"], check: expectExit(0, fields({ unbound_from: "vfio-amba", driver: "rtc-pl031" })) },
    {
      kind: "shell",
      name: "pl031 restored",
      command: `l=$(readlink /sys/bus/amba/devices/${RTC}/driver); echo "driver \${l##*/}"; ls /sys/class/rtc`,
      check: realOnly(expectExit(0, (r) => (r.stdout.includes("driver rtc-pl031") ? undefined : r.stdout))),
    },
    {
      kind: "cli",
      name: "bind virtio-mmio",
      args: ["bind", VIRTIO, "--json"],
      check: expectExit(
        0,
        fields({ outcome: "bound", driver: "vfio-platform", group_node: /^\/dev\/vfio\/noiommu-\d+$/ }),
        // An empty transport (device ID 0) is probed by virtio-mmio and refused (-ENODEV), so it starts driverless.
        fields({ previous_driver: null }),
      ),
    },
    { kind: "cli", name: "virtio magic", args: ["read", VIRTIO, "0:0x0.l"], check: expectExit(0, stdoutIs("0x74726976\n")) },
    { kind: "cli", name: "virtio version", args: ["read", VIRTIO, "0:0x4.l"], check: expectExit(0, stdoutIs("0x00000001\n")) },
    {
      kind: "cli",
      name: "info virtio-mmio",
      args: ["info", VIRTIO, "--json"],
      check: expectExit(
        0,
        fields({
          flags: ["PLATFORM"],
          regions: [{ index: 0, name: null, size: 512, offset: "0x0", flags: ["READ", "WRITE"], mmap_tested: null }],
          irqs: [{ index: 0, count: 1, flags: ["EVENTFD"], trigger: "edge" }],
        }),
      ),
    },
    { kind: "cli", name: "unbind virtio-mmio", args: ["unbind", VIRTIO, "--json"], check: expectExit(0, fields({ unbound_from: "vfio-platform" })) },
    {
      kind: "shell",
      name: "state at the end",
      command: `ls -l /dev/vfio; for d in /sys/bus/amba/devices/${RTC} /sys/bus/platform/devices/${VIRTIO}; do l=$(readlink $d/driver); echo "\${d##*/} \${l##*/}"; done`,
      check: realOnly(expectExit(0)),
    },
  ],
};
