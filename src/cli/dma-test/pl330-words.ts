// The CLI's words for the PL330 driver's refusals: the driver (src/drivers/pl330) says what it found as facts
// (`Pl330Error.refusal`); this file turns each into the error class that decides the exit code, a message naming
// the option the user gave, and advice. The one place a PL330 refusal meets command-line words.
import { Pl330Error } from "../../drivers/pl330/errors.ts";
import { UnsupportedError } from "../../vfio/errors.ts";
import { UsageError } from "../usage-error.ts";

/** A PL330 that will not do what it must (a channel that will not stop): a failed run, exit 1, with advice. */
class Pl330FailedError extends Error {
  override readonly name = "Pl330FailedError";
  constructor(
    message: string,
    readonly hint: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `e` in CLI words when it is a Pl330Error (dma-test's option names: `--channel`), else `e` itself.
 * not-pl330, out-of-reach -> UnsupportedError; no-such-channel, no-such-event, channel-busy, bad-range, program-too-big ->
 * UsageError; channel-stuck -> Pl330FailedError; not-ready (a bug of the caller) stays as it is.
 */
export function pl330InWords(e: unknown): unknown {
  if (!(e instanceof Pl330Error)) return e;
  const r = e.refusal;
  switch (r.reason) {
    case "not-pl330":
      return new UnsupportedError(e.message, "a PL330 reads periphid 0x00?41330 and component ID 0xb105f00d");
    case "no-such-channel":
      return new UsageError(`${e.device} has ${r.channels} channels; --channel ${r.channel} does not exist`, `use --channel 0..${r.channels - 1}`);
    case "no-such-event":
      return new UsageError(e.message, `use an event 0..${r.events - 1}`);
    case "channel-busy":
      return new UsageError(e.message, "wait for it, or kill it first");
    case "bad-range":
      return new UsageError(r.detail, "the PL330 is a 32-bit bus master: keep buffers below 4 GiB");
    case "out-of-reach":
      return new UnsupportedError(
        e.message,
        r.physical
          ? "the board's memory above 4 GiB is out of the PL330's reach: use smaller buffers (dma-test --size, pl330 exec --buffer sizes) or less memory"
          : "use smaller buffers (dma-test --size, pl330 exec --buffer sizes)",
      );
    case "program-too-big":
      return new UsageError(e.message);
    case "channel-stuck":
      return new Pl330FailedError(e.message, "reset the device (vfio-plat reset) or the board", { cause: e });
    case "not-ready":
      return e;
  }
}
