// Reading vfio-plat's own small state files (lock files, bind journals, the simulated board's board.json) without
// trusting what is at the path: a FIFO there must not block the command for ever (open(2) of a FIFO for reading waits
// for a writer, and no signal handler runs while it does), and a huge file must not be read whole.
import { type BigIntStats, closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** What is at a state file's path. */
export type StateFileRead =
  | { kind: "text"; text: string; stat: BigIntStats }
  | { kind: "not-a-file"; stat: BigIntStats }
  | { kind: "too-big"; stat: BigIntStats };

/**
 * Open `path` for reading without blocking (O_NONBLOCK: a FIFO opens at once), and read it when it is a regular file
 * of at most `maxBytes`. @throws the open's own error (ENOENT when there is nothing, EACCES, ...)
 */
export function readStateFile(path: string, maxBytes: number): StateFileRead {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isFile()) return { kind: "not-a-file", stat };
    if (stat.size > BigInt(maxBytes)) return { kind: "too-big", stat };
    // Read to the end (a writer that does not rename may grow it meanwhile), but never more than maxBytes + 1.
    let buf = Buffer.alloc(Math.min(Number(stat.size), maxBytes) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) return { kind: "too-big", stat };
      if (n === buf.length) {
        const bigger = Buffer.alloc(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
    }
    return { kind: "text", text: buf.toString("utf8", 0, n), stat };
  } finally {
    closeSync(fd);
  }
}
