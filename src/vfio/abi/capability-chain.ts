// Capability chains of the VFIO INFO ioctls. Each capability starts with vfio_info_cap_header {id, version, next}; the
// parent's cap_offset and every `next` are byte offsets from the start of the INFO buffer; next = 0 ends the chain.
// The kernel pads each capability to 8 bytes and, when the buffer is too small, raises argsz so the caller can retry.
import { vfio_info_cap_header } from "./structs.ts";

export interface CapabilityRef {
  id: number;
  version: number;
  /** Offset of the capability in the INFO buffer. */
  offset: number;
}

/**
 * Walk a capability chain starting at `capOffset`. Throws RangeError on a chain that leaves the buffer or loops (a
 * corrupt reply must not hang the tool).
 */
export function walkCapabilities(buf: Uint8Array, capOffset: number): CapabilityRef[] {
  const out: CapabilityRef[] = [];
  const seen = new Set<number>();
  let off = capOffset;
  while (off !== 0) {
    if (seen.has(off)) throw new RangeError(`capability chain loops at offset ${off}`);
    if (off + vfio_info_cap_header.size > buf.byteLength) throw new RangeError(`capability at ${off} outside buffer`);
    seen.add(off);
    const h = vfio_info_cap_header.decode(buf, off);
    out.push({ id: h.id, version: h.version, offset: off });
    off = h.next;
  }
  return out;
}

/** A capability to append to an INFO reply (kernel side): its encoded bytes, header included (next is filled in). */
export interface CapabilityBytes {
  bytes: Uint8Array;
}

/**
 * Lay capabilities out after a fixed header of `headerSize` bytes, as the kernel does: each padded to 8 bytes, linked
 * by `next`. Returns the full reply (header space zeroed for the caller) and the offset of the first capability.
 */
export function buildCapabilityChain(headerSize: number, caps: readonly CapabilityBytes[]): { reply: Uint8Array; capOffset: number } {
  const align8 = (n: number) => (n + 7) & ~7;
  let total = align8(headerSize);
  const offsets: number[] = [];
  for (const c of caps) {
    offsets.push(total);
    total += align8(c.bytes.length);
  }
  const reply = new Uint8Array(total);
  const dv = new DataView(reply.buffer);
  caps.forEach((c, i) => {
    const at = offsets[i]!;
    reply.set(c.bytes, at);
    dv.setUint32(at + 4, i + 1 < caps.length ? offsets[i + 1]! : 0, true);
  });
  return { reply, capOffset: caps.length > 0 ? offsets[0]! : 0 };
}
