// Device-tree strings (node names, property names, compatible lists) as JavaScript text. They are ASCII in practice,
// and a board build decodes thousands of short ones: a plain loop costs far less than a TextDecoder call each.

const DECODER = new TextDecoder();

/** The bytes as text (UTF-8 when any byte is not ASCII). */
export function dtText(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return DECODER.decode(bytes);
    s += String.fromCharCode(b);
  }
  return s;
}
