// virqfd on the PL031's level alarm interrupt (vfio-amba, noiommu), as Linux 6.12 does it: eventfds installed with
// SET_IRQS DATA_EVENTFD|ACTION_UNMASK / ACTION_MASK unmask or mask the line each time they are signalled. The alarm
// fires and is automasked; signalling the unmask eventfd lets it through again (at once while its cause is still
// asserted, the next alarm once RTCICR cleared it); a mask eventfd holds the line (the alarm falls due unseen, and
// arrives on the unmask). Then the kernel's answers to wrong uses: EBUSY for a second eventfd, EINVAL on an edge line.
import type { Scenario, StepResult } from "./scenario.ts";

const RTC = "9010000.pl031";
const VIRTIO = "a000000.virtio_mmio";

/** Every `irq 0: count N` line says 1 (one alarm per wakeup, nothing coalesced) and there are `n` of them. */
function counts(n: number): (r: StepResult) => string | undefined {
  return (r) => {
    const got = [...r.stdout.matchAll(/^irq 0: count (\d+)$/gm)].map((m) => Number(m[1]));
    return got.length === n && got.every((c) => c === 1) ? undefined : `interrupt counts ${JSON.stringify(got)}, want ${n} of 1`;
  };
}

/** The alarm one second ahead, with its interrupt enabled in the device (RTCMR = RTCDR + 1, RTCIMSC = 1). */
const ALARM = "read 0:0x0 as now; write 0:0x4 $now+1; write 0:0x10 1";
/** Clear the alarm's cause (RTCICR) and disable it in the device (RTCIMSC = 0). */
const QUIET = "write 0:0x1c 1; write 0:0x10 0";

export const pl031Virqfd: Scenario = {
  name: "pl031 virqfd (noiommu)",
  profile: "noiommu",
  steps: [
    { kind: "command", name: "bind", args: ["bind", RTC], exit: 0 },
    {
      kind: "command",
      name: "automasked alarm; the unmask eventfd re-fires it while asserted, then lets the next alarm through",
      args: [
        "run",
        RTC,
        "-e",
        [
          "irq unmask-fd 0",
          "irq arm 0",
          ALARM,
          "irq wait 0 5s", // the alarm: automasked by the kernel
          "irq expect-none 0 300ms", // still asserted (RIS 1), but masked: nothing more
          "expect 0:0x14 1",
          "irq signal-unmask 0", // unmasked with the cause still there: it fires again at once
          "irq wait 0 2s",
          "write 0:0x1c 1", // RTCICR: the cause cleared
          "irq signal-unmask 0",
          "irq expect-none 0 300ms",
          ALARM, // the next alarm gets through
          "irq wait 0 5s",
          QUIET,
          "irq signal-unmask 0",
        ].join("; "),
      ],
      exit: 0,
      check: counts(3),
    },
    {
      kind: "command",
      name: "the mask eventfd holds the line: the alarm falls due unseen and arrives on the unmask",
      args: [
        "run",
        RTC,
        "-e",
        [
          "irq mask-fd 0",
          "irq unmask-fd 0",
          "irq arm 0",
          "irq signal-mask 0",
          ALARM,
          "irq expect-none 0 2500ms", // the alarm falls due within a second
          "expect 0:0x14 1", // the device raised it (RTCRIS)
          "irq signal-unmask 0",
          "irq wait 0 2s",
          QUIET,
          "irq signal-unmask 0",
          "irq mask-fd 0 off",
          "irq unmask-fd 0 off",
        ].join("; "),
      ],
      exit: 0,
      check: counts(1),
    },
    {
      kind: "command",
      name: "eventfds need no trigger; removing one that is not installed is fine",
      args: ["run", RTC, "-e", "irq unmask-fd 0 off; irq mask-fd 0; irq unmask-fd 0; irq signal-mask 0; irq signal-unmask 0; irq mask-fd 0 off; irq mask-fd 0 off"],
      exit: 0,
    },
    { kind: "command", name: "EBUSY: a second unmask eventfd", args: ["run", RTC, "-e", "irq unmask-fd 0; irq unmask-fd 0"], exit: 5, stderr: "VFIO_DEVICE_SET_IRQS: Device or resource busy (EBUSY)" },
    { kind: "command", name: "EBUSY: a second mask eventfd", args: ["run", RTC, "-e", "irq mask-fd 0; irq unmask-fd 0; irq mask-fd 0"], exit: 5, stderr: "(EBUSY)" },
    { kind: "command", name: "a new process installs both again (the last close removed them)", args: ["run", RTC, "-e", "irq mask-fd 0; irq unmask-fd 0"], exit: 0 },
    { kind: "command", name: "unbind pl031", args: ["unbind", RTC], exit: 0 },
    { kind: "command", name: "bind virtio-mmio (edge interrupt)", args: ["bind", VIRTIO], exit: 0 },
    { kind: "command", name: "EINVAL: unmask eventfd on an edge interrupt", args: ["run", VIRTIO, "-e", "irq unmask-fd 0"], exit: 1, stderr: "VFIO_DEVICE_SET_IRQS: Invalid argument (EINVAL)" },
    { kind: "command", name: "EINVAL: mask eventfd on an edge interrupt, armed", args: ["run", VIRTIO, "-e", "irq arm 0; irq mask-fd 0"], exit: 1, stderr: "(EINVAL)" },
    { kind: "command", name: "EINVAL: even removing one (fd -1) on an edge interrupt", args: ["run", VIRTIO, "-e", "irq unmask-fd 0 off"], exit: 1, stderr: "(EINVAL)" },
    { kind: "command", name: "unbind virtio-mmio", args: ["unbind", VIRTIO], exit: 0 },
  ],
};
