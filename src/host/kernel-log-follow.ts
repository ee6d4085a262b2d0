// Following the kernel log as `dmesg -w` does: /dev/kmsg stays open (each open file has its own position), every
// read(2) hands out one record, poll(2) says when the next one is there. A reader the ring buffer overtook gets EPIPE
// once and then goes on from the oldest record left: the records in between are lost, and the gap in sequence
// numbers says how many. `dmesg -W` starts past the newest record with lseek(SEEK_END), which the kernel does atomically:
// nothing logged after it is missed. The same calls through the boundary follow the simulated board's log (kernel/kmsg-file.ts).
import { O_NONBLOCK, O_RDONLY, POLLIN, SEEK_END, type KernelBoundary } from "../boundary/kernel-boundary.ts";
import { SyscallError } from "../boundary/syscall-error.ts";
import { AbortedError } from "../vfio/errors.ts";
import { parseKmsgRecord, type KernelLogRecord } from "./kernel-log.ts";

const KMSG_PATH = "/dev/kmsg";

/** Largest record /dev/kmsg hands out (the kernel's CONSOLE_EXT_LOG_MAX is 8 KiB); a smaller buffer is EINVAL. */
const RECORD_BUFFER_BYTES = 16384;

/** Longest single poll(2) of a follow: bounds how long a pending Ctrl-C waits for the JS signal handler to run. */
export const FOLLOW_SLICE_MS = 100;

/** What one look at the log found: the new records, in order, and how many were lost before them. */
export interface LogBatch {
  records: KernelLogRecord[];
  /** Records overwritten before they could be read (EPIPE): a count when the sequence numbers tell it, else "some". */
  lost: number | "some" | 0;
}

/** An open /dev/kmsg, read from where the last read stopped. */
export class KernelLogFollower {
  private readonly buf = new Uint8Array(RECORD_BUFFER_BYTES);
  private readonly decoder = new TextDecoder();
  private nextSeq: number | undefined;
  private fd: number | undefined;

  /**
   * Open the log at its oldest record. @throws SyscallError from open(2): EACCES/EPERM (dmesg_restrict without
   * CAP_SYSLOG), ENOENT (no /dev/kmsg)
   */
  constructor(private readonly b: Pick<KernelBoundary, "open" | "read" | "lseek" | "poll" | "close">) {
    this.fd = b.open(KMSG_PATH, O_RDONLY | O_NONBLOCK);
  }

  /**
   * Skip every record there is now (lseek SEEK_END): the next read gives only records logged from here on.
   * @throws SyscallError from lseek(2)
   */
  skipToEnd(): void {
    this.b.lseek(this.openFd(), 0, SEEK_END);
  }

  /**
   * Every record there is now, without waiting. @throws SyscallError from read(2) other than EAGAIN and EPIPE
   */
  read(): LogBatch {
    const records: KernelLogRecord[] = [];
    let overrun = false;
    let lost: LogBatch["lost"] = 0;
    for (;;) {
      let n: number;
      try {
        n = this.b.read(this.openFd(), this.buf);
      } catch (e) {
        if (e instanceof SyscallError && e.code === "EAGAIN") break;
        if (e instanceof SyscallError && e.code === "EPIPE") {
          overrun = true; // the next read is the oldest record left: its sequence number tells how many went
          continue;
        }
        throw e;
      }
      if (n === 0) break;
      const r = parseKmsgRecord(this.decoder.decode(this.buf.subarray(0, n)).replace(/\n$/, ""));
      if (r === undefined) continue;
      if (overrun) {
        const gap = this.nextSeq === undefined ? 0 : r.seq - this.nextSeq;
        lost = gap > 0 ? (typeof lost === "number" ? lost + gap : lost) : "some";
        overrun = false;
      }
      this.nextSeq = r.seq + 1;
      records.push(r);
    }
    if (overrun) lost = "some";
    return { records, lost };
  }

  /**
   * Wait up to `timeoutMs` for a record (poll(2) POLLIN). True when one may be read. A signal makes poll(2) fail with
   * EINTR: that is "nothing yet", the caller's loop looks at its AbortSignal next.
   * @throws SyscallError from poll(2) other than EINTR
   */
  wait(timeoutMs: number): boolean {
    try {
      return this.b.poll([{ fd: this.openFd(), events: POLLIN }], timeoutMs)[0] !== 0;
    } catch (e) {
      if (e instanceof SyscallError && e.code === "EINTR") return false;
      throw e;
    }
  }

  /** Close the log. Idempotent. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.b.close(fd);
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error("the kernel log follower is closed");
    return this.fd;
  }
}

/**
 * Follow the kernel log until `signal` aborts: `onBatch` gets the records there are now (none of them when
 * `newOnly`, as `dmesg -W`: the log is opened past its newest record, so every record logged later is delivered), then every batch of new ones as it arrives, or a batch with only `lost` when records
 * were overwritten unread. Waits in poll(2) slices of FOLLOW_SLICE_MS and gives the event loop a turn between them,
 * so a signal handler runs and the follow ends within a slice. The log is closed however it ends.
 * @throws AbortedError when `signal` aborts; SyscallError from open/read/poll (EACCES, ENOENT...); whatever onBatch throws
 */
export async function followKernelLog(
  b: Pick<KernelBoundary, "open" | "read" | "lseek" | "poll" | "close">,
  opts: { newOnly: boolean; signal: AbortSignal; onBatch: (batch: LogBatch) => void },
): Promise<never> {
  const follower = new KernelLogFollower(b);
  try {
    if (opts.newOnly) follower.skipToEnd();
    for (;;) {
      if (opts.signal.aborted) throw AbortedError.fromAbort(opts.signal);
      const batch = follower.read();
      if (batch.records.length > 0 || batch.lost !== 0) opts.onBatch(batch);
      if (batch.records.length === 0) follower.wait(FOLLOW_SLICE_MS);
      await Bun.sleep(0); // one event-loop turn: a pending signal's handler runs and aborts `signal`
    }
  } finally {
    follower.close();
  }
}
