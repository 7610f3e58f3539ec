// Grapheme clusters (what a reader sees as one character) in code-point offsets.
// Pure: no DOM access, so any page script can import it.

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Every cluster boundary of `text` as a code-point offset, from 0 to its length, ascending. */
export function clusterBoundaries(text) {
  const boundaries = [0];
  let offset = 0;
  for (const { segment } of segmenter.segment(text)) {
    offset += [...segment].length;
    boundaries.push(offset);
  }
  return boundaries;
}

/**
 * The boundary nearest `offset` on one side: the last one at or before it, or with
 * `forward` the first one at or after it. A selection widened this way never splits
 * an emoji with its modifier, a flag, or a letter from its accent.
 */
export function snapOffset(boundaries, offset, forward) {
  let low = 0;
  let high = boundaries.length - 1;
  if (offset <= boundaries[low]) return boundaries[low];
  if (offset >= boundaries[high]) return boundaries[high];
  // Invariant: boundaries[low] < offset < boundaries[high].
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (boundaries[middle] === offset) return offset;
    if (boundaries[middle] < offset) low = middle;
    else high = middle;
  }
  return forward ? boundaries[high] : boundaries[low];
}
