// /dev/kmsg opened on the simulated board, as a reader that follows the log (what `dmesg -w` does): each reader keeps
// its own position, one read(2) hands out one record ("prio,seq,usec,flags;message\n" and its dictionary lines), a
// reader the log overtook gets EPIPE once and then goes on from the oldest record kept, and poll() says POLLIN while
// a record is waiting. The records live in the board's state (board.json), so records another process logs appear.
import { O_NONBLOCK, POLLERR, POLLIN, SEEK_END, SEEK_SET } from "../../boundary/kernel-boundary.ts";
import type { BoardState } from "../state/board-state.ts";
import type { StateStore } from "../state/state-store.ts";
import { fail } from "./errno.ts";
import type { FdTable } from "./fd-table.ts";

/** An open /dev/kmsg: the sequence number of the next record this reader gets. */
export interface KmsgFile {
  kind: "kmsg";
  seq: number;
  /** Opened O_NONBLOCK: a read with nothing new is EAGAIN instead of a wait. */
  nonblock: boolean;
}

/** How often a blocking read or a poll() looks at the board's log again for records another process appended. */
export const KMSG_RECHECK_MS = 100;

/** Sequence number of the oldest record the board keeps (the log is bounded: older ones are gone). */
function oldestSeq(s: BoardState): number {
  return s.kmsgSeq - s.kmsg.length;
}

/** open(2) of /dev/kmsg: a reader at the oldest record kept, as a fresh open of the real device. */
export function openKmsg(fds: FdTable, store: StateStore, flags: number): number {
  const seq = oldestSeq(store.read());
  return fds.add(() => ({ kind: "kmsg", seq, nonblock: (flags & O_NONBLOCK) !== 0 }));
}

/**
 * `op` on `fd` when it is an open /dev/kmsg, its errno thrown as `syscall`'s SyscallError; undefined for any other fd.
 */
export function onKmsg<T>(fds: FdTable, fd: number, syscall: string, op: (f: KmsgFile) => T): T | undefined {
  const f = fds.get(fd);
  if (f?.kind !== "kmsg") return undefined;
  try {
    return op(f);
  } catch (e) {
    return fds.rethrow(e, syscall, fd);
  }
}

/**
 * read(2) of one record into `buf`. @throws Errno EPIPE when records this reader had not read were dropped (the next
 * read gives the oldest kept), EAGAIN when nothing is new (O_NONBLOCK), EINVAL when `buf` cannot hold the record.
 */
export function readKmsg(store: StateStore, f: KmsgFile, buf: Uint8Array): number {
  for (;;) {
    const s = store.read();
    const oldest = oldestSeq(s);
    if (f.seq < oldest) {
      f.seq = oldest;
      fail("EPIPE");
    }
    if (f.seq < s.kmsgSeq) {
      const bytes = new TextEncoder().encode(`${s.kmsg[f.seq - oldest]}\n`);
      if (bytes.length > buf.length) fail("EINVAL");
      buf.set(bytes);
      f.seq++;
      return bytes.length;
    }
    if (f.nonblock) fail("EAGAIN");
    Bun.sleepSync(KMSG_RECHECK_MS); // a blocking read waits for the next record, as the kernel's does
  }
}

/**
 * lseek(2) of an open /dev/kmsg: only offset 0 is taken (else ESPIPE); SEEK_SET goes back to the oldest record kept,
 * SEEK_END past the newest, so the next read gets only what is logged from now on (dmesg -W). Returns 0, as the
 * kernel does. @throws Errno ESPIPE (an offset), EINVAL (another whence)
 */
export function seekKmsg(store: StateStore, f: KmsgFile, offset: number, whence: number): number {
  if (offset !== 0) fail("ESPIPE");
  const s = store.read();
  if (whence === SEEK_SET) f.seq = oldestSeq(s);
  else if (whence === SEEK_END) f.seq = s.kmsgSeq;
  else fail("EINVAL");
  return 0;
}

/** poll(2) revents of an open /dev/kmsg: POLLIN while a record waits, POLLERR too when the reader was overtaken. */
export function kmsgRevents(store: StateStore, f: KmsgFile): number {
  const s = store.read();
  if (f.seq < oldestSeq(s)) return POLLIN | POLLERR;
  return f.seq < s.kmsgSeq ? POLLIN : 0;
}
