/** Check output is bounded so that a chatty target cannot bloat replicated records. */

/** MAX_OUTPUT_BYTES is the largest check output, in UTF-8 bytes, kept in a health record. */
export const MAX_OUTPUT_BYTES = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * truncateOutput cuts text to at most maxBytes UTF-8 bytes without splitting a
 * character, so the stored output is always valid text.
 */
export function truncateOutput(text: string, maxBytes = MAX_OUTPUT_BYTES): string {
  // A UTF-16 code unit encodes to at most 3 bytes, so short strings need no encoding.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  let cut = maxBytes;
  // Back off over continuation bytes (10xxxxxx) to the start of the cut character.
  while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  return decoder.decode(bytes.subarray(0, cut));
}
