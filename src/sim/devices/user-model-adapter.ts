// A user's device model (user-model.ts) seen as the simulator's internal DeviceModel. It builds the model's small
// context (options, lines, clock, DMA through the board's DmaPort), checks what the model returns, and keeps the board
// safe from it: any throw becomes a UserModelError naming the module, device and operation, the device is dead from
// then on in this process (accesses fail again), and its state on the board stays the last good save.
import type { DeviceSpec } from "../boards/board-spec.ts";
import type { AccessWidth, BusAccess, DeviceContext, DeviceModel, DmaPort } from "./device-model.ts";
import type { UserDeviceModel, UserDmaAttributes, UserDmaRead, UserDmaWrite, UserModelContext, UserModelOperation } from "./user-model.ts";
import { thrownMessage, UserModelError, type UserModelAccess } from "./user-model-errors.ts";
import { loadUserModel } from "./user-model-loader.ts";

/** How a user model's state sits in board.json (models[name]): tagged, so any JSON value the model saves fits. */
interface SavedUserState {
  userModel: 1;
  state: unknown;
}

const REQUIRED = ["read", "write", "save", "restore"] as const;

/** How often one advance() calls the model's advance while its next event is still due. */
export const MAX_ADVANCES = 64;

export class UserModelAdapter implements DeviceModel {
  readonly #module: string;
  readonly #device: string;
  readonly #model: UserDeviceModel;
  readonly #levels: boolean[];
  readonly #clock: DeviceContext["clock"];
  #dirty = true;
  /** The last state that reached (or came from) the board: what save() gives once the model has failed. */
  #lastGood: SavedUserState | undefined;
  #failed: UserModelError | undefined;
  /** A failure found where nothing could throw (nextEventAtMs) that the next advance() reports. */
  #unreported = false;

  /** @throws UserModelError ("load" or "construct") */
  constructor(spec: DeviceSpec, ctx: DeviceContext) {
    const options = { ...(spec.modelOptions ?? {}) };
    this.#module = String(options["module"]);
    this.#device = spec.name;
    delete options["module"];
    const factory = loadUserModel(spec.modelOptions?.["module"], spec.name);
    this.#levels = spec.irqs.map(() => false);
    this.#clock = ctx.clock;
    const userCtx = this.#context(spec, ctx, Object.freeze(structuredClone(options)));
    let model: unknown;
    try {
      model = factory(userCtx);
    } catch (e) {
      throw this.#fail("construct", e);
    }
    const missing = REQUIRED.filter((k) => typeof (model as Record<string, unknown> | null)?.[k] !== "function");
    if (missing.length > 0) {
      throw this.#fail("construct", undefined, `the factory returned ${model === null ? "null" : typeof model} without ${missing.join(", ")}`);
    }
    this.#model = model as UserDeviceModel;
  }

  get dirty(): boolean {
    return this.#failed === undefined && this.#dirty;
  }

  markSaved(): void {
    this.#dirty = false;
  }

  read(region: number, offset: number, width: AccessWidth): bigint {
    const access = { region, offset, width };
    this.#alive();
    let v: unknown;
    try {
      v = this.#model.read(region, offset, width);
    } catch (e) {
      throw this.#fail("read", e, undefined, access);
    }
    this.#dirty = true; // a read may have side effects (read-to-clear)
    return this.#value(v, access);
  }

  write(region: number, offset: number, width: AccessWidth, value: bigint): void {
    this.#alive();
    try {
      this.#model.write(region, offset, width, value);
    } catch (e) {
      throw this.#fail("write", e, undefined, { region, offset, width });
    }
    this.#dirty = true;
  }

