// The PL031 RTC through vfio-amba in noiommu mode, as the lab boots it: bind from rtc-pl031 on real sysfs, the
// device's VFIO view, its ID registers, the ticking data register, mmap, the alarm interrupt with automask and unmask,
// loopback, EBUSY for a second opener, and unbind back to rtc-pl031.
import { doctorHas, json, jsonHas, jsonLines, type Scenario } from "./scenario.ts";

const DEV = "9010000.pl031";

export const pl031Noiommu: Scenario = {
  name: "pl031 via vfio-amba (noiommu)",
  profile: "noiommu",
  steps: [
    {
      kind: "command",
      name: "list shows rtc-pl031",
      args: ["list", "--json"],
      exit: 0,
      check: (r) => {
        const d = json<{ devices: { name: string; driver: string | null; bus: string }[] }>(r).devices.find((x) => x.name === DEV);
        return d?.driver === "rtc-pl031" && d.bus === "amba" ? undefined : `pl031 entry: ${JSON.stringify(d)}`;
      },
    },
    {
      kind: "command",
      name: "doctor before bind: on rtc-pl031, no IOMMU group, noiommu on",
      args: ["doctor", DEV, "--json"],
      exit: 0,
      check: doctorHas({
        vfio: { status: "ok" },
        "vfio-amba": { status: "ok" },
        noiommu: { status: "info", message: "ON" },
        driver: { status: "info", message: "rtc-pl031" },
        "iommu-group": { status: "warn", message: "no IOMMU group" },
      }),
    },
    { kind: "command", name: "bind", args: ["bind", DEV, "--json"], exit: 0, check: jsonHas({ outcome: "bound", driver: "vfio-amba", previous_driver: "rtc-pl031", group_node: "/dev/vfio/noiommu-0" }) },
    {
      kind: "command",
      name: "info",
      args: ["info", DEV, "--json"],
      exit: 0,
      check: jsonHas({
        flags: ["AMBA"],
        noiommu: true,
        regions: [{ index: 0, size: 4096, offset: "0x0", flags: ["READ", "WRITE", "MMAP"], mmap_tested: true }],
        irqs: [{ index: 0, count: 1, flags: ["EVENTFD", "MASKABLE", "AUTOMASKED"], trigger: "level" }],
      }),
    },
    { kind: "command", name: "PrimeCell ID word", args: ["read", DEV, "0:0xff0.l"], exit: 0, stdout: "0x0000000d\n" },
    {
      kind: "command",
      name: "ID registers",
      args: ["read", DEV, "0:0xfe0", "8", "--json"],
      exit: 0,
      check: jsonHas({ values: ["0x00000031", "0x00000010", "0x00000014", "0x00000000", "0x0000000d", "0x000000f0", "0x00000005", "0x000000b1"] }),
    },
    { kind: "command", name: "16-bit read", args: ["read", DEV, "0:0xff0.w"], exit: 0, stdout: "0x000d\n" },
    { kind: "command", name: "8-bit read", args: ["read", DEV, "0:0xffc.b"], exit: 0, stdout: "0xb1\n" },
    {
      kind: "command",
      name: "data register ticks",
      args: ["run", DEV, "-e", "read 0:0x0; sleep 1100ms; read 0:0x0"],
      exit: 0,
      check: (r) => {
        const v = [...r.stdout.matchAll(/= (0x[0-9a-f]+)/g)].map((m) => Number(m[1]));
        const d = (v[1] ?? 0) - (v[0] ?? 0);
        return v.length === 2 && d >= 1 && d <= 2 ? undefined : `data register went ${v.join(" -> ")}`;
      },
    },
    {
      kind: "command",
      name: "loopback on a level interrupt",
      args: ["irq", DEV, "0", "--trigger", "--timeout", "5s", "--json"],
      exit: 0,
      check: (r) => {
        const l = jsonLines(r);
        return l[0]?.type === "armed" && l[1]?.type === "irq" && l[1]?.count === 1 && l[2]?.reason === "count" ? undefined : r.stdout;
      },
    },
    {
      kind: "command",
      name: "alarm two seconds ahead",
      args: ["run", DEV, "-e", "read 0:0x0 as now; write 0:0x4 $now+2; write 0:0x10 1; irq arm 0; irq wait 0 5s; expect 0:0x14 1; expect 0:0x18 1; write 0:0x1c 1; irq unmask 0; write 0:0x10 0"],
      exit: 0,
      stdout: /irq 0: count 1\n/,
    },
    { kind: "background", name: "hold the group", args: ["irq", DEV, "0", "--timeout", "30s"], ready: /armed/ },
    { kind: "command", name: "second opener is busy", args: ["read", DEV, "0:0xff0"], exit: 5, stderr: "held by process" },
    {
      kind: "command",
      name: "doctor names the holder",
      args: ["doctor", DEV, "--json"],
      exit: 0,
      check: doctorHas({ driver: { status: "ok", message: "vfio-amba" }, holder: { status: "warn", message: "is open in process" } }),
    },
    { kind: "stop", name: "Ctrl-C the holder", signal: "SIGINT", exit: 130 },
    { kind: "command", name: "group free again", args: ["read", DEV, "0:0xff0"], exit: 0, stdout: "0x0000000d\n" },
    {
      kind: "command",
      name: "doctor after bind: noiommu group, node usable, nobody holds it",
      args: ["doctor", DEV, "--json"],
      exit: 0,
      check: doctorHas({ "iommu-group": { status: "warn", message: "noiommu" }, holder: { status: "ok" } }),
    },
    { kind: "command", name: "reset is unsupported", args: ["reset", DEV], exit: 6, stderr: "no reset function" },
    { kind: "command", name: "unbind", args: ["unbind", DEV, "--json"], exit: 0, check: jsonHas({ unbound_from: "vfio-amba", driver: "rtc-pl031" }) },
  ],
};
