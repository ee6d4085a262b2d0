// Resetting a simulated board: the way back from damaged state. Everything the board keeps in its state directory
// (board.json, its locks, the bind records beside it) is removed under the board lock and the board boots afresh, as
// a real machine forgets all this at reboot. Only names the board owns are removed: a state directory pointed at by
// mistake keeps every other file. A board another live process has open is not reset under it.
import { readdirSync, rmSync, statSync } from "node:fs";
import { readStateFile } from "../../host/state-file.ts";
import { join } from "node:path";
import type { BoardSpec } from "../boards/board-spec.ts";
import { BOARDS, DEFAULT_BOARD } from "../boards/index.ts";
import { inspectLock, isLockTemp, lockTempOrphaned, withLock } from "./pid-lock.ts";
import { StateDamagedError, StateLockedError } from "./state-errors.ts";
import { DISKS_SUBDIR } from "../devices/virtio/blk-disk.ts";
import { HOST_SUBDIR, MAX_STATE_BYTES, parseState, StateStore, type StateStoreOptions } from "./state-store.ts";

export interface ResetResult {
  stateDir: string;
  /** The board booted. */
  board: string;
  /** What was removed, as paths relative to the state directory. */
  removed: string[];
}

/**
 * The board board.json had: a built-in board by its name (today's definition of it), else its whole spec when the
 * file still reads as a board state (a board from a board file or a device tree boots again as it was).
 */
function previousBoard(file: string, dir: string): BoardSpec | undefined {
  try {
    const r = readStateFile(file, MAX_STATE_BYTES);
    if (r.kind !== "text") return undefined;
    const name = (JSON.parse(r.text) as { board?: { name?: unknown } }).board?.name;
    if (typeof name === "string" && Object.hasOwn(BOARDS, name)) return BOARDS[name];
    return parseState(r.text, file, dir).board;
  } catch {
    return undefined;
  }
}

/**
 * Boot the board in `stateDir` afresh: `board` when given, else the board its board.json had (a built-in board by
 * name, else its spec while the file still reads as a board state), else the default board. Removes board.json
 * (whatever its state), board.json temp files, every file under locks/, the bind records under host/ and the
 * board's own disks under disks/.
 * @throws StateDamagedError ("not-a-directory") when `stateDir` is a file; StateLockedError naming the pid when a live
 *   process holds one of the board's group or device locks (it has the board open).
 */
export function resetBoard(stateDir: string, board?: BoardSpec, listeners: StateStoreOptions = {}): ResetResult {
  const st = statSync(stateDir, { throwIfNoEntry: false });
  if (st !== undefined && !st.isDirectory()) {
    throw new StateDamagedError(stateDir, "not-a-directory", "is a file, not a directory", stateDir);
  }
  const file = join(stateDir, "board.json");
  const locksDir = join(stateDir, "locks");
  const spec = board ?? previousBoard(file, stateDir) ?? BOARDS[DEFAULT_BOARD]!;
  const removed: string[] = [];
  const remove = (rel: string) => {
    rmSync(join(stateDir, rel), { recursive: true, force: true });
    removed.push(rel);
  };
  const names = (dir: string) => (statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(dir) : []);
  if (names(stateDir).length > 0) {
    withLock(
      join(stateDir, "board.lock"),
      () => {
        const locks = names(locksDir);
        for (const n of locks) {
          const s = n.endsWith(".lock") ? inspectLock(join(locksDir, n)) : undefined;
          if (s?.state === "live" && s.holder.pid !== process.pid) throw new StateLockedError(join(locksDir, n), s.holder.pid);
        }
        if (statSync(locksDir, { throwIfNoEntry: false })?.isDirectory() === false) remove("locks");
        else for (const n of locks) remove(join("locks", n));
        for (const n of names(stateDir)) {
          const leftover = isLockTemp(n) && lockTempOrphaned(stateDir, n); // of a taker killed mid-way
          if (n === "board.json" || /^board\.json\.\d+\.tmp$/.test(n) || leftover) remove(n);
        }
        if (statSync(join(stateDir, HOST_SUBDIR), { throwIfNoEntry: false }) !== undefined) remove(HOST_SUBDIR);
        // The board's own disks (virtio-blk without an image): a fresh board gets blank ones at first use.
        if (statSync(join(stateDir, DISKS_SUBDIR), { throwIfNoEntry: false }) !== undefined) remove(DISKS_SUBDIR);
      },
      undefined,
      {
        ...(listeners.onStaleLock ? { onStale: listeners.onStaleLock } : {}),
        ...(listeners.onLockWait ? { onWait: listeners.onLockWait } : {}),
      },
    );
  }
  new StateStore(stateDir, listeners).ensure(spec);
  return { stateDir, board: spec.name, removed };
}
