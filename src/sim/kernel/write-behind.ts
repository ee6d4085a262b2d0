// Write-behind persistence of open devices' register state: once a change is MODEL_FLUSH_MS old (by the next call
// into the simulator past that point, or by an unref'd timer), at once at a device's last close, and at process exit
// through one exit hook shared by every boundary. Nobody can observe the registers sooner: only the holder of the
// device fd reaches them (a second opener gets EBUSY). Writing at every access cost ~450 µs per register write, and
// writing at the first change after a quiet spell put a 2-5 ms board.json write into the start of every DMA.
// While a device is still catching up (work due now, e.g. a copy between two batches), a save waits until it caught
// up, at most BUSY_FLUSH_MS after the change: a board.json write between two batches of a copy made the copy wait.
import type { DeviceRuntime } from "./device-runtime.ts";
import type { BoardState } from "../state/board-state.ts";
import { stateJson, type StateStore } from "../state/state-store.ts";

/** Register state of an open device reaches board.json at most this long after it changed. */
const MODEL_FLUSH_MS = 50;
/** ... and at most this long after it changed while some open device is still catching up with its clock. */
export const BUSY_FLUSH_MS = 1000;

export class WriteBehind {
  /** The timer that writes changed register state back; set while some is unsaved. */
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** When unsaved register state was first seen (now()); undefined while everything is saved. */
  private changedMs: number | undefined;

  constructor(
    private readonly store: StateStore,
    /** The open devices (their runtimes) of this boundary. */
    private readonly open: () => Iterable<DeviceRuntime>,
    /** Whether some open device has work due now (it is still catching up): saving then waits (BUSY_FLUSH_MS). */
    private readonly busy: () => boolean = () => false,
    /** Host time in ms (tests drive a fake one instead of sleeping). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How long the oldest unsaved change has waited (0 when none). */
  private age(): number {
    return this.changedMs === undefined ? 0 : this.now() - this.changedMs;
  }

  /** A save due now may wait: some device is still catching up and the change is less than BUSY_FLUSH_MS old. */
  private mayWait(): boolean {
    return this.age() < BUSY_FLUSH_MS && this.busy();
  }

  /**
   * Persist the registers of devices whose state changed: at once when `force` (every dirty runtime plus all of
   * `extra`, at a last close), else write-behind.
   */
  save(extra: DeviceRuntime[] = [], force = false): void {
    if (force) {
      this.write([...this.open(), ...extra], extra);
      return;
    }
    let pending = false;
    for (const rt of this.open()) if (rt.model.dirty) pending = true;
    if (!pending) return;
    // The change happened within the kernel entry this save ends (or an earlier one still unsaved).
    this.changedMs ??= this.now();
    if (this.age() >= MODEL_FLUSH_MS && !this.mayWait()) {
      this.flush();
      return;
    }
    if (this.flushTimer === undefined) this.armTimer(Math.max(1, Math.ceil(MODEL_FLUSH_MS - this.age())));
  }

  /** Unref'd: a program that exits first flushes at exit (or at its last close) instead. */
  private armTimer(delayMs: number): void {
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.mayWait()) this.armTimer(MODEL_FLUSH_MS);
      else this.flushQuietly();
    }, delayMs);
    (this.flushTimer as { unref?: () => void }).unref?.();
  }

  /** Write back the register state of every open device that changed since its last save. */
  flush(): void {
    this.write([...this.open()], []);
  }

  /**
   * flush() from a timer or the exit hook, where nobody could catch an error: a state directory removed under a board
   * that was never disposed (a test's temporary board) must not crash the process.
   */
  flushQuietly(): void {
    try {
      this.flush();
    } catch {
      // The board is gone; its register state has nowhere to go.
    }
  }

  /** One store update for the dirty runtimes of `all` plus every runtime of `forced`. */
  private write(all: DeviceRuntime[], forced: DeviceRuntime[]): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.changedMs = undefined;
    const dirty = all.filter((rt) => forced.includes(rt) || rt.model.dirty);
    if (dirty.length === 0) return;
    // Each model's state is taken before the update, one by one: a model whose save() throws (a user's model) keeps
    // its last good state on the board and does not cost the other devices theirs; its error is thrown after.
    const saved: { rt: DeviceRuntime; state: unknown }[] = [];
    let failure: { error: unknown } | undefined;
    for (const rt of dirty) {
      try {
        const state = rt.model.save();
        if (state !== undefined) saved.push({ rt, state });
      } catch (e) {
        failure ??= { error: e };
      }
    }
    // A state the board already holds is not written again (a last close of a device nobody changed, e.g. `info`):
    // only this process writes the registers of a device it has open, so the board's copy is current. Not inside a
    // batch: read() does not show what the batch queued, which may be an older state of the same device.
    const onBoard = this.store.batching ? undefined : this.store.read().models;
    const changed = onBoard ? saved.filter(({ rt, state }) => stateJson(state) !== stateJson(onBoard[rt.spec.name])) : saved;
    if (changed.length > 0) {
      this.store.change((s: BoardState) => {
        for (const { rt, state } of changed) s.models[rt.spec.name] = state;
      });
    }
    for (const { rt } of saved) rt.model.markSaved();
    if (failure) throw failure.error;
  }
}

/** Write-behinds with open devices, so their unsaved register state reaches the board when the process exits. */
const LIVE = new Set<WriteBehind>();
let exitHooked = false;

/** Flush `w` at process exit (one hook for the whole process). */
export function flushAtExit(w: WriteBehind): void {
  LIVE.add(w);
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const live of LIVE) live.flushQuietly();
  });
}

/** `w` was disposed: nothing of it is left to flush at exit. */
export function forgetAtExit(w: WriteBehind): void {
  LIVE.delete(w);
}
