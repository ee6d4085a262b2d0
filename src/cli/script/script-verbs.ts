// The `run` script verbs in words, one row each: the man page's RUN SCRIPTS section is printed from this table
// (scripts/gen-man.ts), and a test holds it to the parser (every row's form parses, every verb has a row).

/** One script verb: its form as typed (one example), the form in general, and what it does. */
export interface ScriptVerb {
  form: string;
  example: string;
  meaning: string;
}

export const SCRIPT_VERBS: readonly ScriptVerb[] = [
  { form: "read ADDRESS [COUNT] [as NAME]", example: "read 0:0x0 as now", meaning: "read a register (or COUNT of them, as a dump); as NAME keeps the value as $NAME" },
  { form: "write ADDRESS VALUE[:MASK]", example: "write 0:0x4 $now+2", meaning: "write a register; VALUE may be $NAME, $NAME+N or $NAME-N; with MASK only those bits change" },
  {
    form: "write OFFSET V1 V2 ...",
    example: "write 0:0x4 1 2 3",
    meaning: "write consecutive registers from an offset at its width, one value each (as that many write lines: offsets are raw in a script)",
  },
  { form: "expect ADDRESS VALUE[:MASK]", example: "expect 0:0x14 1", meaning: "read a register and stop the script (exit 8) unless it holds VALUE" },
  { form: "irq arm|disarm INDEX", example: "irq arm 0", meaning: "install (remove) the interrupt's trigger eventfd" },
  { form: "irq wait INDEX [TIMEOUT]", example: "irq wait 0 5s", meaning: "wait for the interrupt (default 10 s; exit 7 when none comes); a level interrupt stays masked" },
  { form: "irq expect-none INDEX [PERIOD]", example: "irq expect-none 0 1s", meaning: "stop the script (exit 8) if the interrupt arrives within PERIOD (default: one already pending)" },
  { form: "irq mask|unmask|trigger INDEX", example: "irq unmask 0", meaning: "mask or unmask a level interrupt, or run its handler as if it fired (loopback)" },
  {
    form: "irq unmask-fd|mask-fd INDEX [off]",
    example: "irq unmask-fd 0",
    meaning:
      "create an eventfd and install it as the interrupt's unmask (mask) eventfd, the kernel's virqfd: each signal unmasks (masks) the line; off removes it. Level interrupts only; a second one is EBUSY",
  },
  { form: "irq signal-unmask|signal-mask INDEX", example: "irq signal-unmask 0", meaning: "signal that eventfd (write 1 to it): the kernel unmasks (masks) the line within the write" },
  { form: "sleep PERIOD", example: "sleep 100ms", meaning: "wait" },
  { form: "reset", example: "reset", meaning: "VFIO_DEVICE_RESET (devices with a reset function)" },
  { form: "dma map NAME SIZE [read|write|rw] [at IOVA]", example: "dma map buf 4096", meaning: "a DMA buffer mapped for the device; $NAME is its IOVA" },
  { form: "dma fill|expect NAME PATTERN", example: "dma fill buf incrementing", meaning: "fill a buffer, or check it (exit 8); PATTERN is zeros, ones, incrementing, random:SEED or a byte 0xNN" },
  { form: "dma unmap NAME", example: "dma unmap buf", meaning: "unmap and free a buffer (the script's end does it too)" },
];
