// Bad-input rows: the mask/unmask eventfd verbs of run scripts (irq unmask-fd, mask-fd, signal-*, expect-none). See
// ../bad-input-cases.ts for the fields and the shared board. What only the kernel can judge (a second eventfd, an
// edge interrupt) reaches it and exits with its errno, as on a real kernel (test/scenarios/pl031-virqfd.scenario.ts).
import type { BadInputCase } from "../bad-input-cases.ts";
import { PL031, VIRTIO } from "./devices.ts";

export const VIRQFDS: BadInputCase[] = [
  { args: ["run", PL031, "-e", "irq signal-unmask 0"], exit: 2, says: "line 1: irq signal-unmask 0: no unmask eventfd is installed on interrupt 0 at this line (USAGE) — install one first: irq unmask-fd 0", why: "signal-unmask with no unmask eventfd installed" },
  { args: ["run", PL031, "-e", "irq mask-fd 0; irq mask-fd 0 off; irq signal-mask 0"], exit: 2, says: "line 3: irq signal-mask 0: no mask eventfd is installed", why: "signal-mask after the mask eventfd was removed" },
  { args: ["run", PL031, "-e", "irq unmask-fd 0 on"], exit: 2, says: "line 1: unexpected 'on' (USAGE) — irq unmask-fd INDEX, or irq unmask-fd INDEX off to remove it", why: "unmask-fd with a word other than off" },
  { args: ["run", PL031, "-e", "irq signal-mask 0 1"], exit: 2, says: "line 1: unexpected '1'", why: "signal-mask with a count (one signal per line)" },
  { args: ["run", PL031, "-e", "write 0:0x4 1; irq mask-fd 3"], exit: 2, says: "line 2: 9010000.pl031 has no interrupt 3 (it has 1)", why: "mask-fd on an interrupt index the device lacks" },
  { args: ["run", PL031, "-e", "irq expect-none 0 1s"], exit: 2, says: "line 1: irq expect-none 0: interrupt 0 is not armed", why: "expect-none before irq arm" },
  { args: ["run", PL031, "-e", "irq arm 0; irq trigger 0; irq expect-none 0"], exit: 8, says: "line 3: interrupt 0 arrived (count 1) within 0 ms, expected none", why: "expect-none when an interrupt is pending", partialStdout: true },
  { args: ["run", PL031, "-e", "irq unmask-fd 0; irq unmask-fd 0"], exit: 5, says: "(EBUSY) — the interrupt has a mask or unmask eventfd of this kind already: remove it first", why: "a second unmask eventfd on one interrupt (kernel: EBUSY)", partialStdout: true },
  { args: ["run", VIRTIO, "-e", "irq unmask-fd 0"], exit: 1, says: "set the unmask eventfd of interrupt 0 on a000000.virtio_mmio: VFIO_DEVICE_SET_IRQS: Invalid argument (EINVAL) — the interrupt does not offer this action", why: "unmask eventfd on an edge interrupt (kernel: EINVAL, not MASKABLE)" },
  { args: ["run", VIRTIO, "-e", "irq mask-fd 0 off"], exit: 1, says: "remove the mask eventfd of interrupt 0 on a000000.virtio_mmio: VFIO_DEVICE_SET_IRQS: Invalid argument (EINVAL)", why: "removing a mask eventfd of an edge interrupt (kernel: EINVAL before it looks at the fd)" },
];
