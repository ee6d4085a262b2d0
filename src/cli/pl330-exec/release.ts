// `pl330 exec`'s buffers and their release: freed only once the channel that ran the program is known to be Stopped.
// A channel DMAKILL did not bring to Stopped keeps its buffers mapped (pinned on noiommu) and the run fails, unless on
// noiommu the device can be reset. A state that cannot be read is dma-test's case, handled by the same code
// (stopBeforeFree: reset the device or warn DMA_IN_FLIGHT, then free).
import { STATE_STOPPED, type ChannelStatus } from "../../drivers/pl330/faults.ts";
import type { DmaBuffer } from "../../vfio/dma-buffer.ts";
import { stopBeforeFree } from "../dma-test/stop-before-free.ts";
import type { QuiesceBeforeFree } from "../script/quiesce-before-free.ts";

export class ExecBuffers {
  readonly #held: DmaBuffer[] = [];
  /** The state the channel stays in when it could not be stopped: the buffers are kept for good. */
  #stuck: ChannelStatus | undefined;

  constructor(
    private readonly noiommu: boolean,
    /** The channel's state now (CSR read). */
    private readonly status: () => ChannelStatus,
    private readonly quiesce: QuiesceBeforeFree,
    /** Told once when the buffers are kept (the CLI's DMA_KEPT notice). */
    private readonly kept: (state: ChannelStatus) => void,
  ) {}

  /** Hold a buffer for release (register it as soon as it is allocated, so a refusal half-way frees it too). */
  readonly keep = (buf: DmaBuffer): void => {
    this.#held.push(buf);
  };

  /**
   * Make sure the channel no longer runs: read its state; when it is not Stopped, reset the device on noiommu (when it
   * has a reset function) and read again. Returns the state it stays in when it still runs (its buffers will be
   * kept), undefined when they may be freed (a state that cannot be read is left to release's stopBeforeFree).
   */
  confirmStopped(): ChannelStatus | undefined {
    if (this.#stuck) return this.#stuck;
    const read = (): ChannelStatus | undefined => {
      try {
        return this.status();
      } catch {
        return undefined;
      }
    };
    let st = read();
    if (!st || st.state.code === STATE_STOPPED) return undefined;
    if (this.noiommu && this.quiesce.reset() === undefined) {
      st = read();
      if (!st || st.state.code === STATE_STOPPED) return undefined;
    }
    this.#stuck = st;
    return st;
  }

  /** The cleanup: free every buffer unless the channel may still run (then keep them all and say so, once). */
  release(): void {
    if (this.#held.length === 0) return;
    const stuck = this.confirmStopped();
    if (stuck) {
      this.#held.length = 0;
      this.kept(stuck);
      return;
    }
    stopBeforeFree(this.noiommu, this.status, this.quiesce)();
    while (this.#held.length) this.#held.pop()!.release();
  }
}
