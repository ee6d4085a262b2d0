// Policy: the kernel log is followed as `dmesg -w` follows /dev/kmsg, through the boundary, on the simulated board as
// on Linux: a reader starts at the oldest record and keeps its own position, records another process appends become
// readable (poll() says so), a reader the bounded log overtook is told how many records it lost and goes on from the
// oldest one left, and an SMMU report split over several reads is decoded once, when it is whole.
import { afterEach, describe, expect, test } from "bun:test";
import { O_NONBLOCK, O_RDONLY, POLLIN, SEEK_CUR, SEEK_END, SEEK_SET } from "../../src/boundary/kernel-boundary.ts";
import { followKernelLog, KernelLogFollower, type LogBatch } from "../../src/host/kernel-log-follow.ts";
import { parseKmsgRecord, type KernelLogRecord } from "../../src/host/kernel-log.ts";
import { SmmuFaultStream } from "../../src/host/smmu-fault-stream.ts";
import { KMSG_LIMIT, printk } from "../../src/sim/state/board-state.ts";
import { StateStore } from "../../src/sim/state/state-store.ts";
import { makeSimBoard, type TestBoard } from "../helpers/sim.ts";

let board: TestBoard | undefined;
afterEach(() => {
  board?.dispose();
  board = undefined;
});

/** Append `n` records to the board's log as another process's kernel would ("PREFIX 0", "PREFIX 1", ...). */
function append(stateDir: string, n: number, prefix: string): void {
  new StateStore(stateDir).update((s) => {
    for (let i = 0; i < n; i++) printk(s, `${prefix} ${i}`);
  });
}

const text = (buf: Uint8Array, n: number) => new TextDecoder().decode(buf.subarray(0, n));
const errno = (code: string) => expect.objectContaining({ code }) as unknown as Error;

describe("/dev/kmsg on the simulated board", () => {
  test("a reader gets the records there are, then EAGAIN; poll() says POLLIN once another process logs", () => {
    board = makeSimBoard();
    const { b, stateDir } = board;
    append(stateDir, 2, "old");
    const fd = b.open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    const buf = new Uint8Array(8192);
    expect(text(buf, b.read(fd, buf))).toMatch(/^6,\d+,\d+,-;old 0\n$/);
    expect(text(buf, b.read(fd, buf))).toMatch(/;old 1\n$/);
    expect(() => b.read(fd, buf)).toThrow(errno("EAGAIN"));
    expect(b.poll([{ fd, events: POLLIN }], 0)).toEqual([0]);
    append(stateDir, 1, "new");
    expect(b.poll([{ fd, events: POLLIN }], 1000)).toEqual([POLLIN]);
    expect(text(buf, b.read(fd, buf))).toMatch(/;new 0\n$/);
    b.close(fd);
  });

  test("lseek: SEEK_END skips what is there (the next read waits for a new record), SEEK_SET goes back to the oldest", () => {
    board = makeSimBoard();
    const { b, stateDir } = board;
    append(stateDir, 2, "old");
    const fd = b.open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    const buf = new Uint8Array(8192);
    expect(b.lseek(fd, 0, SEEK_END)).toBe(0);
    expect(() => b.read(fd, buf)).toThrow(errno("EAGAIN"));
    expect(b.poll([{ fd, events: POLLIN }], 0)).toEqual([0]);
    append(stateDir, 1, "new");
    expect(text(buf, b.read(fd, buf))).toMatch(/;new 0\n$/);
    expect(b.lseek(fd, 0, SEEK_SET)).toBe(0);
    expect(text(buf, b.read(fd, buf))).toMatch(/;old 0\n$/);
    // As the kernel's devkmsg_llseek: only offset 0, only SET/DATA/END (SEEK_DATA is not simulated).
    expect(() => b.lseek(fd, 1, SEEK_END)).toThrow(errno("ESPIPE"));
    expect(() => b.lseek(fd, 0, SEEK_CUR)).toThrow(errno("EINVAL"));
    b.close(fd);
    const efd = b.eventfd(0, 0);
    expect(() => b.lseek(efd, 0, SEEK_END)).toThrow(errno("ESPIPE"));
    b.close(efd);
  });

  test("a buffer too small for the next record is EINVAL, and the record stays to be read", () => {
    board = makeSimBoard();
    append(board.stateDir, 1, "a record longer than four bytes");
    const fd = board.b.open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    expect(() => board!.b.read(fd, new Uint8Array(4))).toThrow(errno("EINVAL"));
    const buf = new Uint8Array(8192);
    expect(text(buf, board.b.read(fd, buf))).toContain("a record longer than four bytes 0");
    board.b.close(fd);
  });
});

