// Fact-check overlays on a publisher's own page, from one tag:
//   <script src="https://<instance>/embed.js" data-organization="<slug>" async
//           crossorigin="anonymous"></script>
// (crossorigin is optional: with it, the script itself is fetched without the instance's
// cookies too; its API calls never send any.)
// Hand-written and self-contained (no build step, no import): it must run as a classic
// script on any page. It waits for the page to load, asks the instance's public API (no
// cookies) for the published claims on this page's address, finds each claim's quote in
// the page's text, marks it with the rating's colour and label, and shows the verdict in a
// popover that lives in a shadow root. Claims not found are looked for again when the
// page's text grows in the next 30 s, or when the publisher calls FactcheckEmbed.refresh().
// Any failure leaves the page as it was.
(() => {
  "use strict";

  // The one global: a second copy of the tag on the page does nothing. (An element with
  // id="FactcheckEmbed" is also window.FactcheckEmbed, and is no copy of this script.)
  if (typeof window.FactcheckEmbed?.version === "number") return;
  const script = document.currentScript;
  const embed = { version: 1, stats: null };
  let settle;
  embed.ready = new Promise((resolve) => (settle = resolve));
  window.FactcheckEmbed = embed;
  // The page may still be arriving (a tag in <head>): ask the browser, not the body.
  if (!script || !script.src || !window.fetch || !Element.prototype.attachShadow) {
    // No script element of its own: loaded as a module (type="module"), or run by a loader.
    if (!script?.src) console.warn('FactcheckEmbed: load embed.js with a plain <script src="…" async> tag (not type="module"): it reads its settings from that tag.');
    settle({ status: "unsupported" });
    return;
  }
  const origin = new URL(script.src).origin;
  const organization = script.dataset.organization || "";

  const MARK = "data-factcheck-claim";
  const claimOfMark = new WeakMap();
  const LABEL = "data-factcheck-label";
  // Pages that add their text by script after load (an app, a lazy article body): changes
  // are watched this long after the first pass, and a burst of them is let settle (at most
  // SETTLE_MAX_MS) before the page is searched again for the claims not yet found.
  const WATCH_MS = 30000;
  const SETTLE_MS = 300;
  const SETTLE_MAX_MS = 1500;
  const MAX_PAGES = 20;
  // An instance that takes the connection and never answers must not keep `ready` pending.
  const ANSWER_WITHIN_MS = 15000;
  const timeLimit = () => (AbortSignal.timeout ? AbortSignal.timeout(ANSWER_WITHIN_MS) : undefined);
  const MAX_EDIT_RATIO = 0.15; // as the server's anchoring: 15% of the quote's characters
  const CONTEXT_AGREES = 0.6;
  const CONTEXT_CONCLUSIVE = 0.9;
  // A verbatim quote this long (folded units) is taken even where neither side agrees: a
  // whole sentence is not repeated by chance, and the publisher may have edited around it.
  const SELF_EVIDENT_QUOTE = 80;
  const MAX_PIECE_HITS = 256;
  // A verdict squeezed below its passage keeps at least this much height, scrolling inside.
  const MIN_POPOVER_HEIGHT = 120;
  const MAX_WINDOWS = 32;
  const SKIP = new Set(
    "script style noscript template textarea select option input button iframe object svg canvas math head title".split(" "),
  );
  // Not prose either: struck-out text (a correction's "<del>5</del><ins>6</ins>"), as imports read it.
  const NOT_PROSE = new Set([...SKIP, "del", "s", "strike"]);
  const BLOCKS = new Set(
    "address article aside blockquote body br caption dd details dialog div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split(" "),
  );
  // Containers where a stray text node holds only layout whitespace, never prose.
  const NO_TEXT = new Set("ol ul dl table thead tbody tfoot tr colgroup select".split(" "));

  // ---- text: fold, index, search ------------------------------------------------------

  // Accents: a page written with decomposed letters ("e" + U+0301, as text from a Mac often
  // is) must match the quote, which the import composed ("é"). Both sides fold a letter to
  // its base and drop combining accents; the units of the folded text stay one per letter.
  const isAccent = (code) => (code >= 0x300 && code <= 0x36f) || (code >= 0x1dc0 && code <= 0x1dff);
  // Filled as letters are met (0: not yet): one array read per letter in the index's loop.
  const baseLetters = new Uint16Array(0x2000);
  function baseLetter(code) {
    let base = baseLetters[code];
    if (!base) {
      const parts = String.fromCharCode(code).normalize("NFD");
      base = code;
      if (parts.length > 1 && [...parts.slice(1)].every((part) => isAccent(part.charCodeAt(0)))) base = parts.charCodeAt(0);
      baseLetters[code] = base;
    }
    return base;
  }

  /** The folded form of one UTF-16 unit: -1 to drop it, 32 for any space, else a unit. */
  function foldUnit(code) {
    if (code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x1680) return 32;
    if (code < 0x2000) {
      if (code < 0xc0) return code === 0xad ? -1 : code;
      return isAccent(code) ? -1 : baseLetter(code);
    }
    if (code <= 0x200a || code === 0x2028 || code === 0x2029 || code === 0x202f) return 32;
    if (code === 0x205f || code === 0x3000) return 32;
    if ((code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff) return -1;
    if (code >= 0x2018 && code <= 0x201b) return 39; // curly single quotes -> '
    if (code >= 0x201c && code <= 0x201f) return 34; // curly double quotes -> "
    if ((code >= 0x2010 && code <= 0x2015) || code === 0x2212) return 45; // dashes -> -
    if (code === 0x2032) return 39;
    if (code === 0x2033) return 34;
    return code;
  }

  /** Lower case without changing the length (a few letters grow when lowered). */
  function lower(text) {
    const lowered = text.toLowerCase();
    return lowered.length === text.length ? lowered : text;
  }

  /** A selector's text folded like the page: quotes, dashes, spaces, and case if the page's was. */
  function fold(text, lowered) {
    let out = "";
    let space = false;
    // Imports join a table row's cells with " | "; the page's cells are blocks, which the
    // index joins with a space. Kept, the bar cost a short quote across two cells ("Buses |
    // 1,200") two of its few allowed edits, and it was not found.
    const cells = (text || "").replaceAll(" | ", " ");
    const source = lowered ? lower(cells) : cells;
    for (let i = 0; i < source.length; i++) {
      const code = foldUnit(source.charCodeAt(i));
      if (code === 32) space = true;
      else if (code === 0x2026) (out += (space ? " " : "") + "..."), (space = false);
      else if (code >= 0) (out += (space ? " " : "") + String.fromCharCode(code)), (space = false);
    }
    return space ? out + " " : out;
  }

  /**
   * The text nodes of the page's visible prose, in order, each with the block it is in.
   * A plain walk (no TreeWalker filter: a callback per node costs more than the walk).
   */
  function textNodes(root, skipHost) {
    const texts = [];
    const blocks = [];
    const raisedTexts = new Set(); // indexes of the texts set as superscript figures
    let block = 0;
    let blockCount = 0;
    const canCheck = typeof root.checkVisibility === "function";
    const visit = (element, shown) => {
      const outer = block;
      if (BLOCKS.has(element.localName)) block = ++blockCount;
      for (let node = element.firstChild; node; node = node.nextSibling) {
        if (node.nodeType === 3) {
          texts.push(node);
          blocks.push(block);
        } else if (node.nodeType === 1) {
          if (node.localName === "br") block = ++blockCount;
          // The verdict labels added by an earlier pass are not the article's words.
          else if (node !== skipHost && !NOT_PROSE.has(node.localName) && node.contentEditable !== "true" && !node.hasAttribute(LABEL)) {
            // Hidden text is indexed too (a "Read more" behind the `hidden` attribute):
            // `locate` prefers a shown copy and marks a hidden one only when none is shown.
            // But words hidden inside shown prose ("22.8 <span hidden>…</span>years")
            // are left out, as the import leaves them out of the stored text.
            if (node.localName === "sup" && isNoteReference(node)) continue;
            const nodeShown = shown && (!canCheck || node.checkVisibility({ visibilityProperty: true }));
            if (shown && !nodeShown && !BLOCKS.has(node.localName) && hiddenByItself(node)) continue;
            const first = texts.length;
            visit(node, nodeShown);
            // A superscript figure, judged on the words indexed (not those hidden or struck
            // out inside it), as the import judges the text it keeps.
            if (node.localName === "sup" && RAISABLE.test(texts.slice(first).map((text) => text.data).join(""))) {
              for (let index = first; index < texts.length; index++) raisedTexts.add(index);
            }
          }
        }
      }
      // Text after a block, in its parent, is a new line too.
      block = BLOCKS.has(element.localName) ? ++blockCount : outer;
    };
    visit(root, true);
    return { texts, blocks, raisedTexts };
  }

  // A superscript figure is read as the import stores it ("10<sup>6</sup>" as "10⁶", which
  // a page's plain "106" is not): in Unicode's superscript characters, when it has one for
  // each character (`ingest.text.raised`); "1<sup>st</sup>" stays as it is.
  const RAISABLE = /^\s*[0-9+\-\u2212=()ni][0-9+\-\u2212=()ni\s]*$/;
  const PLAIN = "0123456789+-\u2212=()ni";
  const RAISED = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207a\u207b\u207b\u207c\u207d\u207e\u207f\u2071";
  const raise = (data) => data.replace(/[0-9+\-\u2212=()ni]/g, (char) => RAISED[PLAIN.indexOf(char)]);

  // A footnote marker in the prose ("motion<sup><a href="#fn1">1</a></sup> earlier") is no
  // word of the sentence: the import leaves it out too (`htmlpage.NOTE_MARKER`).
  // Any script's digits, as Python's \d in the import's pattern ("١" in an Arabic article).
  const NOTE_MARKER = /^\[?(?:\p{Nd}{1,3}|[a-z]|[*\u2020\u2021\u00a7])\]?$/u;
  const NOTE_CLASS = /\b(?:reference|footnote|noteref|fn)\b/i;

  function isNoteReference(sup) {
    if (!NOTE_MARKER.test(sup.textContent.trim())) return false;
    return (
      sup.getAttribute("role") === "doc-noteref" ||
      NOTE_CLASS.test(sup.getAttribute("class") || "") ||
      [...sup.querySelectorAll("a[href]")].some((link) => link.getAttribute("href").startsWith("#"))
    );
  }

  /** Hidden by its own attribute or style, not by a closed <details> around it. */
  function hiddenByItself(element) {
    if (element.hidden) return true;
    const style = getComputedStyle(element);
    return style.display === "none" || style.visibility === "hidden";
  }

  /**
   * The page's visible prose as one folded string, with a map from each of its units back
   * to (text node, offset). Block boundaries count as a space, as paragraph breaks do in the
   * stored text; runs of spaces are one space.
   */
  function indexPage(root, skipHost) {
    const { texts, blocks, raisedTexts } = textNodes(root, skipHost);
    // Every unit gives at most one unit and every node one space; only "…" ("...") gives more.
    let capacity = 16;
    for (const node of texts) capacity += node.data.length + 1;
    const out = {
      units: new Uint16Array(capacity),
      nodeOf: new Int32Array(capacity),
      offsetOf: new Int32Array(capacity),
      length: 0,
      space: true, // no leading space
    };
    let block = -1;
    for (let index = 0; index < texts.length; index++) {
      if (blocks[index] !== block && !out.space) {
        reserve(out, 1);
        out.units[out.length] = 32;
        out.nodeOf[out.length++] = -1;
        out.space = true;
      }
      block = blocks[index];
      foldNode(out, raisedTexts.has(index) ? raise(texts[index].data) : texts[index].data, index);
    }
    let text = "";
    const decoder = new TextDecoder("utf-16le");
    for (let from = 0; from < out.length; from += 65536) {
      text += decoder.decode(out.units.subarray(from, Math.min(out.length, from + 65536)));
    }
    // Lower case in one go; if a letter would grow, the page and the quotes keep their case.
    const lowered = text.toLowerCase();
    const same = lowered.length === text.length;
    return { text: same ? lowered : text, lowered: same, texts, nodeOf: out.nodeOf, offsetOf: out.offsetOf };
  }

  function reserve(out, more) {
    if (out.length + more <= out.units.length) return;
    const grow = (old, Type) => {
      const bigger = new Type(old.length * 2 + more);
      bigger.set(old);
      return bigger;
    };
    out.units = grow(out.units, Uint16Array);
    out.nodeOf = grow(out.nodeOf, Int32Array);
    out.offsetOf = grow(out.offsetOf, Int32Array);
  }

  /** Append one text node's folded units. The hot loop of the index: locals, no closures. */
  function foldNode(out, data, index) {
    let { units, nodeOf, offsetOf, length, space } = out;
    for (let i = 0; i < data.length; i++) {
      let code = data.charCodeAt(i);
      if (code > 32 && code < 127) {
        space = false;
      } else {
        code = foldUnit(code);
        if (code < 0 || (code === 32 && space)) continue;
        space = code === 32;
        if (code === 0x2026) {
          out.length = length;
          reserve(out, 3);
          ({ units, nodeOf, offsetOf } = out);
          for (let dot = 0; dot < 2; dot++) {
            units[length] = 46;
            nodeOf[length] = index;
            offsetOf[length++] = i;
          }
          code = 46;
        }
      }
      units[length] = code;
      nodeOf[length] = index;
      offsetOf[length++] = i;
    }
    out.length = length;
    out.space = space;
  }

  /** Edit distance of two short strings, a swap of neighbouring letters counting one. */
  function distance(a, b) {
    if (!a.length || !b.length) return a.length + b.length;
    let before, row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) {
        next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        // Two neighbouring letters swapped are one slip ("motoin").
        if (before && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) next[j] = Math.min(next[j], before[j - 2] + 1);
      }
      [before, row] = [row, next];
    }
    return row[b.length];
  }

  /** How well `expected` matches `actual`, 0 to 1; null when nothing was recorded. */
  function similarity(expected, actual) {
    if (!expected.trim()) return null;
    return Math.max(0, 1 - distance(expected, actual) / expected.length);
  }

  /**
   * The best place for `pattern` within text[from, to): semi-global edit distance (the
   * pattern whole, the text in part), keeping each cell's start so the span comes out of
   * one pass. Returns {start, end, errors} or null when more than `limit` edits are needed.
   */
  function alignWithin(text, pattern, from, to, limit) {
    const m = pattern.length;
    let cost = new Int32Array(m + 1);
    let start = new Int32Array(m + 1);
    let nextCost = new Int32Array(m + 1);
    let nextStart = new Int32Array(m + 1);
    for (let i = 0; i <= m; i++) cost[i] = i;
    start.fill(from); // before the first column: the pattern's first i units deleted at `from`
    let best = null;
    for (let j = from; j < to; j++) {
      const unit = text.charCodeAt(j);
      nextCost[0] = 0;
      nextStart[0] = j + 1;
      for (let i = 1; i <= m; i++) {
        let c = cost[i - 1] + (pattern.charCodeAt(i - 1) === unit ? 0 : 1);
        let s = start[i - 1];
        if (cost[i] + 1 < c) (c = cost[i] + 1), (s = start[i]);
        if (nextCost[i - 1] + 1 < c) (c = nextCost[i - 1] + 1), (s = nextStart[i - 1]);
        nextCost[i] = c;
        nextStart[i] = s;
      }
      [cost, nextCost, start, nextStart] = [nextCost, cost, nextStart, start];
      if (cost[m] <= limit && (!best || cost[m] < best.errors)) {
        best = { start: start[m], end: j + 1, errors: cost[m] };
      }
    }
    return best;
  }

  const NUMBERS = /\p{Nd}+(?:[.,]\p{Nd}+)*/gu;
  const numbersOf = (text) => (text.match(NUMBERS) || []).join(" ");
  // Scripts written without spaces between words: there a run of letters is a clause, not
  // a word, so each character counts as a word of its own (and none is ever a slip).
  const UNSPACED = "\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Thai}\\p{sc=Lao}\\p{sc=Khmer}\\p{sc=Myanmar}";
  const WORDS = new RegExp(`[${UNSPACED}]\\p{M}*|(?:(?![${UNSPACED}])[\\p{L}\\p{M}\\p{N}])+`, "gu");
  const UNSPACED_UNIT = new RegExp(`[${UNSPACED}]`, "u");
  const WORD_UNIT = /[\p{L}\p{M}\p{N}]/u;
  const wordsOf = (text) => (text.toLowerCase().match(WORDS) || []);
  const COMBINING = /\p{M}/u;
  // Whether the characters at i - 1 and i are in one word (a mark stays with its letter).
  const joined = (text, i) =>
    WORD_UNIT.test(text[i - 1]) && WORD_UNIT.test(text[i]) &&
    (COMBINING.test(text[i]) || (!UNSPACED_UNIT.test(text[i - 1]) && !UNSPACED_UNIT.test(text[i])));

  /**
   * Whether a page word may stand for the quote's word: the same, or one typing slip (a
   * letter added, dropped, replaced, or two letters swapped) after the first three letters
   * of a word of five or more. A word that gained or lost a beginning or an ending
   * ("necessary" and "unnecessary", "large" and "larger") is another word, and so are two
   * changes ("largest" and "larger", "convicted" and "convinced"), which a reader takes
   * for the other word rather than a slip.
   */
  function sameWord(quoted, shown) {
    if (quoted === shown) return true;
    // Short words and the first letters carry the meaning ("now" and "not", "million" and
    // "billion", "increase" and "decrease", "majority" and "minority"), as do numbers.
    if (Math.min(quoted.length, shown.length) < 5 || /\p{N}/u.test(quoted + shown)) return false;
    if (quoted.slice(0, 3) !== shown.slice(0, 3)) return false;
    if (quoted.endsWith(shown) || shown.endsWith(quoted)) return false;
    if (quoted.startsWith(shown) || shown.startsWith(quoted)) return false;
    return distance(quoted, shown) === 1;
  }

  /**
   * Whether the page's words at a near match say what the quote said: as many words, each
   * the same but for a typing slip. A word replaced, added or removed ("Over" made
   * "Under", a "not" put in) means the publisher changed what was checked, and a verdict
   * on the changed words would misinform.
   */
  function wordsAgree(quote, shown) {
    const quoted = wordsOf(quote);
    const found = wordsOf(shown);
    return quoted.length === found.length && quoted.every((word, i) => sameWord(word, found[i]));
  }

  /** A near match widened to whole words: an alignment may begin or end inside one. */
  function wholeWords(text, match) {
    let { start, end } = match;
    while (start > 0 && joined(text, start)) start--;
    while (end < text.length && joined(text, end)) end++;
    return { ...match, start, end };
  }

  /** Every verbatim occurrence of the folded quote (100 at most). */
  function verbatim(text, quote) {
    const found = [];
    for (let at = text.indexOf(quote); at !== -1 && found.length < 100; at = text.indexOf(quote, at + 1)) {
      found.push({ start: at, end: at + quote.length, errors: 0 });
    }
    return found;
  }

  /**
   * Places where the folded quote is, a little edited. A pigeonhole filter (with k edits
   * allowed, one of k+1 pieces of the quote survives verbatim), then an alignment in the
   * windows around the diagonals most pieces agree on. A number must not change, nor any
   * word but for a typing slip (wordsAgree).
   */
  function approximate(text, quote) {
    const found = [];
    const limit = Math.floor(quote.length * MAX_EDIT_RATIO);
    if (limit < 1) return found;
    const pieces = limit + 1;
    const size = Math.floor(quote.length / pieces);
    const votes = new Map();
    for (let p = 0; p < pieces; p++) {
      const offset = p * size;
      const piece = quote.slice(offset, p === pieces - 1 ? quote.length : offset + size);
      let hits = 0;
      for (let at = text.indexOf(piece); at !== -1 && hits < MAX_PIECE_HITS; at = text.indexOf(piece, at + 1)) {
        hits++;
        const bucket = (at - offset) >> 5;
        const vote = votes.get(bucket) || { pieces: 0, last: -1 };
        if (vote.last !== p) (vote.pieces++, (vote.last = p));
        votes.set(bucket, vote);
      }
    }
    const ranked = [...votes].sort((a, b) => b[1].pieces - a[1].pieces).slice(0, MAX_WINDOWS);
    const numbers = numbersOf(quote);
    const seen = new Set();
    for (const [bucket] of ranked) {
      const from = Math.max(0, (bucket << 5) - limit - 32);
      const to = Math.min(text.length, (bucket << 5) + quote.length + limit + 64);
      const aligned = alignWithin(text, quote, from, to, limit);
      if (!aligned || seen.has(aligned.start)) continue;
      seen.add(aligned.start);
      const match = wholeWords(text, aligned);
      const shown = text.slice(match.start, match.end);
      if (numbersOf(shown) === numbers && wordsAgree(quote, shown)) found.push(match);
    }
    return found;
  }

  /**
   * Whether the page shows the text at `place`: not in a copy kept out of sight by
   * display:none or `hidden`, visibility, opacity 0, a clip to a pixel (text for screen
   * readers only) or a place left of or above the page.
   */
  function rendered(index, place) {
    let at = place.start;
    while (at < place.end && index.nodeOf[at] < 0) at++;
    const parent = at < place.end ? index.texts[index.nodeOf[at]].parentElement : null;
    if (!parent) return false;
    const visible = parent.checkVisibility
      ? parent.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true, opacityProperty: true })
      : parent.getClientRects().length > 0;
    if (!visible) return false;
    const box = parent.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) return false;
    return box.right + window.scrollX > 0 && box.bottom + window.scrollY > 0;
  }

  /**
   * Where a claim's TextQuoteSelector lands in the folded page text, or null. Text the page
   * shows comes first. Among several places the prefix and suffix decide; an approximate
   * place also needs one of them to agree unless it is nearly verbatim, so a removed
   * sentence does not jump to a look-alike, and so does a short verbatim one (a teaser or
   * a "Related:" line repeating a few words is not the claim). Claims come in the article's
   * order, so the next verbatim copy after the previous claim (`from`) is tried first and
   * taken when both sides of its context agree closely.
   */
  function locate(index, selector, from) {
    const text = index.text;
    const quote = fold(selector.exact, index.lowered).trim();
    if (!quote) return null;
    const prefix = fold(selector.prefix, index.lowered);
    const suffix = fold(selector.suffix, index.lowered);
    const judge = (place) => {
      const before = similarity(prefix, text.slice(Math.max(0, place.start - prefix.length), place.start));
      const after = similarity(suffix, text.slice(place.end, place.end + suffix.length));
      const score = 2 * (1 - place.errors / quote.length) + (before ?? 0.5) + (after ?? 0.5);
      return { ...place, before: before ?? 1, after: after ?? 1, score };
    };
    const next = text.indexOf(quote, from);
    if (next !== -1) {
      const place = judge({ start: next, end: next + quote.length, errors: 0 });
      if (place.before >= CONTEXT_CONCLUSIVE && place.after >= CONTEXT_CONCLUSIVE && rendered(index, place)) return place;
    }
    const needsContext = (place) => place.errors > quote.length * 0.05 || quote.length < SELF_EVIDENT_QUOTE;
    // The best place the page shows; failing that, the best hidden one (an article behind
    // a collapsed "Read more" or a closed <details> still gets its marks for when it opens).
    let best = null;
    let bestHidden = null;
    const consider = (found) => {
      for (const candidate of found) {
        const place = judge(candidate);
        const context = Math.max(place.before, place.after);
        if (needsContext(place) && context < CONTEXT_AGREES) continue;
        if (best && place.score <= best.score) continue;
        if (rendered(index, place)) best = place;
        else if (!bestHidden || place.score > bestHidden.score) bestHidden = place;
      }
    };
    const exact = verbatim(text, quote);
    consider(exact);
    // Only hidden verbatim copies: the shown text may hold it a little edited.
    if (!best) consider(exact.length ? approximate(text, quote) : []);
    if (!exact.length) consider(approximate(text, quote));
    return best ?? bestHidden;
  }

  // ---- highlights in the host page ------------------------------------------------------

  function setStyles(element, styles) {
    // Through the CSSOM, which a strict style-src does not block (a style attribute it would).
    for (const [name, value] of Object.entries(styles)) element.style.setProperty(name, value, "important");
  }

  function colourOf(rating) {
    return /^#[0-9a-f]{6}$/i.test(rating?.colour || "") ? rating.colour : "#57606a";
  }

  /** The WCAG relative luminance of the 0-255 `channels` [r, g, b]. */
  function luminance(channels) {
    const [r, g, b] = channels.map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function channelsOf(hex) {
    return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  /** Black or white, whichever reads better on `hex`. */
  function inkOn(hex) {
    return luminance(channelsOf(hex)) > 0.179 ? "#000" : "#fff";
  }

  /** The rating's colour for a passage's underline: itself when it stands out from white by
   * 3:1, else the same hue darkened until it does (a white rating left passages unmarked). */
  function lineColour(hex) {
    for (let step = 0; step <= 10; step++) {
      const shade = channelsOf(hex).map((c) => Math.round(c * (1 - step / 10)));
      if (1.05 / (luminance(shade) + 0.05) >= 3) return `#${shade.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
    }
    return "#000000";
  }

  /** Split text nodes at every span boundary, then wrap each claim's pieces in marks. */
  function highlight(index, spans, open) {
    const cuts = new Map();
    const point = (at, end) => {
      const i = end ? at - 1 : at;
      return { node: index.nodeOf[i], offset: index.offsetOf[i] + (end ? 1 : 0) };
    };
    const ranges = [];
    for (const span of spans) {
      let first = span.start;
      let last = span.end;
      while (first < last && index.nodeOf[first] < 0) first++;
      while (last > first && index.nodeOf[last - 1] < 0) last--;
      if (first === last) continue;
      const from = point(first, false);
      const to = point(last, true);
      // A surrogate pair stays whole.
      const data = index.texts[to.node].data;
      if (to.offset < data.length && (data.charCodeAt(to.offset - 1) & 0xfc00) === 0xd800) to.offset++;
      // So do a last letter and the accents written after it.
      while (to.offset < data.length && isAccent(data.charCodeAt(to.offset))) to.offset++;
      ranges.push({ claim: span.claim, from, to, length: last - first, nth: span.nth });
      for (const p of [from, to]) {
        if (!cuts.has(p.node)) cuts.set(p.node, new Set());
        cuts.get(p.node).add(p.offset);
      }
    }
    // pieces[node] = [[startOffset, textNode], ...] ascending
    const pieces = new Map();
    for (const [nodeIndex, offsets] of cuts) {
      const node = index.texts[nodeIndex];
      const parts = [];
      const sorted = [...offsets].filter((o) => o > 0 && o < node.data.length).sort((a, b) => b - a);
      for (const offset of sorted) parts.unshift([offset, node.splitText(offset)]);
      parts.unshift([0, node]);
      pieces.set(nodeIndex, parts);
    }
    // Shorter claims are wrapped first, so that where claims overlap the shortest one's
    // mark is innermost: a click on its words opens it, the longer claims' labels stay.
    const wrapped = new Map();
    const shortestFirst = [...ranges].sort((a, b) => a.length - b.length);
    for (const { claim, from, to } of shortestFirst) {
      const marks = [];
      for (let n = from.node; n <= to.node; n++) {
        const parts = pieces.get(n) || [[0, index.texts[n]]];
        for (let p = 0; p < parts.length; p++) {
          const [begin, node] = parts[p];
          const end = p + 1 < parts.length ? parts[p + 1][0] : begin + node.data.length;
          if ((n === from.node && begin < from.offset) || (n === to.node && end > to.offset)) continue;
          if (!node.data.trim() && NO_TEXT.has(node.parentNode?.localName)) continue;
          marks.push(wrap(node, claim));
        }
      }
      wrapped.set(claim, marks);
    }
    const shown = [];
    for (const { claim, nth } of ranges) {
      const marks = wrapped.get(claim);
      if (marks.length) shown.push({ claim, marks, nth });
    }
    for (const entry of shown) entry.label = addLabel(entry.claim, entry.marks, open, entry.nth);
    return shown;
  }

  /** The claims whose marks hold `mark` (itself included), innermost first. */
  function claimsAt(mark) {
    const found = [];
    for (let at = mark; at; at = at.parentElement?.closest(`[${MARK}]`)) {
      const claim = claimOfMark.get(at);
      if (claim && !found.includes(claim)) found.push(claim);
    }
    return found;
  }

  function wrap(node, claim) {
    let target = node;
    // An overlapping claim's mark around exactly this piece: nest around it.
    while (target.parentNode?.hasAttribute?.(MARK) && target.parentNode.childNodes.length === 1) {
      target = target.parentNode;
    }
    const colour = colourOf(claim.rating);
    const mark = document.createElement("mark");
    mark.setAttribute(MARK, String(claim.id));
    setStyles(mark, {
      // A page's own rule for <mark> (display:none, say) must not hide the checked words.
      display: "inline",
      visibility: "inherit",
      // In forced colours (Windows high contrast) the browser keeps the tint's faintness
      // but swaps in its own colours: black on a faint yellow over a black page. The
      // system's own pair for marked text reads in every theme.
      ...(forced()
        ? { background: "Mark", color: "MarkText" }
        : { background: `${colour}26`, color: "inherit" }),
      // Nor its type or box (mark { font-size: 30px }) change the words or their lines.
      font: "inherit",
      "line-height": "inherit",
      "letter-spacing": "inherit",
      "word-spacing": "inherit",
      "text-transform": "inherit",
      "vertical-align": "baseline",
      border: "0",
      "border-radius": "0",
      outline: "none",
      "box-shadow": "none",
      "border-bottom": `2px solid ${lineColour(colour)}`,
      cursor: "pointer",
      padding: "0",
      margin: "0",
      // A page's rule for its own spans or marks (position:absolute, float) must not lift
      // the checked words, or the label after them, out of the line.
      position: "static",
      float: "none",
    });
    target.parentNode.insertBefore(mark, target);
    mark.appendChild(target);
    claimOfMark.set(mark, claim);
    return mark;
  }

  const forced = () => matchMedia("(forced-colors: active)").matches;

  /** The verdict's label after the claim's last piece: a second signal besides colour, and
   * the keyboard's way in (a button-like span, focusable, Enter and Space open it). */
  function addLabel(claim, marks, open, nth) {
    const colour = colourOf(claim.rating);
    const label = document.createElement("span");
    label.setAttribute(LABEL, String(claim.id));
    label.setAttribute("role", "button");
    label.setAttribute("tabindex", "0");
    label.setAttribute("aria-haspopup", "dialog");
    label.setAttribute("aria-label", `Fact-check ${nth}: ${claim.rating?.label || "rated"}. Show the verdict`);
    label.textContent = claim.rating?.label || "Fact-check";
    setStyles(label, {
      display: "inline-block",
      "margin-inline-start": "0.25em",
      padding: "0 0.4em",
      "border-radius": "0.7em",
      // Forced colours keep only the system's: the label inside another claim's mark took
      // its MarkText over a forced Canvas, black on black (trial G18).
      ...(forced() ? { background: "ButtonFace", color: "ButtonText" } : { background: colour, color: inkOn(colour) }),
      // A rating coloured like the host page (white, a pale yellow) keeps its chip's shape.
      "box-shadow": "inset 0 0 0 1px rgb(127 127 127 / 0.5)",
      font: "600 0.72em/1.5 system-ui, sans-serif",
      "vertical-align": "0.15em",
      cursor: "pointer",
      // Copying the article's words leaves it out ("listenersUnverifiable. The" pasted).
      "user-select": "none",
      "-webkit-user-select": "none",
      "text-decoration": "none",
      "white-space": "nowrap",
      position: "static",
      float: "none",
      // A page's rule for its spans (more common than one for marks) must not restyle it.
      "letter-spacing": "normal",
      "word-spacing": "normal",
      "text-transform": "none",
      "text-indent": "0",
      "text-shadow": "none",
      width: "auto",
      height: "auto",
      "min-width": "0",
      "max-width": "none",
      "margin-block": "0",
      "margin-inline-end": "0",
      opacity: "1",
      visibility: "inherit",
      // Unseen, until a high-contrast mode drops the background and the shadow above and
      // draws it in the text's colour: the label keeps its shape.
      border: "1px solid transparent",
      // The page's outline rule neither: the label draws its own focus ring (below).
      outline: "none",
    });
    // A keyboard's focus is shown as the popover's links show it.
    label.addEventListener("focus", () => {
      if (label.matches(":focus-visible")) {
        setStyles(label, { outline: "2px solid #0969da", "outline-offset": "1px" });
      }
    });
    label.addEventListener("blur", () => setStyles(label, { outline: "none" }));
    marks[marks.length - 1].after(label);
    const show = (event) => {
      event.preventDefault();
      open([claim], label, marks[0]);
    };
    for (const mark of marks) {
      mark.addEventListener("click", (event) => {
        // Overlapping claims: every claim over the words clicked opens, innermost first. In a
        // link, the link wins (the label still opens the verdict). A label inside this mark
        // (a nested or crossing claim's) opens its own claim.
        const target = event.target;
        if (target.closest(`[${MARK}]`) !== mark || target.closest("a[href]")) return;
        if (target.closest("[data-factcheck-label]")) return;
        event.preventDefault();
        open(claimsAt(mark), label, marks[0]);
      });
    }
    // Not stopped: the host page's own listeners still see the click; the marks around the
    // label ignore it (above).
    label.addEventListener("click", show);
    label.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") show(event);
    });
    return label;
  }

  // ---- popover and note, in a shadow root -----------------------------------------------

  const CSS = `
:host{all:initial}
*{box-sizing:border-box}
.pop,.note{overflow-wrap:anywhere;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff;border:1px solid #d0d7de;border-radius:8px;box-shadow:0 8px 24px rgba(31,35,40,.2)}
.pop{position:absolute;width:min(380px,calc(100vw - 16px));max-height:70vh;overflow:auto;padding:12px 14px}
.pop[hidden],.note[hidden]{display:none}
.pop h2{font-size:15px;margin:6px 0 8px;font-weight:600}
.pop h3{font-size:13px;margin:10px 0 4px}
.pop .overlap{font-weight:600;margin:2px 0 0}
.pop .entry+.entry{border-top:1px solid #d0d7de;margin-top:10px;padding-top:4px}
.pop p,.pop ul{margin:6px 0}
.pop ul{padding-inline-start:18px}
.pop table{display:block;max-width:100%;overflow-x:auto;margin:6px 0;border-collapse:collapse;font-size:13px}
.pop th,.pop td{padding:3px 6px;border:1px solid #d0d7de;text-align:start;vertical-align:top}
.pop th{background:#f6f8fa;font-weight:600}
.pop a{color:#0969da}
.chip{display:inline-block;padding:1px 8px;border-radius:10px;box-shadow:inset 0 0 0 1px rgb(127 127 127 / .5);font-weight:600;font-size:13px}
.muted{color:#57606a;font-size:13px}
.close{float:inline-end;border:0;background:none;font-size:20px;line-height:1;cursor:pointer;color:#57606a;padding:2px 6px}
.close:focus-visible,a:focus-visible,summary:focus-visible{outline:2px solid #0969da;outline-offset:1px}
.correction{background:#fff8c5;padding:6px 8px;border-radius:6px}
.stance{font-size:12px;font-weight:600;border:1px solid #d0d7de;border-radius:4px;padding:0 4px}
.note{position:fixed;bottom:12px;inset-inline-end:12px;max-width:min(360px,calc(100vw - 24px));padding:8px 36px 8px 12px}
.note>.close{position:absolute;top:6px;right:6px}
.note summary{cursor:pointer;font-weight:600}
.note p{margin:6px 0 0;color:#59636e}
.note ul{margin:6px 0 0;padding-inline-start:18px;max-height:40vh;overflow:auto}
.note .close{margin-inline-start:8px}
@media (pointer:coarse){.close{min-width:44px;min-height:44px}}
@media (max-width:600px){.pop{position:fixed;left:8px!important;right:8px;top:auto!important;bottom:8px;width:auto}}
@media print{.pop,.note{display:none!important}}
`;

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value != null && value !== false) node.setAttribute(name, value);
    }
    for (const child of children) if (child != null && child !== "") node.append(child);
    return node;
  }

  function link(href, text) {
    const url = safeUrl(href);
    return url ? element("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text) : text;
  }

  function safeUrl(href) {
    try {
      const url = new URL(href, origin);
      return url.protocol === "https:" || url.protocol === "http:" || url.protocol === "mailto:" ? url.href : null;
    } catch {
      return null;
    }
  }

  // The server's list (annotations/rendering.py) and a few harmless inline tags.
  const ALLOWED = new Set("p br strong b em i a ul ol li blockquote code pre h1 h2 h3 h4 h5 h6 hr del sup sub table thead tbody tr th td".split(" "));

  /** The API's conclusion HTML (already sanitised on the server), kept to plain markup:
   * parsed apart, anything else unwrapped. Pages enforcing Trusted Types get the text. */
  function conclusion(claim) {
    const box = element("div", { class: "conclusion", dir: "auto" });
    try {
      const html = trustedHtml(claim.conclusion_html || "");
      if (html === null) throw new Error("Trusted Types allow no policy of ours");
      // A parsed document of its own: nothing in it runs, loads, or answers to the page's CSP.
      const parsed = new DOMParser().parseFromString(html, "text/html");
      for (const node of [...parsed.body.querySelectorAll("*")].reverse()) {
        if (SKIP.has(node.localName)) {
          node.remove();
          continue;
        }
        if (!ALLOWED.has(node.localName)) {
          node.replaceWith(...node.childNodes);
          continue;
        }
        for (const { name } of [...node.attributes]) if (name !== "href") node.removeAttribute(name);
        if (node.localName === "a") {
          const url = safeUrl(node.getAttribute("href") || "");
          if (url) node.setAttribute("href", url), node.setAttribute("rel", "noopener noreferrer"), node.setAttribute("target", "_blank");
          else node.removeAttribute("href");
        }
      }
      box.append(...[...parsed.body.childNodes].map((node) => document.adoptNode(node)));
    } catch {
      box.append(element("p", null, claim.conclusion || ""));
    }
    return box;
  }

  // Pages enforcing Trusted Types: the conclusion goes through a policy of ours, allowed
  // by a page that lists "factcheck-embed" in its trusted-types directive. A page allowing
  // none refuses it once (one violation report), and gets the conclusion as text after;
  // parsing a plain string there reported a violation at every verdict opened.
  let htmlPolicy;
  function trustedHtml(html) {
    if (htmlPolicy === undefined) {
      try {
        htmlPolicy = window.trustedTypes?.createPolicy ? window.trustedTypes.createPolicy("factcheck-embed", { createHTML: (value) => value }) : false;
      } catch {
        htmlPolicy = null;
      }
    }
    if (htmlPolicy === null) return null;
    return htmlPolicy ? htmlPolicy.createHTML(html) : html;
  }

  function day(value) {
    if (!value) return "";
    const date = new Date(value.length === 10 ? `${value}T12:00:00` : value);
    // As the reader page writes dates: 15 Apr 2022.
    return isNaN(date) ? value : date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
  }

  function chip(rating) {
    const colour = colourOf(rating);
    const node = element("span", { class: "chip" }, rating?.label || "Rated");
    node.style.setProperty("background", colour);
    node.style.setProperty("color", inkOn(colour));
    return node;
  }

  /** What the reader page's claim entry shows, in the same order and words. */
  function popoverContent(claim, titleId = "factcheck-title") {
    const parts = [];
    const rating = claim.rating || {};
    const verdict = element("p", null, chip(rating));
    if (rating.value) verdict.append(" ", element("bdi", { class: "muted" }, `${rating.value} of ${rating.best}`));
    if (rating.description) verdict.append(" ", element("bdi", { class: "muted" }, rating.description));
    parts.push(verdict, element("h2", { id: titleId, dir: "auto" }, claim.claim_reviewed));
    if (claim.claimant || claim.claim_date) {
      const said = element("p", { class: "muted" }, "Claimed");
      if (claim.claimant) said.append(" by ", element("bdi", null, claim.claimant));
      if (claim.claim_date) said.append(` on ${day(claim.claim_date)}`);
      parts.push(said);
    }
    parts.push(conclusion(claim));
    const sources = claim.sources || [];
    if (sources.length) {
      const list = element("ul");
      for (const source of sources) {
        const stance = source.stance ? source.stance[0].toUpperCase() + source.stance.slice(1) : "";
        const title = element("bdi", null, link(source.url, source.title || source.url));
        const item = element("li", null, stance && element("span", { class: "stance" }, stance), " ", title);
        if (source.publisher) item.append(", ", element("bdi", null, source.publisher));
        if (source.quote) item.append(" ", element("q", { dir: "auto" }, source.quote));
        if (source.snapshot_url) item.append(" ", link(source.snapshot_url, "snapshot"));
        if (source.archive_url) item.append(" ", link(source.archive_url, "archived copy"));
        list.append(item);
      }
      parts.push(element("h3", null, "Sources"), list);
    }
    // As the reader page tells them: each correction's reason, when, and what it changed
    // ("rating changed from True to Half true; conclusion revised").
    const corrections = (claim.corrections || []).filter((entry) => entry.kind === "corrected" && entry.note);
    if (corrections.length) {
      parts.push(element("h3", null, corrections.length > 1 ? "Corrections" : "Correction"));
      for (const entry of corrections) {
        const changes = (entry.changes || []).join("; ");
        parts.push(
          element("p", { class: "correction", dir: "auto" }, entry.note),
          element("p", { class: "muted" }, `Corrected ${day(entry.published_at)}${changes ? `: ${changes}` : ""}.`),
        );
      }
    }
    const org = claim.organization || {};
    const footer = [`Published ${day(claim.first_published_at || claim.published_at)}`];
    if (claim.version > 1) footer.push(`Updated ${day(claim.published_at)}`);
    parts.push(
      element("p", { class: "muted" }, `${footer.join(" · ")} · by `, org.url ? link(org.url, org.name || org.slug) : org.name || ""),
      element("p", null, link(claim.url, "Permalink to this fact-check")),
    );
    return parts;
  }

  function createShadow() {
    const host = document.createElement("div");
    host.setAttribute("data-factcheck-embed", "");
    setStyles(host, {
      position: "absolute", top: "0", left: "0", width: "0", height: "0", margin: "0", padding: "0", border: "0", "z-index": "2147483647",
      // The page's rules for its divs must not hide or clip what the host holds (a reset's
      // div:empty { display: none }, div { overflow: hidden }), nor make the host the box the
      // note's fixed position is taken from (a transform, filter or containment on divs).
      display: "block", overflow: "visible", visibility: "visible", opacity: "1", transform: "none", filter: "none",
      "backdrop-filter": "none", perspective: "none", contain: "none", "will-change": "auto", "clip-path": "none", mask: "none",
    });
    const root = host.attachShadow({ mode: "open" });
    try {
      // A constructed sheet is not an inline <style>, so a host's strict style-src allows it.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch {
      root.append(element("style", null, CSS));
    }
    document.body.append(host);
    return { host, root };
  }

  /** The verdict dialog of one run; its listeners on the page end with `signal` (the run's
   * teardown), or a single-page app would gather one set per article it showed. */
  function popover(shadow, signal) {
    const box = element("div", { class: "pop", role: "dialog", "aria-labelledby": "factcheck-title", hidden: "" });
    shadow.root.append(box);
    let opener = null;
    let shown = null;
    let shownId = null;
    const close = (restoreFocus) => {
      if (box.hidden) return;
      box.hidden = true;
      if (restoreFocus && opener) opener.focus();
      opener = null;
    };
    document.addEventListener("keydown", (event) => event.key === "Escape" && close(true), { signal });
    // Tab stays in the open verdict, as in any dialog: it covers the text, and focus moving
    // on to the page behind it (or its footer) would leave it open and unreachable.
    box.addEventListener("keydown", (event) => {
      if (event.key !== "Tab") return;
      const stops = [...box.querySelectorAll("button, a[href], summary")];
      if (!stops.length) return;
      const at = stops.indexOf(shadow.root.activeElement);
      const next = event.shiftKey ? (at <= 0 ? stops.length - 1 : at - 1) : at === stops.length - 1 ? 0 : at + 1;
      event.preventDefault();
      stops[next].focus();
    });
    document.addEventListener("click", (event) => {
      const path = event.composedPath();
      if (!path.includes(shadow.host) && !path.some((node) => node.hasAttribute?.(MARK) || node.hasAttribute?.(LABEL))) close(false);
    }, { signal });
    // Beside the claim, and again when the window changes size (a phone turned, a window
    // narrowed): it must not stay where the claim was.
    // The whole passage: every piece of the claim's marks and its label, so that the verdict
    // is placed beside all of it, not below its first line and over the rest.
    function passage() {
      const parts = [...document.querySelectorAll(`[${MARK}="${shownId}"]`), opener].filter((part) => part?.isConnected);
      const rects = parts.flatMap((part) => [...part.getClientRects()]);
      return { top: Math.min(...rects.map((r) => r.top)), bottom: Math.max(...rects.map((r) => r.bottom)) };
    }
    function position() {
      if (box.hidden || !shown?.isConnected) return;
      if (matchMedia("(max-width:600px)").matches) {
        // A bottom sheet: the passage is scrolled into the space above it, which the sheet
        // would otherwise cover (the tapped label with it).
        const sheetTop = box.getBoundingClientRect().top;
        const words = passage();
        if (words.bottom > sheetTop - 8 || words.top < 8) {
          const room = Math.max(8, (sheetTop - (words.bottom - words.top)) / 2);
          window.scrollBy({ top: words.top - room, behavior: "instant" });
        }
        return;
      }
      box.style.removeProperty("max-height");
      let words = passage();
      let height = box.offsetHeight;
      if (words.bottom + height + 6 > innerHeight && words.top - height - 6 < 0) {
        // Room on neither side (a long verdict, a short window): the passage goes to the top
        // and the verdict below it, scrolling inside itself, rather than past the window's
        // bottom where its end (the sources, the permalink) could not be reached.
        if (words.top > 8) window.scrollBy({ top: words.top - 8, behavior: "instant" });
        words = passage();
        const room = innerHeight - words.bottom - 14;
        if (room >= MIN_POPOVER_HEIGHT) {
          box.style.setProperty("max-height", `${room}px`);
          height = box.offsetHeight;
        }
      }
      const anchor = shown.getBoundingClientRect();
      const base = shadow.host.getBoundingClientRect();
      const width = box.offsetWidth;
      const rtl = getComputedStyle(shown).direction === "rtl";
      let left = rtl ? anchor.right - width : anchor.left;
      left = Math.max(8, Math.min(left, document.documentElement.clientWidth - width - 8));
      // Below the passage, or above it when only there it fits in the window.
      const above = words.bottom + height + 6 > innerHeight && words.top - height - 6 >= 0;
      box.style.setProperty("left", `${left - base.left}px`);
      box.style.setProperty("top", `${(above ? words.top - height - 6 : words.bottom + 6) - base.top}px`);
    }
    window.addEventListener("resize", position, { signal });
    // The article in a scrolling box of the page: the verdict follows its passage when the
    // box scrolls (the window's own scrolling moves both together). Not as a bottom sheet,
    // which places itself by scrolling the window.
    document.addEventListener(
      "scroll",
      (event) => event.target !== document && !matchMedia("(max-width:600px)").matches && position(),
      { capture: true, passive: true, signal },
    );
    return (claims, label, firstMark) => {
      const [claim] = claims;
      opener = label;
      const closeButton = element("button", { class: "close", type: "button", "aria-label": "Close" }, "×");
      closeButton.addEventListener("click", () => close(true));
      if (claims.length === 1) {
        box.replaceChildren(closeButton, ...popoverContent(claim));
      } else {
        // Words two claims cover: both verdicts, as the reader page shows them.
        box.replaceChildren(
          closeButton,
          element("p", { id: "factcheck-title", class: "overlap" }, `${claims.length} checked claims overlap here`),
          ...claims.map((each) => element("section", { class: "entry" }, ...popoverContent(each, `factcheck-claim-${each.id}`))),
        );
      }
      // Its words are English, so the box reads left to right; the claim's own texts find
      // their direction (dir=auto, <bdi>). Only its place follows the page's direction.
      box.setAttribute("dir", "ltr");
      box.hidden = false;
      shown = firstMark;
      shownId = String(claim.id);
      position();
      closeButton.focus({ preventScroll: true });
    };
  }

  /** The corner note, in place of `previous` (kept dismissed or open as the reader left it):
   * checked claims not found on the page, fact-checks of the page since retracted, and those
   * being checked again since the words they rated changed (their highlights are gone:
   * readers who saw one are told why). None when there is none of these. */
  function pageNote(shadow, missing, retracted, suspended, previous) {
    if (!missing.length && !retracted.length && !suspended.length) {
      previous?.remove();
      return null;
    }
    const parts = [];
    const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;
    if (missing.length) {
      const list = element("ul");
      for (const claim of missing) list.append(element("li", null, chip(claim.rating), " ", element("bdi", null, link(claim.url, claim.claim_reviewed))));
      const summary = element("summary", null, `${plural(missing.length, "checked claim", "checked claims")} not found on this page`);
      // A reader who finds "160,000" changed to "150,000" must not take the verdict for the new figure.
      const why = element("p", null, "The page no longer has these words as they were checked: it may have been edited since. Each verdict is about the words it quotes.");
      parts.push(element("details", { "data-part": "missing" }, summary, why, list));
    }
    if (retracted.length) {
      const list = element("ul");
      for (const claim of retracted) {
        const note = claim.retraction_note ? [": ", element("bdi", null, claim.retraction_note)] : [];
        list.append(element("li", null, element("bdi", null, link(claim.url, claim.claim_reviewed)), ...note));
      }
      const summary = element("summary", null, `${plural(retracted.length, "fact-check", "fact-checks")} of this page retracted`);
      parts.push(element("details", { "data-part": "retracted" }, summary, list));
    }
    if (suspended.length) {
      // Nothing of them is public while they are re-checked: the count, and why.
      const summary = element("summary", null, `${plural(suspended.length, "fact-check", "fact-checks")} of this page being checked again`);
      const why = element("p", null, "The words they rated changed after they were published; their verdicts return once re-checked.");
      parts.push(element("details", { "data-part": "suspended" }, summary, why));
    }
    const dismiss = element("button", { class: "close", type: "button", "aria-label": "Dismiss" }, "×");
    // After what it dismisses: read and tabbed to first, the note's words say what it is.
    const note = element("aside", { class: "note", role: "note" }, ...parts, dismiss);
    note.setAttribute("dir", "ltr"); // English words; the claims' own in <bdi>
    // A keyboard reader reaches the note by Tab from the page; dismissing it hands focus back
    // there, rather than to the page's body, from where the next Tab starts at the top.
    note.cameFrom = previous?.cameFrom ?? null;
    note.addEventListener("focusin", (event) => {
      if (event.relatedTarget && !note.contains(event.relatedTarget)) note.cameFrom = event.relatedTarget;
    });
    dismiss.addEventListener("click", () => {
      const hadFocus = note.contains(shadow.root.activeElement);
      note.hidden = true;
      if (hadFocus && note.cameFrom?.isConnected) note.cameFrom.focus({ preventScroll: true });
    });
    if (previous) {
      note.hidden = previous.hidden;
      for (const details of note.querySelectorAll("details")) {
        details.open = Boolean(previous.querySelector(`details[data-part="${details.dataset.part}"]`)?.open);
      }
      // Redrawn while the reader is in it (a new check of the page): the keyboard stays on
      // the same control, not thrown to the page's body.
      const stops = (box) => [...box.querySelectorAll("button, summary, a[href]")];
      const at = stops(previous).indexOf(shadow.root.activeElement);
      previous.replaceWith(note);
      if (at >= 0) (stops(note)[at] ?? stops(note)[0])?.focus({ preventScroll: true });
    } else {
      shadow.root.prepend(note); // under the popover, which may cover it on a phone
    }
    return note;
  }

  // ---- the run --------------------------------------------------------------------------

  function pageAddress() {
    const canonical = document.querySelector('link[rel~="canonical"][href]');
    const url = new URL(canonical ? canonical.href : location.href);
    url.hash = "";
    return url.href;
  }

  async function fetchClaims() {
    const query = new URLSearchParams({ article_url: pageAddress() });
    if (organization) query.set("organization", organization);
    let next = `${origin}/api/v1/claims/?${query}`;
    const claims = [];
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const response = await fetch(next, { credentials: "omit", mode: "cors", headers: { Accept: "application/json" }, signal: timeLimit() });
      // A 400 naming the organization: no newsroom here that has published goes by it.
      if (response.status === 400 && organization && (await response.json()).errors?.organization) return { unknown: true, published: [], retracted: [], suspended: [] };
      if (!response.ok) throw new Error(`API answered ${response.status}`);
      const body = await response.json();
      claims.push(...(Array.isArray(body) ? body : body.results || []));
      // Only the instance's own pages: a stray absolute link must not take the script elsewhere.
      next = body.next && new URL(body.next, origin).origin === origin ? body.next : null;
    }
    // Retracted ones are listed in the note, as the reader page lists them; suspended ones
    // (their words changed) show nothing but their count there.
    const stateOf = (claim) => (claim && (claim.state || "published")) || null;
    return {
      published: claims.filter((claim) => stateOf(claim) === "published"),
      retracted: claims.filter((claim) => stateOf(claim) === "retracted"),
      suspended: claims.filter((claim) => stateOf(claim) === "suspended"),
    };
  }

  /** Take a mark out, its words left where they were. */
  function unwrap(mark) {
    const parent = mark.parentNode;
    if (!parent) return;
    mark.replaceWith(...mark.childNodes);
    parent.normalize(); // the text pieces split for the marks join again
  }

  /**
   * Marks and labels the page copied (an article drawn again from its own HTML carries them
   * along): a copied label opens nothing and a copied mark would be marked again inside.
   * Every one that is not this run's own is taken out before the page is searched.
   */
  function removeCopies(state) {
    const ours = new Set();
    for (const entry of state?.placed.values() ?? []) {
      for (const mark of entry.marks) ours.add(mark);
      if (entry.label) ours.add(entry.label);
    }
    for (const label of document.querySelectorAll(`[${LABEL}]`)) if (!ours.has(label)) label.remove();
    for (const mark of document.querySelectorAll(`[${MARK}]`)) if (!ours.has(mark)) unwrap(mark);
  }

  /** Find and mark the claims not yet found (`state.missing`), update the stats and the note. */
  function anchorMissing(state) {
    const started = performance.now();
    removeCopies(state);
    const index = indexPage(document.body, state.shadow.host);
    const indexed = performance.now();
    const spans = [];
    const missing = [];
    const selector = (claim, type) => (claim.selectors || []).find((s) => s.type === type);
    const order = (claim) => selector(claim, "TextPositionSelector")?.start ?? Number.MAX_SAFE_INTEGER;
    // Each label says which of the article's claims it is, in reading order, as the reader
    // page numbers them: twenty labels all "Fact-check: Half true" told a list of buttons
    // nothing (trial D4).
    // Longer first where two start together, as the reader page orders them.
    const end = (claim) => selector(claim, "TextPositionSelector")?.end ?? 0;
    const all = [...state.claims].sort((a, b) => order(a) - order(b) || end(b) - end(a));
    let from = 0;
    for (const claim of [...state.missing].sort((a, b) => order(a) - order(b))) {
      const quote = selector(claim, "TextQuoteSelector");
      const place = quote && locate(index, quote, from);
      const nth = `${all.indexOf(claim) + 1} of ${all.length}`;
      if (place) spans.push({ claim, start: place.start, end: place.end, nth });
      else missing.push(claim);
      if (place) from = place.start;
    }
    const located = performance.now();
    const shown = highlight(index, spans, state.open);
    for (const entry of shown) state.placed.set(entry.claim.id, entry);
    const shownIds = new Set(shown.map((s) => s.claim.id));
    for (const span of spans) if (!shownIds.has(span.claim.id)) missing.push(span.claim);
    const done = performance.now();
    state.anchored += shown.length;
    state.missing = missing;
    state.passes += 1;
    // After this pass's own labels: only text the page adds from now on is new.
    state.textLength = document.body.textContent.length;
    showNote(state);
    embed.stats = {
      status: "ready",
      claims: state.claims.length,
      retracted: state.retracted.map((c) => c.id),
      suspended: state.suspended.map((c) => c.id),
      anchored: state.anchored,
      missing: missing.map((c) => c.id),
      passes: state.passes,
      pageChars: index.text.length,
      indexMs: indexed - started,
      locateMs: located - indexed,
      highlightMs: done - located,
      totalMs: done - started,
    };
    return embed.stats;
  }

  // The not-found note waits while nothing is found and the page may still be bringing its
  // text (a "Loading…" article): until the watch ends, or the publisher calls refresh().
  function showNote(state) {
    const missing = state.anchored > 0 || state.settled ? state.missing : [];
    state.note = pageNote(state.shadow, missing, state.retracted, state.suspended, state.note);
  }

  /**
   * Claims whose marks the page has taken away (a script drew the article again) count as
   * missing again, so that the next search marks the new text. Returns how many.
   */
  function forgetDetached(state) {
    let dropped = 0;
    for (const [id, entry] of state.placed) {
      if (entry.marks.some((mark) => mark.isConnected)) continue;
      entry.label?.remove();
      state.placed.delete(id);
      state.anchored -= 1;
      state.missing = [...state.missing, entry.claim];
      dropped += 1;
    }
    return dropped;
  }

  /** Search again, once the page's text has grown, while claims are missing: for pages whose
   * script adds the article after load. Bounded in time; a burst of changes is one search. */
  function watch(state) {
    const started = performance.now();
    let timer = 0;
    let burst = 0;
    const stop = () => {
      observer.disconnect();
      clearTimeout(timer);
      clearTimeout(deadline);
      state.settled = true;
      showNote(state);
    };
    const search = () => {
      timer = 0;
      // textContent: one cheap read, no layout; marks and labels of our own were counted.
      const redrawn = forgetDetached(state);
      if (state.missing.length && (redrawn || document.body.textContent.length > state.textLength)) anchorMissing(state);
      if (!state.missing.length) stop();
    };
    const observer = new MutationObserver(() => {
      const now = performance.now();
      if (now - started > WATCH_MS) return stop();
      if (!timer) burst = now;
      else if (now - burst >= SETTLE_MAX_MS) return; // a page that never stops still gets its search
      clearTimeout(timer);
      timer = setTimeout(search, SETTLE_MS);
    });
    const deadline = setTimeout(stop, WATCH_MS);
    state.unwatch = () => {
      observer.disconnect();
      clearTimeout(timer);
      clearTimeout(deadline);
    };
    observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  }

  let state = null;
  let askedFor = null; // the page address the claims shown were asked for
  let runs = 0; // the latest run's number: an earlier one answering late shows nothing
  let running = null; // the latest run while it waits for its answer

  /** Everything this run added to the page taken out: marks, labels, the note, the popover. */
  function teardown(old) {
    old.unwatch?.();
    old.listening.abort();
    for (const entry of old.placed.values()) {
      entry.label?.remove();
      for (const mark of entry.marks) unwrap(mark);
    }
    removeCopies(null);
    old.shadow.host.remove();
  }

  /** For publishers: search the page again after rendering its text. Resolves with the stats.
   * After the page moved to another address (history.pushState, a single-page app's next
   * article), the claims of the new address are asked for, and the old ones taken away. */
  embed.refresh = () => {
    if (askedFor !== null && pageAddress() !== askedFor) {
      if (state) teardown(state);
      state = null;
      return (running = run());
    }
    if (running) return running; // asked for this address already, answer on its way
    if (!state) return embed.ready;
    state.settled = true; // the publisher says the article is there now
    forgetDetached(state);
    if (state.missing.length) return Promise.resolve(anchorMissing(state));
    showNote(state);
    return Promise.resolve(embed.stats);
  };

  async function run() {
    const mine = ++runs;
    try {
      askedFor = pageAddress();
      const { published: claims, retracted, suspended, unknown } = await fetchClaims();
      // The page moved on (refresh() after another pushState) while this run waited: the
      // newer run shows its own address's claims, and this one's would undo them.
      if (mine !== runs) return embed.stats;
      if (!claims.length && !retracted.length && !suspended.length) {
        // Said once, quietly, for the publisher setting the tag up: which address was asked
        // for, or that the organization named is not on this instance (a typo in the tag).
        console.info(
          unknown
            ? `FactcheckEmbed: “${organization}” has published no fact-check at ${origin}: check the tag's data-organization.`
            : `FactcheckEmbed: no published fact-checks${organization ? ` of “${organization}”` : ""} for ${pageAddress()}.`,
        );
        settle((embed.stats = { status: "none", claims: 0 }));
        return embed.stats;
      }
      const shadow = createShadow();
      const listening = new AbortController();
      const fresh = { claims, retracted, suspended, shadow, listening, open: popover(shadow, listening.signal), missing: claims, placed: new Map(), anchored: 0, passes: 0, note: null, textLength: 0, settled: false };
      anchorMissing(fresh);
      state = fresh;
      if (state.missing.length) watch(state);
      settle(embed.stats);
    } catch (error) {
      // The instance unreachable, an error answer or an unexpected page: leave the page be.
      if (mine === runs) settle((embed.stats = { status: "unavailable", reason: String(error && error.message) }));
    } finally {
      if (mine === runs) running = null;
    }
    return embed.stats;
  }

  const start = () => (running = run());
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start, { once: true });
})();