  advance(): void {
    if (this.#failed) {
      if (!this.#unreported) return;
      this.#unreported = false;
      throw this.#failed;
    }
    if (typeof this.#model.advance !== "function") return;
    const now = this.#clock.nowMs();
    // Events that fall due one after another are all run; a model that keeps reporting a past time is not spun on.
    for (let i = 0; i < MAX_ADVANCES; i++) {
      const due = this.nextEventAtMs();
      if (this.#failed) {
        this.#unreported = false;
        throw this.#failed;
      }
      if (due === undefined || due > now) return;
      try {
        this.#model.advance(now);
      } catch (e) {
        throw this.#fail("advance", e);
      }
      this.#dirty = true;
    }
  }

  nextEventAtMs(): number | undefined {
    if (this.#failed || typeof this.#model.nextEventAtMs !== "function") return undefined;
    let t: unknown;
    try {
      t = this.#model.nextEventAtMs();
    } catch (e) {
      this.#fail("nextEventAtMs", e);
      this.#unreported = true;
      return undefined;
    }
    if (t === undefined || (typeof t === "number" && Number.isFinite(t))) return t;
    this.#fail("nextEventAtMs", undefined, `returned ${describe(t)}, expected a finite number of ms or undefined`);
    this.#unreported = true;
    return undefined;
  }

  irqAsserted(index: number): boolean {
    return this.#levels[index] ?? false;
  }

  reset(): void {
    if (this.#failed || typeof this.#model.reset !== "function") return;
    try {
      this.#model.reset();
    } catch (e) {
      throw this.#fail("reset", e);
    }
    this.#dirty = true;
  }

  /** The model's state, checked to be JSON; once the model has failed, the last good state (undefined: none). */
  save(): SavedUserState | undefined {
    if (this.#failed) return this.#lastGood;
    let text: string | undefined;
    try {
      text = JSON.stringify(this.#model.save());
    } catch (e) {
      throw this.#fail("save", e, e instanceof TypeError ? `its state is not plain JSON (${thrownMessage(e)})` : undefined);
    }
    if (text === undefined) throw this.#fail("save", undefined, "returned nothing JSON can hold (undefined or a function)");
    this.#lastGood = { userModel: 1, state: JSON.parse(text) };
    return this.#lastGood;
  }

  /**
   * @throws TypeError when `saved` is not what save() writes (board.json damaged), UserModelError when the model's
   * restore throws
   */
  restore(saved: unknown): void {
    const s = saved as Partial<SavedUserState> | null;
    if (typeof s !== "object" || s === null || s.userModel !== 1 || !("state" in s)) {
      throw new TypeError(`${this.#device}: saved state is not a user model's ({"userModel": 1, "state": ...})`);
    }
    this.#lastGood = { userModel: 1, state: s.state };
    try {
      this.#model.restore(structuredClone(s.state));
    } catch (e) {
      throw this.#fail("restore", e);
    }
    this.#dirty = false;
  }

  /** Refuse to touch a model that failed: its registers are whatever the throw left. */
  #alive(): void {
    if (this.#failed) throw this.#failed;
  }

  #fail(op: UserModelOperation, cause: unknown, reason?: string, access?: UserModelAccess): UserModelError {
    const err = new UserModelError(this.#module, this.#device, op, reason ?? thrownMessage(cause), access, cause === undefined ? undefined : { cause });
    this.#failed ??= err;
    return err;
  }

  #value(v: unknown, access: UserModelAccess): bigint {
    const limit = 1n << BigInt(8 * access.width);
    let b: bigint | undefined;
    if (typeof v === "bigint") b = v;
    else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
    if (b !== undefined && b >= 0n && b < limit) return b;
    throw this.#fail("read", undefined, `returned ${describe(v)}, expected an integer 0..0x${(limit - 1n).toString(16)}`, access);
  }

  #context(spec: DeviceSpec, ctx: DeviceContext, options: Readonly<Record<string, unknown>>): UserModelContext {
    const irqs = spec.irqs.map((q) => Object.freeze({ trigger: q.trigger }));
    const line = (index: number, trigger: "level" | "edge"): void => {
      const q = irqs[index];
      if (!Number.isInteger(index) || q === undefined) {
        throw new TypeError(`interrupt line ${String(index)} does not exist (the board gives ${irqs.length})`);
      }
      if (q.trigger !== trigger) throw new TypeError(`interrupt line ${index} is ${q.trigger}-triggered`);
    };
    return Object.freeze({
      device: spec.name,
      options,
      regions: Object.freeze(spec.regions.map((r) => Object.freeze({ size: r.size, ...(r.name !== undefined ? { name: r.name } : {}) }))),
      irqs: Object.freeze(irqs),
      nowMs: () => ctx.clock.nowMs(),
      setIrq: (index: number, asserted: boolean) => {
        line(index, "level");
        const level = Boolean(asserted);
        if (this.#levels[index] === level) return;
        this.#levels[index] = level;
        ctx.irq.setLevel(index, level);
      },
      pulseIrq: (index: number) => {
        line(index, "edge");
        ctx.irq.pulse(index);
      },
      dma: userDma(ctx.dma, firstStreamId(spec)),
    });
  }
}

/** The user's DMA calls over the board's DmaPort (copies, since a model may keep what it is given). */
function userDma(port: DmaPort | undefined, defaultStreamId: number): UserModelContext["dma"] {
  const access = (address: bigint, length: number, write: boolean, at: UserDmaAttributes = {}) => {
    if (typeof address !== "bigint" || address < 0n) throw new TypeError("a DMA address is a non-negative bigint");
    if (!Number.isSafeInteger(length) || length < 0) throw new TypeError("a DMA length is a non-negative integer");
    const a: BusAccess = {
      address,
      length,
      write,
      instruction: at.instruction ?? false,
      privileged: at.privileged ?? false,
      nonSecure: at.nonSecure ?? true,
      streamId: at.streamId ?? defaultStreamId,
    };
    if (!port) return { views: [] as Uint8Array[], fault: { kind: "blocked" as const, address } };
    return port.access(a);
  };
  return {
    read(address, length, attrs): UserDmaRead {
      const r = access(address, length, false, attrs);
      const data = new Uint8Array(r.views.reduce((n, v) => n + v.length, 0));
      let at = 0;
      for (const v of r.views) {
        data.set(v, at);
        at += v.length;
      }
      return r.fault ? { data, fault: { ...r.fault } } : { data };
    },
    write(address, data, attrs): UserDmaWrite {
      if (!(data instanceof Uint8Array)) throw new TypeError("DMA write data is a Uint8Array");
      const r = access(address, data.length, true, attrs);
      let written = 0;
      for (const v of r.views) {
        v.set(data.subarray(written, written + v.length));
        written += v.length;
      }
      return r.fault ? { written, fault: { ...r.fault } } : { written };
    },
  };
}

/** The device's first stream ID (DeviceSpec.iommu.streamIds[0], from the DT's `iommus`), else 0: as any non-PL330 model. */
function firstStreamId(spec: DeviceSpec): number {
  return spec.iommu?.streamIds[0] ?? 0;
}

function describe(v: unknown): string {
  if (typeof v === "bigint") return `0x${v.toString(16)}n`;
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 ? `0x${v.toString(16)}` : String(v);
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 17)}...` : v)}`;
  return v === null ? "null" : typeof v;
}
