// The PL330 driver's refusals as facts: a machine-readable reason with the numbers behind it (the channel asked and
// the channels present, the ID registers read), never advice. Whoever calls the driver (the CLI's dma-test) decides
// the words, the hint and the exit code.

/** The devicetree compatible string of a PL330 (Linux's binding): a device listing others is something else. */
export const PL330_COMPATIBLE = "arm,pl330";

/**
 * Why the driver refused a request or gave up, as facts a caller can act on; `reason` is the discriminator. The
 * driver words none of them as advice: the CLI (or any caller) decides what to tell its user.
 */
export type Pl330Refusal =
  /** The ID registers are not a PL330's (probe's `isPl330` is false). */
  | { reason: "not-pl330"; periphid: number; cid: number }
  /** A channel number the DMAC does not have: `channels` are present, numbered 0..channels-1. */
  | { reason: "no-such-channel"; channel: number; channels: number }
  /** An event number the DMAC does not have: `events` are present. */
  | { reason: "no-such-event"; event: number; events: number }
  /** memcpyStart on a channel that is not Stopped (`state` is its CSR state name). */
  | { reason: "channel-busy"; channel: number; state: string }
  /** A channel stays `state` after DMAKILL: the DMAC needs a reset. */
  | { reason: "channel-stuck"; channel: number; state: string }
  /** The memcpy program cannot be built for these addresses (`detail` says why, e.g. beyond 32 bits). */
  | { reason: "bad-range"; detail: string }
  /**
   * A buffer the channel would use ends beyond 4 GiB (PL330_REACH): `what` names it ("source"), [address, end) is
   * the run that does not fit, `physical` says the addresses are physical (noiommu) rather than IOVAs.
   */
  | { reason: "out-of-reach"; what: string; address: bigint; end: bigint; physical: boolean }
  /** The program buffer is smaller than the program. */
  | { reason: "program-too-big"; needs: number; has: number }
  /** Called before init(), or memcpyWait without memcpyStart. */
  | { reason: "not-ready"; step: "init" | "memcpyStart" };

/** A refusal or failure of the PL330 driver, with its facts in `refusal` and the device's name in `device`. */
export class Pl330Error extends Error {
  override readonly name = "Pl330Error";
  constructor(
    readonly refusal: Pl330Refusal,
    readonly device: string,
    message: string,
  ) {
    super(message);
  }
}