describe("KernelLogFollower", () => {
  test("each read gives only what arrived since the last one", () => {
    board = makeSimBoard();
    append(board.stateDir, 3, "boot");
    const f = new KernelLogFollower(board.b);
    expect(f.read().records.map((r) => r.message)).toEqual(["boot 0", "boot 1", "boot 2"]);
    expect(f.read()).toEqual({ records: [], lost: 0 });
    expect(f.wait(0)).toBe(false);
    append(board.stateDir, 2, "later");
    expect(f.wait(1000)).toBe(true);
    expect(f.read().records.map((r) => r.message)).toEqual(["later 0", "later 1"]);
    f.close();
    f.close(); // idempotent
  });

  test("overtaken by the bounded log (EPIPE): the lost records are counted and reading goes on from the oldest left", () => {
    board = makeSimBoard();
    append(board.stateDir, 5, "seen");
    const f = new KernelLogFollower(board.b);
    const lastSeen = f.read().records.at(-1)!.seq;
    append(board.stateDir, KMSG_LIMIT + 10, "flood");
    const batch = f.read();
    expect(batch.lost).toBe(10);
    expect(batch.records[0]!.seq).toBe(lastSeen + 1 + 10);
    expect(batch.records[0]!.message).toBe("flood 10");
    expect(batch.records.length).toBe(KMSG_LIMIT);
    f.close();
  });

  for (const newOnly of [false, true]) {
    test(`followKernelLog${newOnly ? " (new only, dmesg -W)" : ""}: ${newOnly ? "only" : "the records there are, then"} new ones until the signal; the log is closed`, async () => {
      board = makeSimBoard();
      append(board.stateDir, 2, "before");
      const stop = new AbortController();
      const batches: LogBatch[] = [];
      const closed: number[] = [];
      const b = board.b;
      const spy = { open: b.open.bind(b), read: b.read.bind(b), lseek: b.lseek.bind(b), poll: b.poll.bind(b), close: (fd: number) => (closed.push(fd), b.close(fd)) };
      const done = followKernelLog(spy, {
        newOnly,
        signal: stop.signal,
        onBatch: (batch) => {
          batches.push(batch);
          if (batch.records.some((r) => r.message.startsWith("after"))) stop.abort("SIGINT");
        },
      });
      setTimeout(() => append(board!.stateDir, 1, "after"), 150);
      await expect(done).rejects.toThrow(/aborted/);
      const messages = batches.flatMap((x) => x.records.map((r) => r.message));
      expect(messages).toEqual(newOnly ? ["after 0"] : ["before 0", "before 1", "after 0"]);
      expect(closed.length).toBe(1);
    });
  }
});

test("followKernelLog (new only): a record logged while it starts (during its first read) is delivered, not dropped", async () => {
  board = makeSimBoard();
  append(board.stateDir, 2, "before");
  const stop = new AbortController();
  const messages: string[] = [];
  const b = board.b;
  let reads = 0;
  // Another process logs just as the follower makes its first read: the record is new, so dmesg -W prints it.
  const racing = { ...pick(b), read: (fd: number, buf: Uint8Array) => (reads++ === 0 && append(board!.stateDir, 1, "meanwhile"), b.read(fd, buf)) };
  const done = followKernelLog(racing, {
    newOnly: true,
    signal: stop.signal,
    onBatch: (batch) => {
      messages.push(...batch.records.map((r) => r.message));
      if (messages.length > 0) stop.abort("SIGINT");
    },
  });
  setTimeout(() => stop.abort("SIGINT"), 2000); // without the record the follow would otherwise never end
  await expect(done).rejects.toThrow(/aborted/);
  expect(messages).toEqual(["meanwhile 0"]);
});

/** The calls a follower makes, bound to `b`. */
function pick(b: TestBoard["b"]) {
  return { open: b.open.bind(b), read: b.read.bind(b), lseek: b.lseek.bind(b), poll: b.poll.bind(b), close: b.close.bind(b) };
}

describe("SmmuFaultStream", () => {
  const DICT = "\n SUBSYSTEM=platform\n DEVICE=+platform:9050000.smmuv3";
  const rec = (seq: number, t: string) => parseKmsgRecord(`4,${seq},${seq}000,-;arm-smmu-v3 9050000.smmuv3: ${t}${DICT}`)!;
  const report = (seq: number): KernelLogRecord[] => [
    rec(seq, "event 0x10 received:"),
    rec(seq + 1, "\\x090x0000000100000010"),
    rec(seq + 2, "\\x090x0000020e00000000"),
    rec(seq + 3, "\\x090x00000000deadb000"),
    rec(seq + 4, "\\x090x0000000000000000"),
  ];

  test("a report split over reads comes out once, when its fourth word arrives", () => {
    const s = new SmmuFaultStream();
    const r = report(10);
    expect(s.push(r.slice(0, 3))).toEqual([]);
    expect(s.push(r.slice(3)).map((f) => [f.seq, f.name, f.streamId, f.address])).toEqual([[10, "F_TRANSLATION", 1, 0xdeadb000n]]);
    expect(s.push([])).toEqual([]);
    expect(s.push(report(20)).map((f) => f.seq)).toEqual([20]);
  });

  test("a report cut short comes out when the next report of the same SMMU begins", () => {
    const s = new SmmuFaultStream();
    expect(s.push(report(10).slice(0, 2))).toEqual([]);
    expect(s.push(report(20)).map((f) => [f.seq, f.dwords!.length])).toEqual([
      [10, 1],
      [20, 4],
    ]);
  });
});
