// A device's registers by name: what a register map says about each register (where it is, how wide, who may read or
// write it, what it resets to, its bit fields and what their values mean). Built-in maps (src/registers/builtin),
// user map files and board files all produce this one shape; names are resolved and values decoded against it.
// Widths are bits, as everywhere in the library (Region's Width).

/**
 * Who may access a register or field, as the TRMs write it.
 *  - RO / WO / RW: read-only, write-only, read-write;
 *  - W1C: write 1 to clear (reads show the state; writing 0 changes nothing);
 *  - RC: read-to-clear, or any read with a side effect (a FIFO pop): never read unless the user asked for it by name.
 */
export type RegisterAccess = "RO" | "WO" | "RW" | "W1C" | "RC";

/** One bit field of a register. */
export interface FieldSpec {
  /** As the TRM or spec spells it ("CHANNEL_STATUS", "RTC_START"). */
  readonly name: string;
  /** Least significant bit. */
  readonly lsb: number;
  /** Width in bits (≥ 1). */
  readonly width: number;
  /** Access of the field when it differs from its register's. */
  readonly access?: RegisterAccess;
  readonly description?: string;
  /** Meaning of particular values (key: the value in decimal, "0", "1", ...), e.g. CSR0.CHANNEL_STATUS "0": "Stopped". */
  readonly values?: Readonly<Record<string, string>>;
}

/** One register. Repeated registers (a PL330's CSR0..CSR7) are listed one by one, each with its own name. */
export interface RegisterSpec {
  readonly name: string;
  /** VFIO region index the register lives in (0 for a platform device's first MMIO window). */
  readonly region: number;
  /** Byte offset in the region. */
  readonly offset: number;
  /** Access width in bits. */
  readonly width: 8 | 16 | 32 | 64;
  readonly access: RegisterAccess;
  /** Value after reset, when the TRM defines one. */
  readonly reset?: bigint;
  /** Bits of `reset` the TRM defines (the rest are implementation- or configuration-defined); all bits when absent. */
  readonly resetMask?: bigint;
  readonly description?: string;
  /**
   * What a write does besides storing its value, when it does something (PL031 RTCLR: "loads the counter"; a
   * virtio-mmio Status: "0 resets the device"): a bulk write (a fill, a file loaded into a range) leaves it alone.
   * WO, W1C and RC registers are left alone by their access already.
   */
  readonly writeEffect?: string;
  readonly fields?: readonly FieldSpec[];
}

/** A device's register map. */
export interface RegisterMap {
  /** Short name ("pl330", "pl031", or the user map's own). */
  readonly name: string;
  readonly description?: string;
  /** Device-tree compatibles this map applies to (built-in maps attach by these). */
  readonly compatible?: readonly string[];
  readonly registers: readonly RegisterSpec[];
  /**
   * Registers another layout of the same device has and this map does not, by name, with this map's registers that
   * do that job (a virtio-mmio Version 2 map: "QueuePFN" -> QueueDescLow, ...): an unknown name suggests these first.
   */
  readonly counterparts?: Readonly<Record<string, readonly string[]>>;
}
