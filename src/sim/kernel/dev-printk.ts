// Kernel log records as /dev/kmsg hands them out, for the simulated kernel's printk: dev_printk's "<driver> <device>: "
// prefix, /dev/kmsg's escaping of control characters (a "\t" in a message reads back as the four characters "\x09"),
// the SUBSYSTEM=/DEVICE= dictionary lines dev_printk attaches, and printk's rate limiting (___ratelimit).

/** The device a dev_printk is about. */
export interface LogDevice {
  /** dev_driver_string(): the bound driver's name ("arm-smmu-v3", "vfio-platform", ...). */
  driver: string;
  /** dev_name(). */
  name: string;
  bus: "platform" | "amba" | "pci";
}

/** printk levels as /dev/kmsg shows them. */
export const KERN_ERR = 3;
export const KERN_WARNING = 4;
export const KERN_INFO = 6;

/** /dev/kmsg escapes every byte below 0x20 or above 0x7e, and the backslash, as \xHH (the record's newline goes). */
export function kmsgEscape(text: string): string {
  return text.replace(/\n$/, "").replace(/[\x00-\x1f\x7f-\xff\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** The message part of the /dev/kmsg record of `dev_printk(dev, fmt...)` producing `text`, dictionary included. */
export function devMessage(dev: LogDevice, text: string): string {
  return `${kmsgEscape(`${dev.driver} ${dev.name}: ${text}`)}\n SUBSYSTEM=${dev.bus}\n DEVICE=+${dev.bus}:${dev.name}`;
}

/**
 * A printk rate limit (DEFINE_RATELIMIT_STATE with the kernel's defaults: 10 messages per 5 s). As in ___ratelimit,
 * the "<func>: N callbacks suppressed" warning is printed by the first call after the interval that had misses.
 */
export class Ratelimit {
  private begin: number | undefined;
  private printed = 0;
  private missed = 0;

  constructor(
    private readonly func: string,
    private readonly intervalMs = 5000,
    private readonly burst = 10,
  ) {}

  /** Whether the caller may print now; `warn` receives the suppression notice when one is due. */
  allow(nowMs: number, warn: (message: string) => void): boolean {
    if (this.begin === undefined) this.begin = nowMs;
    if (nowMs > this.begin + this.intervalMs) {
      if (this.missed > 0) warn(`${this.func}: ${this.missed} callbacks suppressed`);
      this.missed = 0;
      this.begin = nowMs;
      this.printed = 0;
    }
    if (this.printed < this.burst) {
      this.printed++;
      return true;
    }
    this.missed++;
    return false;
  }
}
