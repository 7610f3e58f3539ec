// The editor's workspace: highlights, selection to W3C selectors, claim cards, saving.
// Offsets sent to and received from the server are Unicode code points (the W3C model);
// the DOM counts UTF-16 units, so every conversion goes through the helpers below.
// Nothing typed is lost: each card's unsaved input lives in `drafts` (and localStorage),
// every re-render draws from it, and closing or leaving with unsaved input asks first.

import { api, ApiError, RequestTimeout, clearFormErrors, clearInputError, fieldLabel, fieldMessages, importRetryText, problemMessage, showErrorsAtFields, withFieldName } from "./api.js";
import { ask } from "./lib/dialog.js";
import { clusterBoundaries, snapOffset } from "./lib/graphemes.js";
import { holdWhilePressed } from "./lib/press_guard.js";
import { attachMentions } from "./lib/mentions.js";
import { renderDiff, wordDiff } from "./lib/textdiff.js";

const data = JSON.parse(document.getElementById("workspace-data").textContent);
const body = document.getElementById("article-body");
const sidebar = document.getElementById("sidebar");
// Every redraw of the cards and highlights: one asked for while a card's button is held
// down waits for its release (see press_guard.js), keeping the focus any call asked for.
const refresh = holdWhilePressed(sidebar, redraw, {
  marker: document.documentElement,
  merge: (waiting, next) => ({
    focusCard: Boolean(waiting.focusCard || next.focusCard),
    focusField: next.focusField ?? waiting.focusField ?? null,
    focusIn: next.focusIn ?? waiting.focusIn ?? null,
  }),
});
const list = document.getElementById("claim-list");
const orphanList = document.getElementById("orphan-list");
const makeClaimButton = document.getElementById("make-claim");
const selectionStatus = document.getElementById("selection-status");
const notice = document.getElementById("notice");

const blocks = [...body.querySelectorAll("[data-start]")].map((element) => ({
  element,
  start: Number(element.dataset.start),
  chars: Array.from(element.textContent),
}));
// The canonical text, as code points: each block at its offset, the gaps between blocks are
// line breaks (one blank line between plain paragraphs).
const textChars = (() => {
  const chars = [];
  for (const block of blocks) {
    while (chars.length < block.start) chars.push("\n");
    // One by one: spreading a paragraph of hundreds of thousands of characters into a
    // call's arguments overflows the stack.
    block.chars.forEach((char, index) => {
      chars[block.start + index] = char;
    });
  }
  return chars;
})();
const claims = new Map(data.claims.map((c) => [c.id, c]));
const ratings = data.ratings;
const members = data.members;
let activeId = null;
let currentSelection = null;
// Bumped by every change this page makes to its list (a claim made or deleted here, the
// list read again): a look that was on its way meanwhile brings an older list, and is
// dropped rather than undoing the change.
let listGeneration = 0;

const STATUS_LABELS = {
  draft: "Draft",
  in_review: "In review",
  published: "Published",
  retracted: "Retracted",
};
const FIELD_LABELS = {
  claim_reviewed: "Claim as worded for publication",
  claimant: "Claimant",
  claim_date: "Claim date",
  rating: "Rating",
  conclusion: "Conclusion",
  tags: "Tags",
  assignee: "Assignee",
};
const FIELDS = Object.keys(FIELD_LABELS);
const TEXT_FIELDS = new Set(["claim_reviewed", "claimant", "conclusion"]);
const PUBLISHING_ROLES = ["admin", "reviewer"];
// Changed when a refusal says the role changed since the page opened (see `roleChanged`).
let canPublish = PUBLISHING_ROLES.includes(data.me.role);
// Claims whose editor has confirmed starting a correction of the published version.
const correctionConfirmed = new Set();

// Per-claim state that survives re-rendering the cards.
const drafts = new Map(); // id -> {version, base, fields, aux}: unsaved input
const addingSource = new Set(); // claim ids whose "Add source" request is on its way
const conflicts = new Map(); // id -> {current_version, conflicts, choices}
const merged = new Map(); // id -> field names merged from others on the last save
const mergedBy = new Map(); // id -> usernames of who made those changes, when the server said
const fieldErrors = new Map(); // id -> {field name: the server's message} from a refused save
const statuses = new Map(); // "id:place" -> {text, error, action}
const threads = new Map(); // id -> {state, items, error}
const editingSources = new Map(); // source id -> the source's values when its edit began
const replyingTo = new Map(); // claim id -> comment id being answered
const editingComments = new Set(); // comment ids with their edit form open
const restoreDeclined = new Set(); // claims whose stored draft the editor set aside
const saving = new Map(); // claim id -> {fields, keepalive, finished}: its save in flight
// A save this small goes with `keepalive`, so it reaches the server even if the page goes.
const KEEPALIVE_MAX_CHARS = 20000; // up to 60 KB of UTF-8, under the browsers' 64 KB
const moving = new Set(); // claims with a workflow request in flight: a double-click sends one
const savesAwaitingNetwork = new Map(); // claim id -> the fields of a save that failed offline

// ---- offsets ---------------------------------------------------------------

/** The text block (paragraph, heading, list item...) holding a DOM node, or null. */
function blockOf(node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  return element?.closest("[data-start]") ?? null;
}

/** Code-point offset in the article of a DOM point inside the article body, or null. */
function codepointAt(node, offset) {
  const block = blockOf(node);
  if (!block || !body.contains(block)) {
    // A point between blocks (e.g. a triple-click selection) falls on the next one.
    if (node === body || (node.nodeType === Node.ELEMENT_NODE && body.contains(node))) {
      const next = node.childNodes[offset];
      const target = next?.nodeType === Node.ELEMENT_NODE ? (next.matches("[data-start]") ? next : next.querySelector("[data-start]")) : null;
      return target ? Number(target.dataset.start) : textChars.length;
    }
    return null;
  }
  const range = document.createRange();
  range.setStart(block, 0);
  range.setEnd(node, offset);
  return Number(block.dataset.start) + Array.from(range.toString()).length;
}

function slice(start, end) {
  return textChars.slice(start, end).join("");
}

/** W3C selectors for [start, end) in code points: quote with 32-character context, position. */
function describe(start, end) {
  return [
    {
      type: "TextQuoteSelector",
      exact: slice(start, end),
      prefix: slice(Math.max(0, start - 32), start),
      suffix: slice(end, end + 32),
    },
    { type: "TextPositionSelector", start, end },
  ];
}

function readSelection() {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!body.contains(range.commonAncestorContainer)) return null;
  let start = codepointAt(range.startContainer, range.startOffset);
  let end = codepointAt(range.endContainer, range.endOffset);
  if (start === null || end === null) return null;
  // Double-click and drag selections often carry the space around a word.
  while (start < end && /\s/.test(textChars[start])) start++;
  while (end > start && /\s/.test(textChars[end - 1])) end--;
  if (end <= start) return null;
  return { start: clusterEdge(start, false), end: clusterEdge(end, true) };
}

/** Move a code-point offset out of a grapheme cluster: the server refuses a split one. */
function clusterEdge(offset, forward) {
  const block = blocks.find((p) => p.start <= offset && offset <= p.start + p.chars.length);
  if (!block) return offset;
  block.boundaries ??= clusterBoundaries(block.chars.join(""));
  return block.start + snapOffset(block.boundaries, offset - block.start, forward);
}

// ---- highlights -------------------------------------------------------------

function anchoredClaims() {
  return [...claims.values()]
    .filter((c) => c.anchor_state === "anchored")
    .sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id);
}

function renderHighlights() {
  const anchored = anchoredClaims();
  for (const block of blocks) {
    const pStart = block.start;
    const pEnd = pStart + block.chars.length;
    const inside = anchored.filter((c) => c.start < pEnd && c.end > pStart);
    // A block whose claims look the same as last time keeps its marks: long articles stay quick.
    const signature = inside.map((c) => `${c.id}:${c.start}:${c.end}:${c.status}:${c.rating?.colour}:${c.rating?.label}:${c.claim_reviewed}:${c.id === activeId}`).join("|");
    if (block.signature === signature) continue;
    block.signature = signature;
    const cuts = new Set([pStart, pEnd]);
    for (const c of inside) {
      cuts.add(Math.max(c.start, pStart));
      cuts.add(Math.min(c.end, pEnd));
    }
    const points = [...cuts].sort((a, b) => a - b);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < points.length - 1; i++) {
      const [a, b] = [points[i], points[i + 1]];
      const text = block.chars.slice(a - pStart, b - pStart).join("");
      const covering = inside.filter((c) => c.start <= a && c.end >= b);
      if (covering.length === 0) {
        fragment.append(text);
        continue;
      }
      // The shortest covering claim is the one a click means.
      const innermost = covering.reduce((x, y) => (y.end - y.start < x.end - x.start ? y : x));
      const mark = document.createElement("mark");
      mark.textContent = text;
      mark.className = `highlight status-${innermost.status} depth-${Math.min(covering.length, 3)}`;
      mark.dataset.claim = innermost.id;
      mark.dataset.claims = covering.map((c) => c.id).join(" ");
      mark.title = covering.map(claimSummary).join("\n");
      if (innermost.rating) mark.style.setProperty("--rating-colour", innermost.rating.colour);
      if (covering.some((c) => c.id === activeId)) mark.classList.add("active");
      fragment.append(mark);
    }
    block.element.replaceChildren(block.element.dataset.kind === "table_row" ? tableCells(fragment, block) : fragment);
  }
}

// Imports join a table row's cells with " | " in the text, where quotes and offsets count
// them: a row is drawn as cells, each separator kept, hidden, at the end of its cell.
const CELL_SEPARATOR = " | ";

/** The columns of a table row's empty cells, from the page (`data-blank-cells`). */
function blankCells(block) {
  return (block.element.dataset.blankCells || "").split(" ").filter(Boolean).map(Number);
}

/**
 * The first rows of tables that lack their top-left cell, as the reader page finds them
 * (`reader._corner_rows`): imports before blank cells were kept left empty cells out, and a
 * header row over row labels would put each heading over the column before its own.
 */
const cornerRows = (() => {
  const corners = new Set();
  let run = [];
  for (const block of [...blocks, null]) {
    if (block?.element.dataset.kind === "table_row") {
      run.push(block);
      continue;
    }
    const widths = run.map((row) => row.chars.join("").split(CELL_SEPARATOR).length + blankCells(row).length);
    const rest = widths.slice(1);
    if (run.length > 1 && widths[0] === Math.max(...rest) - 1 && widths[0] === Math.min(...rest) - 1) corners.add(run[0]);
    run = [];
  }
  return corners;
})();

/** A table row's text and marks as one cell per column; a mark across an edge is split.
 * An empty cell stands at each of the row's blank cells (the empty ones the text leaves out). */
function tableCells(fragment, block) {
  const cells = document.createDocumentFragment();
  // An empty corner first, and the row's own blank cells after it.
  const blanks = cornerRows.has(block) ? [0, ...blankCells(block).map((column) => column + 1)] : blankCells(block);
  let cell = el("span", { class: "cell" });
  for (const node of [...fragment.childNodes]) {
    node.textContent.split(CELL_SEPARATOR).forEach((piece, index) => {
      if (index > 0) {
        cell.append(el("span", { class: "cell-separator", text: CELL_SEPARATOR }));
        cells.append(cell);
        cell = el("span", { class: "cell" });
      }
      if (!piece) return;
      const part = node.nodeType === Node.TEXT_NODE ? document.createTextNode("") : node.cloneNode(false);
      part.textContent = piece;
      cell.append(part);
    });
  }
  cells.append(cell);
  for (const column of blanks) {
    if (column <= cells.children.length) cells.insertBefore(el("span", { class: "cell" }), cells.children[column] ?? null);
  }
  return cells;
}

/** The rating beside "Published": the one readers were shown, as published. A rating
 * renamed since, or changed in the working copy, reads otherwise until it is republished;
 * the card's fields say what the working copy holds (trial G20). */
function statusRating(claim) {
  if (claim.status !== "published") return claim.rating;
  if (claim.published_version?.rating) return claim.published_version.rating;
  // A closed card's summary carries the published label and colour alone.
  if (claim.published_rating_label) return { label: claim.published_rating_label, colour: claim.published_rating_colour };
  return claim.rating;
}

function claimSummary(claim) {
  const rating = statusRating(claim) ? ` · ${statusRating(claim).label}` : "";
  return `${STATUS_LABELS[claim.status]}${rating}: ${claim.claim_reviewed}`;
}

// ---- values: the form's text for each field, the API's value, how to show it ----------

/** The form's text for `name` in a claim as the server sent it. */
function formValue(claim, name) {
  const value = claim[name];
  return fromApi(name, value);
}

function fromApi(name, value) {
  if (value === null || value === undefined) return "";
  if (name === "rating" || name === "assignee") return String(typeof value === "object" ? value.id : value);
  if (name === "tags") return Array.isArray(value) ? value.join(", ") : String(value);
  return String(value);
}

function formValues(claim) {
  return Object.fromEntries(FIELDS.map((name) => [name, formValue(claim, name)]));
}

function toApi(name, text) {
  if (name === "claim_date") return text || null;
  if (name === "rating" || name === "assignee") return text ? Number(text) : null;
  if (name === "tags") {
    return text
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
  }
  return text;
}

function sameValue(name, a, b) {
  return JSON.stringify(toApi(name, a)) === JSON.stringify(toApi(name, b));
}

/** A field's value as a person reads it: a rating's label, a member's name, "(empty)". */
function displayValue(name, text) {
  if (text === "" || text === null || text === undefined) return "(empty)";
  if (name === "rating") return ratings.find((r) => String(r.id) === text)?.label ?? text;
  if (name === "assignee") return members.find((m) => String(m.id) === text)?.username ?? text;
  return text;
}

function personName(person) {
  if (!person) return "someone";
  if (typeof person === "string") return person;
  return person.name || person.username || "someone";
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2 Dec 10:14" (with the year when it is not this year). */
function shortDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const year = d.getFullYear() === new Date().getFullYear() ? "" : ` ${d.getFullYear()}`;
  const time = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  return `${d.getDate()} ${MONTHS[d.getMonth()]}${year} ${time}`;
}

// ---- drafts: unsaved input, kept in memory and in localStorage ---------------------

// Under the user's id: a card's input is never offered to someone else signing in on this
// browser (signing out also clears the site's storage, by Clear-Site-Data).
const STORAGE_PREFIX = `factcheck.draft.u${data.me.id}.`;

// Input stored before drafts were keyed by user ("factcheck.draft.<claim>.…") can be offered
// to nobody safely, since whose it was is unknown: it is dropped, not left in storage forever.
(() => {
  try {
    const unowned = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (/^factcheck\.draft\.\d/.test(key ?? "")) unowned.push(key);
    }
    for (const key of unowned) localStorage.removeItem(key);
  } catch {
    // Storage disabled: nothing was stored.
  }
})();

// Each tab keeps its drafts under its own name (kept across a reload of that tab), so two
// tabs on one claim never overwrite, or on saving delete, each other's unsaved input.
const TAB = (() => {
  try {
    let tab = sessionStorage.getItem("factcheck.tab");
    if (!tab) {
      tab = Math.random().toString(36).slice(2, 10);
      sessionStorage.setItem("factcheck.tab", tab);
    }
    return tab;
  } catch {
    return Math.random().toString(36).slice(2, 10);
  }
})();

// Each open tab says it is alive every few seconds. Another tab's stored input is offered
// back only once that tab is gone (closed, or silent after a crash): while it is open, the
// input is still being typed there, not left behind.
const ALIVE_PREFIX = "factcheck.alive.";
const ALIVE_EVERY_MS = 5000;
const GONE_AFTER_MS = 3 * ALIVE_EVERY_MS;

// Set once the tab is going: a timer firing between "pagehide" and the tab's end would
// otherwise say it is alive again, and its input would not be offered for 15 s.
let leaving = false;

function sayAlive() {
  if (leaving) return;
  try {
    localStorage.setItem(`${ALIVE_PREFIX}${TAB}`, String(Date.now()));
  } catch {
    // Storage disabled: no draft is stored either.
  }
}
sayAlive();
setInterval(sayAlive, ALIVE_EVERY_MS);
window.addEventListener("pagehide", () => {
  leaving = true;
  try {
    localStorage.removeItem(`${ALIVE_PREFIX}${TAB}`);
  } catch {
    // Nothing to take back.
  }
});
// A tab brought back from the back-forward cache is alive again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  leaving = false;
  sayAlive();
});

/** Whether the tab that stored `key` is still open (and so still owns its input). */
function ownerAlive(key) {
  const tab = key.slice(key.lastIndexOf(".t") + 2);
  if (tab === TAB) return false;
  try {
    const seen = Number(localStorage.getItem(`${ALIVE_PREFIX}${tab}`));
    return Boolean(seen) && Date.now() - seen < GONE_AFTER_MS;
  } catch {
    return false;
  }
}

function storageKey(id, version) {
  return `${STORAGE_PREFIX}${id}.v${version}.t${TAB}`;
}

/** Stored draft keys of a claim: this tab's only, or (`everyTab`) any tab's. */
function storedKeys(id, { everyTab = false } = {}) {
  const keys = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith(`${STORAGE_PREFIX}${id}.`)) continue;
      if (everyTab || key.endsWith(`.t${TAB}`)) keys.push(key);
    }
  } catch {
    // Storage disabled (private mode, policy): the in-page draft still works.
  }
  return keys;
}

/** A stored draft of the claim from this tab or another (a crash, a closed tab), with its key. */
function storedDraft(id) {
  for (const key of storedKeys(id, { everyTab: true })) {
    if (ownerAlive(key)) continue;
    try {
      const draft = JSON.parse(localStorage.getItem(key));
      if (!draft || !(Object.keys(draft.fields || {}).length || Object.keys(draft.aux || {}).length)) continue;
      // A reload while its save was on its way: the claim holds those fields now, and
      // offering them back as unsaved would only ask the editor to check for nothing.
      const unsaved = unsavedFields(id, draft);
      if (unsaved !== null && Object.keys(unsaved).length < Object.keys(draft.fields || {}).length) {
        draft.fields = unsaved;
        if (!Object.keys(unsaved).length && !Object.values(draft.aux || {}).some((value) => String(value).trim() !== "")) {
          localStorage.removeItem(key);
          continue;
        }
        localStorage.setItem(key, JSON.stringify(draft));
      }
      return { ...draft, key };
    } catch {
      // A damaged entry is no draft.
    }
  }
  return null;
}

/** A stored draft's fields that the claim as loaded does not hold already; null while its
 * fields are not loaded (the page's list carries none). */
function unsavedFields(id, draft) {
  const claim = claims.get(id);
  const fields = Object.entries(draft.fields || {});
  if (!claim || fields.some(([name]) => claim[name] === undefined)) return null;
  return Object.fromEntries(fields.filter(([name, text]) => !sameValue(name, text, formValue(claim, name))));
}

/** Forget this tab's stored drafts of the claim, and the one stored under `key` if given. */
function forgetStored(id, key = null) {
  for (const each of [...storedKeys(id), ...(key ? [key] : [])]) {
    try {
      localStorage.removeItem(each);
    } catch {
      // Nothing to forget.
    }
  }
}

// Cards whose unsaved input this browser could not store (full or disabled storage): the
// input lives only in this page, and the editor is told so on a line of its own, which the
// save's messages do not replace.
const unkept = new Set(); // claim ids
const UNKEPT_TEXT =
  "This browser has no room left to keep a copy of your unsaved input on this card: if this tab closes or crashes, it is lost. Save it soon.";

function persist(id) {
  const draft = drafts.get(id);
  forgetStored(id);
  let kept = true;
  if (draft && isDirty(id)) {
    try {
      localStorage.setItem(
        storageKey(id, draft.version),
        JSON.stringify({ ...draft, article: data.article.id, saved_at: new Date().toISOString() }),
      );
    } catch {
      // Full or disabled storage: the in-page draft still works, but would not outlive the tab.
      kept = false;
    }
  }
  showKept(id, kept);
}

/** Say on the card, under its own line, whether its unsaved input has a copy in storage. */
function showKept(id, kept) {
  if (kept === !unkept.has(id)) return;
  if (kept) unkept.delete(id);
  else unkept.add(id);
  setStatus(id, "kept", kept ? "" : UNKEPT_TEXT, { error: !kept });
}

function draftFor(claim) {
  let draft = drafts.get(claim.id);
  if (!draft) {
    draft = { version: claim.version, base: formValues(claim), fields: {}, aux: {} };
    drafts.set(claim.id, draft);
  }
  return draft;
}

function isDirty(id) {
  const draft = drafts.get(id);
  if (!draft) return false;
  return Object.keys(draft.fields).length > 0 || Object.values(draft.aux).some((v) => String(v).trim() !== "");
}

function hasFieldEdits(id) {
  const draft = drafts.get(id);
  return Boolean(draft && Object.keys(draft.fields).length);
}

function recordField(claim, name, text) {
  const draft = draftFor(claim);
  if (Object.keys(draft.fields).length === 0) {
    // The first change: its base is the version on screen now.
    draft.version = claim.version;
    draft.base = formValues(claim);
  }
  if (sameValue(name, text, draft.base[name])) delete draft.fields[name];
  else draft.fields[name] = text;
  settleDraft(claim.id);
}

function recordAux(claim, key, value) {
  const draft = draftFor(claim);
  if (value === "") delete draft.aux[key];
  else draft.aux[key] = value;
  settleDraft(claim.id);
}

function clearAux(id, prefix) {
  const draft = drafts.get(id);
  if (!draft) return;
  for (const key of Object.keys(draft.aux)) if (key.startsWith(prefix)) delete draft.aux[key];
  settleDraft(id);
}

function settleDraft(id) {
  if (!isDirty(id)) drafts.delete(id);
  persist(id);
  showDirty(id);
}

function discardDraft(id) {
  drafts.delete(id);
  savesAwaitingNetwork.delete(id);
  conflicts.delete(id);
  fieldErrors.delete(id);
  forgetStored(id);
  showKept(id, true);
}

/** The "Unsaved changes" mark on the card, updated as the editor types (no re-render). */
function showDirty(id) {
  const badge = document.querySelector(`#claim-${id} .badge.unsaved`);
  if (badge) badge.hidden = !isDirty(id);
}

// ---- statuses that outlive a re-render ---------------------------------------------

function setStatus(id, place, text, { error = false, action = null } = {}) {
  statuses.set(`${id}:${place}`, { text, error, action });
  const node = document.getElementById(`c${id}-${place}-status`);
  if (!node) return;
  // A line that appears or goes above the control in use (a source's fetch state, seconds
  // after "Add source") would move it from under the pointer: the column makes up for it.
  const scroller = cardScroller(node);
  const inUse = scroller?.contains(document.activeElement) ? document.activeElement : null;
  const before = inUse?.getBoundingClientRect().top;
  fillStatus(node, statuses.get(`${id}:${place}`));
  if (inUse?.isConnected) scroller.scrollTop += inUse.getBoundingClientRect().top - before;
  // Said under the button just pressed, which may sit at the bottom edge: in sight.
  if (text && id === activeId) revealBelow(node);
}

/** What scrolls the card `node` is in: the claims column, or on a phone the card's sheet. */
function cardScroller(node) {
  return sheetLayout() ? node.closest(".claim-card.active") : sidebar;
}

/** Scroll just enough that `node`, below the visible part of its card, shows. */
function revealBelow(node) {
  const scroller = cardScroller(node);
  if (!scroller) return;
  const bottom = Math.min(scroller.getBoundingClientRect().bottom, window.innerHeight);
  const below = node.getBoundingClientRect().bottom - bottom;
  if (below > 0) scroller.scrollTop += below + 8;
}

function fillStatus(node, status) {
  node.className = `save-status${status?.error ? " error" : ""}`;
  node.replaceChildren(status?.text ?? "");
  if (status?.action) {
    node.append(" ", el("button", { type: "button", class: "link-button", text: status.action.label, onclick: status.action.run }));
  }
}

function statusLine(id, place) {
  const node = el("p", { class: "save-status", id: `c${id}-${place}-status`, role: "status", "aria-live": "polite" });
  fillStatus(node, statuses.get(`${id}:${place}`));
  return node;
}

// ---- cards ------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  let follow = false;
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "dir" && value === "auto" && (tag === "textarea" || tag === "input")) follow = true;
    else if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return follow ? followDirection(node) : node;
}

// A strong right-to-left letter (Hebrew, Arabic, Syriac, Thaana, N'Ko...) before any
// left-to-right one opens the text.
const OPENS_RIGHT_TO_LEFT = /^[^\p{L}]*[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/u;

/** A text box that runs in the direction of its first letters. Not dir="auto": Chromium
 * works that out over the whole value, and a pasted megabyte froze the page for minutes. */
function followDirection(control) {
  const follow = () => {
    control.dir = OPENS_RIGHT_TO_LEFT.test(control.value.slice(0, 500)) ? "rtl" : "ltr";
  };
  control.addEventListener("input", follow);
  follow();
  return control;
}

function ratingBadge(rating) {
  if (!rating) return el("span", { class: "badge unrated", text: "Not rated" });
  const badge = el("span", { class: "badge rating", text: rating.label });
  badge.style.setProperty("--rating-colour", rating.colour);
  badge.style.setProperty("--rating-ink", inkOn(rating.colour));
  return badge;
}

/** Black or white, whichever reads better on `colour` (#rrggbb), by WCAG contrast, as the
 * scale editor's preview and the reader's chips choose: white on a yellow the scale allows
 * was unreadable (1.07:1) on the cards alone. */
function inkOn(colour) {
  const match = /^#([0-9a-f]{6})$/i.exec(colour || "");
  if (!match) return "#fff";
  const channel = (i) => {
    const c = parseInt(match[1].slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  return (1.05) / (lum + 0.05) >= (lum + 0.05) / 0.05 ? "#fff" : "#000";
}

/** The number of the version readers see, when the working copy is not itself published. */
function liveBadge(claim) {
  // The full claim carries its version; a summary (closed card) its number, kind and anchoring.
  const version = claim.published_version || {
    number: claim.published_number,
    kind: claim.published_kind,
    is_anchored: claim.published_is_anchored,
  };
  const number = version.number;
  if (!number || claim.status === "published") return null;
  if (version.kind === "retracted") return null;
  // A version whose words left the article is kept but hidden from readers (suspended).
  if (version.is_anchored === false) {
    return el("span", { class: "badge hidden-live", text: `Version ${number} hidden from readers` });
  }
  return el("span", { class: "badge live", text: `Live: version ${number}` });
}

// Closed cards drawn before, by claim id: {signature, node}. Only what changed is drawn again.
const closedCards = new Map();

function closedCardSignature(claim) {
  return JSON.stringify([
    claim.version, claim.status, claim.anchor_state, claim.orphan_reason, claim.rating, claim.claim_reviewed,
    claim.exact, claim.published_number, claim.published_version?.number, claim.published_version?.kind,
    claim.published_version?.is_anchored, claim.published_kind, claim.published_is_anchored, claim.published_rating_label,
    claim.changes_requested_at, claim.open_thread_count, isDirty(claim.id), claim.revision_number,
  ]);
}

function cardNode(claim) {
  if (claim.id === activeId) {
    closedCards.delete(claim.id);
    return card(claim);
  }
  const signature = closedCardSignature(claim);
  const cached = closedCards.get(claim.id);
  if (cached && cached.signature === signature) return cached.node;
  const node = card(claim);
  closedCards.set(claim.id, { signature, node });
  return node;
}

function renderCards() {
  const anchored = anchoredClaims();
  list.replaceChildren(...anchored.map(cardNode));
  const orphans = [...claims.values()].filter((c) => c.anchor_state !== "anchored");
  orphanList.replaceChildren(...orphans.map(cardNode));
  document.getElementById("orphans-section").hidden = orphans.length === 0;
  document.getElementById("claim-count").textContent = `(${anchored.length})`;
}

function card(claim) {
  const expanded = claim.id === activeId;
  const item = el("li", {
    class: `claim-card status-${claim.status}${expanded ? " active" : ""}`,
    id: `claim-${claim.id}`,
    tabindex: "-1",
    "data-claim": claim.id,
    "aria-current": expanded ? "true" : false,
  });
  const unsaved = el("span", { class: "badge unsaved", text: "Unsaved changes" });
  unsaved.hidden = !isDirty(claim.id);
  const header = el(
    "div",
    { class: "card-header" },
    el("span", { class: `badge status status-${claim.status}`, text: STATUS_LABELS[claim.status] }),
    ratingBadge(statusRating(claim)),
    liveBadge(claim),
    claim.anchor_state === "orphaned" ? el("span", { class: "badge orphan", text: `Orphaned: ${claim.orphan_reason}` }) : null,
    claim.changes_requested_at && claim.status === "draft" ? el("span", { class: "badge changes-requested", text: "Changes requested" }) : null,
    claim.open_thread_count ? el("span", { class: "badge threads", text: `${claim.open_thread_count} open thread${claim.open_thread_count === 1 ? "" : "s"}` }) : null,
    unsaved,
  );
  const checkedOn =
    claim.anchor_state === "orphaned"
      ? el("a", {
          href: `/articles/${data.article.id}/revisions/${claim.revision_number}/?claim=${claim.id}`,
          text: `See it in revision ${claim.revision_number}, where it was checked`,
        })
      : null;
  const quote = el("blockquote", { text: claim.exact, dir: "auto" });
  const toggle = el("button", {
    type: "button",
    class: "card-toggle",
    "aria-expanded": String(expanded),
    text: expanded ? "Close" : "Open",
    "aria-label": `${expanded ? "Close" : "Open"} claim: ${claim.claim_reviewed}`,
    // Closed, the keyboard stays on the card, on its "Open" (not on the page's body).
    onclick: () => requestActivate(expanded ? null : claim.id, { focusCard: true, focusIn: [`#claim-${claim.id} .card-toggle`] }),
  });
  item.append(header, quote, ...(checkedOn ? [el("p", {}, checkedOn)] : []), toggle);
  if (expanded && claim.history === undefined) {
    // The page carries light summaries; a card's sources and history load when it opens.
    item.append(el("p", { class: "hint", role: "status", text: "Loading the claim…" }));
    loadDetails(claim.id);
  } else if (expanded) {
    strandedNoteToComment(claim);
    item.append(editor(claim));
    keepInput(item, claim);
  }
  return item;
}

/** Put kept input back into a freshly drawn card and record what is typed from now on. */
function keepInput(item, claim) {
  const draft = drafts.get(claim.id);
  for (const control of item.querySelectorAll("[data-keep]")) {
    const kept = draft?.aux[control.id];
    if (kept !== undefined) control.value = kept;
    const record = () => {
      if (control.isConnected) recordAux(claims.get(claim.id) ?? claim, control.id, control.value === control.dataset.initial ? "" : control.value);
    };
    control.addEventListener("input", record);
    control.addEventListener("change", record);
  }
}

const loadingDetails = new Set();

async function loadDetails(id) {
  if (loadingDetails.has(id)) return;
  loadingDetails.add(id);
  try {
    // The claim and its conversation together: one render, not two.
    const [full] = await Promise.all([api("GET", `/api/v1/newsroom/claims/${id}/`), threads.has(id) ? null : loadThread(id, { render: false })]);
    claims.set(id, full);
    refresh();
    // The opened card grew: on a phone, the highlight must still show above the sheet.
    if (id === activeId && sheetLayout()) keepAboveSheet(body.querySelector(`mark[data-claim="${id}"]`), document.getElementById(`claim-${id}`));
  } catch (error) {
    const status = document.querySelector(`#claim-${id} [role=status]`);
    if (status) status.textContent = `Could not load the claim: ${errorText(error)}`;
  } finally {
    loadingDetails.delete(id);
  }
}

function field(claim, name, label, control, hint = null) {
  const id = `c${claim.id}-${name}`;
  control.id = id;
  control.name = name;
  const hintId = hint ? `${id}-hint` : null;
  // A refused save's message for this field sits under it, and is read with it.
  const problem = fieldErrors.get(claim.id)?.[name];
  const errorId = problem ? `${id}-error` : null;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ");
  if (describedBy) control.setAttribute("aria-describedby", describedBy);
  if (problem) control.setAttribute("aria-invalid", "true");
  return el(
    "p",
    { class: `field${problem ? " invalid" : ""}`, "data-field": name },
    el("label", { for: id, text: label }),
    control,
    problem ? el("span", { class: "field-error", id: errorId, text: problem }) : null,
    hint ? el("span", { class: "hint field-hint", id: hintId, text: hint }) : null,
  );
}

/** Forget a refused save's message for one field, in place: the editor is correcting it. */
function clearFieldError(id, name) {
  const errors = fieldErrors.get(id);
  if (!errors || !(name in errors)) return;
  delete errors[name];
  if (!Object.keys(errors).length) fieldErrors.delete(id);
  const control = document.querySelector(`#claim-${id} [data-field="${name}"] [name]`);
  if (control) clearInputError(control);
}

/**
 * Show a refused save's errors: each card field's under the field, and the line under Save
 * naming them (with any error of no card field in full). Returns that line.
 */
function showFieldErrors(id, error) {
  const errors = error.body?.errors;
  const own = {};
  const rest = {};
  if (errors && typeof errors === "object") {
    for (const [name, messages] of Object.entries(errors)) {
      if (FIELDS.includes(name)) own[name] = fieldMessages(messages);
      else rest[name] = messages;
    }
  }
  const names = Object.keys(own);
  if (!names.length) return errorText(error);
  fieldErrors.set(id, own);
  const fixes = `Not saved: correct ${names.map((name) => FIELD_LABELS[name]).join(", ")} as said under ${names.length === 1 ? "it" : "each"}.`;
  return Object.keys(rest).length ? `${fixes} ${errorText({ status: error.status, body: { ...error.body, errors: rest } })}` : fixes;
}

// ---- conclusion preview ------------------------------------------------------------
// The conclusion as readers would see it follows the typing: the server renders it as it
// renders a published one (Markdown, then nh3), a moment after the editor pauses.

const PREVIEW_PAUSE_MS = 400;
const previewTimers = new Map();
// Each claim's newest preview request: an older answer arriving late is not shown.
const previewRequests = new Map();

/** The card's preview: the saved conclusion, or the typed one while it differs. */
function conclusionPreview(claim) {
  const id = `c${claim.id}-conclusion-preview`;
  const typed = drafts.get(claim.id)?.fields.conclusion;
  const section = el(
    "section",
    { class: "conclusion-preview-section", "aria-labelledby": `${id}-title`, hidden: !claim.conclusion_html && !typed?.trim() },
    el("h3", { id: `${id}-title`, text: "Conclusion preview" }),
    el("p", { class: "hint", id: `${id}-state`, "aria-live": "polite" }),
    el("div", { class: "conclusion-preview", id, "aria-label": "Conclusion as readers see it" }),
  );
  section.querySelector(".conclusion-preview").innerHTML = claim.conclusion_html; // sanitised on the server with nh3
  // A card drawn anew (after a save, say) shows what it was drawn with: an answer still on
  // its way for earlier typing must not write "not saved yet" over a saved conclusion.
  clearTimeout(previewTimers.get(claim.id));
  previewRequests.set(claim.id, (previewRequests.get(claim.id) ?? 0) + 1);
  // A card drawn again with unsaved typing shows that typing, not the saved text.
  if (typed !== undefined && typed !== claim.conclusion) queueMicrotask(() => renderPreview(claim, typed));
  return section;
}

function schedulePreview(claim, text) {
  clearTimeout(previewTimers.get(claim.id));
  previewTimers.set(claim.id, setTimeout(() => renderPreview(claim, text), PREVIEW_PAUSE_MS));
}

async function renderPreview(claim, text) {
  previewTimers.delete(claim.id);
  const request = (previewRequests.get(claim.id) ?? 0) + 1;
  previewRequests.set(claim.id, request);
  const saved = text === claims.get(claim.id)?.conclusion;
  let html = claims.get(claim.id)?.conclusion_html ?? "";
  let state = "";
  const tooLong = !saved && overLimits({ conclusion: text });
  if (tooLong) {
    // Never sent: a 6 MB paste was uploaded at each pause only to be refused.
    html = null;
    state = `No preview: ${tooLong.conclusion[0]}`;
  } else if (!saved) {
    try {
      html = (await api("POST", `/api/v1/newsroom/articles/${data.article.id}/conclusion-preview/`, { conclusion: text })).conclusion_html;
      state = "As typed; not saved yet.";
    } catch (error) {
      html = null;
      state = `The preview could not follow your typing: ${errorText(error)}`;
    }
  }
  if (previewRequests.get(claim.id) !== request) return;
  const preview = document.getElementById(`c${claim.id}-conclusion-preview`);
  if (!preview) return;
  if (html !== null) preview.innerHTML = html; // sanitised on the server with nh3
  document.getElementById(`c${claim.id}-conclusion-preview-state`).textContent = state;
  // Nothing to show for an empty conclusion, unless the preview failed and says so.
  preview.closest("section").hidden = html !== null && !preview.textContent.trim();
}

function ratingDescription(id) {
  const rating = ratings.find((r) => String(r.id) === String(id));
  return rating?.description || (rating ? "" : "No rating chosen yet.");
}

function editor(claim) {
  const draft = drafts.get(claim.id);
  const value = (name) => draft?.fields[name] ?? formValue(claim, name);
  const form = el("form", { class: "claim-form", "data-version": claim.version });
  const ratingSelect = el("select", {}, el("option", { value: "", text: "— not rated —" }));
  for (const rating of ratings) {
    const chosen = value("rating") === String(rating.id) || (claim.rating && claim.rating.id === rating.id);
    // Hidden ratings stay on claims that have them, but are not offered for new choices.
    if (rating.is_hidden && !chosen) continue;
    const range = rating.value === null ? "outside the scale" : `${rating.value} of ${rating.best_value}`;
    const description = rating.description ? `: ${rating.description}` : "";
    ratingSelect.append(
      el("option", {
        value: rating.id,
        text: `${rating.label} (${range})${description}`,
        title: rating.description || false,
        selected: value("rating") === String(rating.id),
      }),
    );
  }
  const assignee = el("select", {}, el("option", { value: "", text: "— nobody —" }));
  for (const member of members) {
    assignee.append(el("option", { value: member.id, text: member.username, selected: value("assignee") === String(member.id) }));
  }
  form.append(
    field(claim, "claim_reviewed", FIELD_LABELS.claim_reviewed, el("textarea", { rows: 2, dir: "auto", text: value("claim_reviewed") })),
    field(claim, "claimant", "Claimant", el("input", { type: "text", dir: "auto", value: value("claimant") })),
    field(claim, "claim_date", "Claim date", el("input", { type: "date", value: value("claim_date") })),
    field(claim, "rating", "Rating", ratingSelect, ratingDescription(value("rating"))),
    field(claim, "conclusion", "Conclusion (Markdown)", el("textarea", { rows: 4, dir: "auto", text: value("conclusion") })),
    field(claim, "tags", "Tags (comma-separated)", el("input", { type: "text", dir: "auto", value: value("tags") })),
    field(claim, "assignee", "Assignee", assignee),
  );
  for (const name of merged.get(claim.id) ?? []) {
    const row = form.querySelector(`[data-field="${name}"]`);
    if (!row) continue;
    row.classList.add("merged");
    row.querySelector("label").append(el("span", { class: "badge merged-badge", text: mergedBadge(mergedBy.get(claim.id)) }));
  }
  for (const name of Object.keys(draft?.fields ?? {})) form.querySelector(`[data-field="${name}"]`)?.classList.add("edited");
  if (claim.wording_warning) {
    const warningId = `c${claim.id}-wording-warning`;
    form.firstElementChild.after(el("p", { class: "hint wording-warning", id: warningId, text: claim.wording_warning }));
    const wording = form.querySelector("[name=claim_reviewed]");
    wording.setAttribute("aria-describedby", [wording.getAttribute("aria-describedby"), warningId].filter(Boolean).join(" "));
  }
  const onInput = (event) => {
    const control = event.target;
    // A field a save has just redrawn still sends its change event (saved with Ctrl+Enter,
    // it never lost focus): that is not an edit, and `claim` is then the one before the save.
    if (!control.isConnected || !FIELDS.includes(control.name)) return;
    recordField(claims.get(claim.id) ?? claim, control.name, control.value);
    clearFieldError(claim.id, control.name);
    control.closest(".field")?.classList.toggle("edited", control.name in (drafts.get(claim.id)?.fields ?? {}));
    if (control.name === "rating") document.getElementById(`${control.id}-hint`).textContent = ratingDescription(control.value);
    if (control.name === "conclusion") schedulePreview(claim, control.value);
  };
  form.addEventListener("input", onInput);
  form.addEventListener("change", onInput);
  form.append(
    el(
      "p",
      { class: "actions" },
      // Ids, so that the keyboard stays on them when the card is drawn again (see refresh).
      el("button", { type: "submit", id: `c${claim.id}-save`, text: "Save" }),
      " ",
      el("button", { type: "button", id: `c${claim.id}-discard`, class: "secondary", text: "Discard changes", onclick: () => confirmDiscard(claim.id) }),
    ),
    statusLine(claim.id, "form"),
    statusLine(claim.id, "kept"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    confirmCorrection(claim, "form", () => saveClaim(claim.id));
  });

  const wrapper = el("div", { class: "card-body" });
  const stored = !drafts.has(claim.id) && !restoreDeclined.has(claim.id) ? storedDraft(claim.id) : null;
  if (stored) wrapper.append(restoreSection(claim, stored));
  if (claim.status === "published") {
    wrapper.append(
      el("p", {
        class: "published-notice",
        text: "Published: readers see this claim. Saving a change starts a correction; readers keep seeing the published version until a reviewer republishes it with a public note.",
      }),
    );
  }
  if (claim.changes_requested_at && claim.status === "draft" && claim.review_note) {
    wrapper.append(
      el(
        "section",
        { class: "review-note", "aria-labelledby": `c${claim.id}-review-note` },
        el("h3", { id: `c${claim.id}-review-note`, text: "Changes requested" }),
        el("p", { class: "review-note-text", text: claim.review_note }),
        el("p", { class: "hint", text: shortDate(claim.changes_requested_at) }),
      ),
    );
  }
  if (claim.published_version) wrapper.append(publishedSection(claim));
  if (claim.has_unpublished_changes) wrapper.append(unpublishedSection(claim));
  if (conflicts.has(claim.id)) wrapper.append(conflictSection(claim));
  wrapper.append(form);
  wrapper.append(conclusionPreview(claim));
  wrapper.append(
    ...[
      sourcesSection(claim),
      el("section", { class: "card-slot", "data-slot": "evidence", "data-claim-id": claim.id }),
      checklistSection(claim), // null once published or retracted: nothing left to check
      workflowSection(claim),
    ].filter(Boolean),
  );
  if (claim.anchor_state !== "anchored") wrapper.append(reattachSection(claim));
  wrapper.append(conversationSection(claim), historySection(claim));
  return wrapper;
}

function restoreSection(claim, stored) {
  const names = Object.keys(stored.fields || {}).map((name) => FIELD_LABELS[name] ?? name);
  const other = Object.keys(stored.aux || {}).length;
  const what = [...names, ...(other ? [`${other} other box${other === 1 ? "" : "es"}`] : [])].join(", ");
  const headingId = `c${claim.id}-restore`;
  return el(
    "section",
    { class: "restore-draft", "aria-labelledby": headingId },
    el("h3", { id: headingId, text: "Unsaved changes kept in this browser" }),
    el("p", { text: `From ${shortDate(stored.saved_at)}, on version ${stored.version}: ${what}.` }),
    el(
      "p",
      { class: "actions" },
      el("button", {
        type: "button",
        text: "Restore my changes",
        onclick: () => {
          drafts.set(claim.id, { version: stored.version, base: stored.base, fields: stored.fields || {}, aux: stored.aux || {} });
          // Taken over by this tab: stored again under its name at the next keystroke.
          forgetStored(claim.id, stored.key);
          persist(claim.id);
          setStatus(claim.id, "form", "Your unsaved changes are back. Save to keep them.");
          refresh();
          document.getElementById(`c${claim.id}-${Object.keys(stored.fields || {})[0] ?? "claim_reviewed"}`)?.focus({ preventScroll: true });
        },
      }),
      " ",
      el("button", {
        type: "button",
        class: "secondary",
        text: "Discard them",
        onclick: () => {
          restoreDeclined.add(claim.id);
          forgetStored(claim.id, stored.key);
          refresh({ focusCard: true });
        },
      }),
    ),
  );
}

function publishedSection(claim) {
  const version = claim.published_version;
  const retracted = version.kind === "retracted";
  const headingId = `c${claim.id}-published`;
  const who = version.published_by ? version.published_by.username : "the system";
  const when = shortDate(version.published_at);
  const section = el(
    "section",
    { class: `published-version${retracted ? " retracted" : ""}`, "aria-labelledby": headingId },
    el("h3", { id: headingId, text: `${retracted ? "Retracted" : "Published"} version (version ${version.number})` }),
    el("p", { class: "published-meta" }, ratingBadge(version.rating), ` ${retracted ? "Retracted" : "Published"} ${when} by ${who}`),
  );
  if (!version.is_anchored) {
    section.append(el("p", { class: "hidden-from-readers", text: "Hidden from readers: the article's words under it changed. Republish to show it again." }));
  }
  section.append(el("blockquote", { text: version.claim_reviewed, dir: "auto" }));
  const conclusion = el("div", { class: "conclusion-preview", "aria-label": "Published conclusion" });
  conclusion.innerHTML = version.conclusion_html; // sanitised on the server with nh3
  section.append(conclusion);
  if (version.correction) section.append(el("p", { class: "correction", text: `Correction shown to readers: ${version.correction}` }));
  return section;
}

function unpublishedSection(claim) {
  const headingId = `c${claim.id}-unpublished`;
  // What readers see meanwhile: a verdict hidden since the article's words changed is not
  // shown, and a claim retracted, then sent back to review, still shows readers its retraction.
  const live = claim.published_version;
  const hidden = live && !live.is_anchored;
  const shown = hidden ? "Readers see no verdict on this claim" : live?.kind === "retracted" ? "Readers see the retraction" : "Readers see the published version";
  return el(
    "section",
    { class: "unpublished-changes", "aria-labelledby": headingId },
    el("h3", { id: headingId, text: "Changes not yet published" }),
    el("ul", {}, ...claim.unpublished_changes.map((change) => el("li", { text: change }))),
    el("p", {
      class: "hint",
      text: canPublish
        ? `${shown} until this is republished with a correction note.`
        : `${shown} until a reviewer republishes this with a correction note. Send it to review when ready.`,
    }),
  );
}

/** Before the first change to a published claim, say what it means and ask to go on. */
function confirmCorrection(claim, place, proceed) {
  if (claim.status !== "published" || correctionConfirmed.has(claim.id)) {
    proceed();
    return;
  }
  const id = `c${claim.id}-confirm`;
  const box = el("div", { class: "confirm-correction", role: "alertdialog", "aria-labelledby": id });
  const go = el("button", {
    type: "button",
    text: "Continue: prepare a correction",
    onclick: () => {
      correctionConfirmed.add(claim.id);
      box.remove();
      proceed();
    },
  });
  const cancel = el("button", { type: "button", class: "secondary", text: "Cancel", onclick: () => box.remove() });
  box.append(
    el("p", { id, text: "This claim is published. Your change will not be shown to readers yet: it goes through review, and a reviewer republishes it with a public correction note." }),
    el("p", { class: "actions" }, go, " ", cancel),
  );
  document.querySelector(`#claim-${claim.id} .confirm-correction`)?.remove();
  document.getElementById(`c${claim.id}-${place}-status`)?.before(box);
  go.focus();
}

// ---- conflicts ------------------------------------------------------------------

function conflictSection(claim) {
  const state = conflicts.get(claim.id);
  const headingId = `c${claim.id}-conflicts`;
  // Every change was this editor's own, from another window or tab: not "someone else's".
  const ownChanges = state.conflicts.every((conflict) => conflict.theirs_by === data.me.username);
  const section = el(
    "section",
    { class: "conflicts", "aria-labelledby": headingId },
    el("h3", { id: headingId, text: ownChanges ? "You changed the same fields in another window" : "Someone else changed the same fields" }),
    el("p", {
      class: "hint",
      text: ownChanges
        ? "Nothing was saved yet. For each field, keep this window's or take the one saved from the other, then save. Your other changes are kept."
        : "Nothing was saved yet. For each field, keep yours or take theirs, then save. Your other changes are kept.",
    }),
  );
  for (const conflict of state.conflicts) {
    const name = conflict.field;
    const yours = fromApi(name, conflict.yours);
    const theirs = fromApi(name, conflict.theirs);
    const legendId = `c${claim.id}-conflict-${name}`;
    const when = conflict.theirs_at ? shortDate(conflict.theirs_at) : "";
    const theirsLabel = ownChanges
      ? `Saved from your other window${when ? ` (${when})` : ""}: `
      : `Theirs (${personName(conflict.theirs_by)}${when ? `, ${when}` : ""}): `;
    const choice = (value, text) =>
      el(
        "label",
        { class: "choice" },
        el("input", {
          type: "radio",
          name: `c${claim.id}-choice-${name}`,
          value,
          checked: state.choices[name] === value,
          onchange: () => {
            state.choices[name] = value;
          },
        }),
        ` ${text}`,
      );
    const box = el(
      "fieldset",
      { class: "conflict", "aria-labelledby": legendId },
      el("legend", { id: legendId, text: conflict.label || FIELD_LABELS[name] || name }),
      el("div", { class: "conflict-value yours" }, el("strong", { text: "Yours: " }), el("span", { text: displayValue(name, yours) })),
      el("div", { class: "conflict-value theirs" }, el("strong", { text: theirsLabel }), el("span", { text: displayValue(name, theirs) })),
    );
    if (TEXT_FIELDS.has(name) || name === "tags") {
      box.append(
        el("div", { class: "conflict-value difference" }, el("strong", { text: "From yours to theirs: " }), renderDiff(wordDiff(yours, theirs))),
      );
    }
    box.append(el("div", { class: "choices" }, choice("yours", "Keep mine"), choice("theirs", "Take theirs")));
    section.append(box);
  }
  section.append(
    el(
      "p",
      { class: "actions" },
      el("button", { type: "button", text: "Save with these choices", onclick: () => resolveConflicts(claim.id) }),
    ),
  );
  return section;
}

function showConflicts(id, body) {
  if (body.current) claims.set(id, body.current);
  const previous = conflicts.get(id);
  const choices = {};
  for (const conflict of body.conflicts) choices[conflict.field] = previous?.choices[conflict.field] ?? "yours";
  conflicts.set(id, { current_version: body.current_version, conflicts: body.conflicts, choices });
  // Their changes to fields in no conflict show on the card now: marked as merged from now.
  const draft = drafts.get(id);
  if (body.current && draft?.base) {
    const conflicted = new Set(body.conflicts.map((conflict) => conflict.field));
    const others = FIELDS.filter(
      (name) => !conflicted.has(name) && !(name in draft.fields) && !sameValue(name, formValue(body.current, name), draft.base[name]),
    );
    if (others.length) merged.set(id, others);
    mergedBy.delete(id);
  }
  const names = body.conflicts.map((c) => c.label || FIELD_LABELS[c.field] || c.field).join(", ");
  const own = body.conflicts.every((conflict) => conflict.theirs_by === data.me.username);
  const what = own ? `you changed ${names} in another window too` : `someone else also changed ${names}`;
  setStatus(id, "form", `Not saved: ${what}. Choose, field by field, which version to keep.`, { error: true });
  refresh();
  document.getElementById(`claim-${id}`)?.querySelector(".conflicts input")?.focus({ preventScroll: true });
  scrollCardIntoView(document.querySelector(`#claim-${id} .conflicts`));
}

async function resolveConflicts(id) {
  const state = conflicts.get(id);
  const draft = drafts.get(id);
  if (!state || !draft) return;
  try {
    const fresh = await api("GET", `/api/v1/newsroom/claims/${id}/`);
    claims.set(id, fresh);
    for (const conflict of state.conflicts) {
      if (state.choices[conflict.field] === "theirs") delete draft.fields[conflict.field];
      else draft.fields[conflict.field] ??= fromApi(conflict.field, conflict.yours);
    }
    // Their changes to fields in no conflict come in too: marked, as a merge without a
    // conflict marks them, not taken in without a word.
    const conflicted = new Set(state.conflicts.map((conflict) => conflict.field));
    const others = FIELDS.filter(
      (name) => !conflicted.has(name) && !(name in draft.fields) && draft.base && !sameValue(name, formValue(fresh, name), draft.base[name]),
    );
    const mergedText = others.length ? ` Merged with ${mergedFrom()} to ${others.map(fieldName).join(", ")}.` : "";
    // Saved against the version the conflict was found on: a change made since is caught again.
    draft.version = state.current_version ?? fresh.version;
    draft.base = formValues(fresh);
    conflicts.delete(id);
    settleDraft(id);
    if (others.length) merged.set(id, others);
    mergedBy.delete(id);
    if (!hasFieldEdits(id)) {
      setStatus(id, "form", `Their version kept; nothing of yours was left to save.${mergedText}`);
      refresh();
      return;
    }
    if ((await saveClaim(id)) && others.length) {
      // With what the server merged meanwhile (a change made since the conflict was found).
      const all = [...new Set([...others, ...(merged.get(id) ?? [])])];
      merged.set(id, all);
      mergedBy.delete(id); // partly found here, by whom the server did not say
      setStatus(id, "form", `Saved. Merged with ${mergedFrom()} to ${all.map(fieldName).join(", ")}.`);
      refresh();
    }
  } catch (error) {
    setStatus(id, "form", `Could not reload the claim: ${errorText(error)}`, { error: true });
  }
}

// ---- checklist and workflow -----------------------------------------------------

/** What the page can tell when the server does not send the checklist. */
function localChecklist(claim) {
  const items = [
    { key: "rating", label: "A rating", met: Boolean(claim.rating) },
    { key: "conclusion", label: "A conclusion", met: Boolean((claim.conclusion || "").trim()) },
    { key: "source", label: "At least one source", met: (claim.sources || []).length > 0 },
  ];
  if (data.two_person_review) {
    items.push({
      key: "second_person",
      label: "Published by a second person",
      met: canPublish && claim.creator?.id !== data.me.id,
      detail: "The newsroom requires someone other than the claim's creator to publish it.",
    });
  }
  return items;
}

function publishState(claim) {
  const checklist = claim.checklist ?? localChecklist(claim);
  if ("viewer_can_publish" in claim) {
    return { checklist, allowed: claim.viewer_can_publish, reason: claim.publish_blocked_reason || "" };
  }
  const missing = checklist.filter((item) => !item.met && !item.advisory);
  let reason = "";
  if (!canPublish) reason = "Only reviewers and admins publish; send it to review.";
  else if (missing.length) reason = `Missing: ${missing.map((m) => m.label.toLowerCase()).join(", ")}.`;
  return { checklist, allowed: canPublish && missing.length === 0, reason };
}

function checklistSection(claim) {
  if (!["draft", "in_review"].includes(claim.status)) return null;
  const { checklist, allowed, reason } = publishState(claim);
  const headingId = `c${claim.id}-checklist`;
  // An advisory item asks for a look (a source that did not load) and stops nothing.
  const mark = (item) => (item.met ? ["met", "✓", "Done: "] : item.advisory ? ["advisory", "!", "Check: "] : ["unmet", "✗", "Missing: "]);
  const items = checklist.map((item) => {
    const [state, symbol, said] = mark(item);
    return el(
      "li",
      { class: state },
      el("span", { class: "check-mark", "aria-hidden": "true", text: symbol }),
      el("span", { class: "visually-hidden", text: said }),
      item.label,
      item.detail && !item.met ? el("span", { class: "hint", text: ` — ${item.detail}` }) : null,
    );
  });
  return el(
    "section",
    { class: "checklist", "aria-labelledby": headingId },
    el("h3", { id: headingId, text: "Before publishing" }),
    el("ul", {}, ...items),
    !allowed && reason ? el("p", { class: "publish-blocked", id: `c${claim.id}-publish-blocked`, text: reason }) : null,
  );
}

function workflowSection(claim) {
  const section = el("section", { class: "workflow", "aria-label": "Workflow" }, el("h3", { text: "Workflow" }));
  const buttons = el("p", { class: "actions" });
  const note = el("textarea", { rows: 2, dir: "auto", "data-keep": "" });
  const move = (to, label, { needsNote = false, blocked = "" } = {}) =>
    el("button", {
      type: "button",
      // An id, so that the keyboard stays on it when the card is drawn again (a save first).
      id: `c${claim.id}-move-${to}`,
      text: label,
      "aria-disabled": blocked ? "true" : false,
      "aria-describedby": blocked ? `c${claim.id}-publish-blocked` : false,
      onclick: () => {
        if (blocked) {
          // The source missing may be the one typed below and not added yet.
          const typed = typedSource(claim.id) ? " The source you typed is not added yet: press “Add source” first." : "";
          setStatus(claim.id, "workflow", `${blocked}${typed}`, { error: true });
          return;
        }
        transition(claim.id, to, needsNote ? note.value : "");
      },
    });
  const live = claim.published_version;
  const liveIsPublished = live && live.kind === "published";
  const mine = claim.creator?.id === data.me.id;
  const publish = publishState(claim);
  let noteLabel = null;
  if (claim.status === "draft") {
    buttons.append(move("in_review", "Send to review"));
    if (!live && !claim.published_number) {
      buttons.append(el("button", { type: "button", class: "danger", text: "Delete draft", onclick: () => deleteDraft(claim.id) }));
    }
  }
  if (claim.status === "in_review") {
    if (canPublish && !mine) {
      buttons.append(el("button", { type: "button", class: "secondary", text: "Request changes", onclick: () => requestChanges(claim.id) }));
    } else if (canPublish || mine) {
      // An editor takes out of review only a claim they made.
      buttons.append(move("draft", "Back to draft"));
    }
    const blocked = publish.allowed ? "" : publish.reason || "You cannot publish this claim.";
    if (live && claim.has_unpublished_changes) {
      if (canPublish || publish.allowed) {
        buttons.append(move("published", "Republish with correction", { needsNote: true, blocked }));
        noteLabel = "Correction note (public; readers see what changed, then “because” and your words)";
      }
    } else if (canPublish || mine) {
      buttons.append(move("published", "Publish", { blocked }));
    }
  }
  // A published claim is not "sent back": readers keep its version until a correction is
  // republished, and only a retraction takes it down.
  if (canPublish && liveIsPublished && claim.status !== "retracted") {
    buttons.append(move("retracted", "Retract", { needsNote: true }));
    noteLabel ??= "Correction note (public; for a retraction, read as “retracted because” and your words)";
  }
  if (claim.status === "retracted" && canPublish) buttons.append(move("in_review", "Back to review"));
  section.append(buttons);
  if (noteLabel) section.append(field(claim, "note", noteLabel, note));
  if (claim.status === "retracted") section.append(el("p", {}, "Correction: ", el("bdi", { text: claim.correction_note })));
  section.append(statusLine(claim.id, "workflow"));
  return section;
}

/**
 * Move a claim through the workflow, saving unsaved input first so none is left behind.
 * `requestingChanges`: the move is a reviewer's request for changes, its note typed in the dialog.
 */
async function transition(id, to, note, { requestingChanges = false, addTypedSource = false } = {}) {
  if (moving.has(id)) return;
  moving.add(id);
  try {
    // A save on its way changes the version the move must name: wait for its answer.
    if (saving.has(id)) {
      setStatus(id, "workflow", "Waiting for the save on its way…");
      if (!(await saving.get(id).finished)) {
        setStatus(id, "workflow", "Not moved: your changes are not saved yet (see above).", { error: true });
        return false;
      }
    }
    return await moveClaim(id, to, note, { requestingChanges, addTypedSource });
  } finally {
    moving.delete(id);
  }
}

/**
 * Before a reviewer publishes with unsaved changes to what readers see, under the
 * two-person rule: saving them first makes the reviewer their latest author, whom the rule
 * bars from publishing. Saved without a word, the publish was then refused and the edit
 * could not be taken back. A source typed and not added is such a change too. Returns true
 * to go on and publish (the changes discarded).
 */
async function publishOverOwnChanges(id) {
  // The fields readers see: under the two-person rule, whoever changes one last may not publish.
  const edited = Object.keys(drafts.get(id)?.fields ?? {}).filter((name) => data.public_fields?.includes(name));
  const source = typedSource(id);
  if (!data.two_person_review || (!edited.length && !source)) return true;
  const changes = [edited.length ? `changed ${edited.map(fieldName).join(", ")}` : "", source ? `typed the source ${source} without adding it` : ""];
  const answer = await ask({
    title: "Publish with your changes?",
    message: `You ${changes.filter(Boolean).join(", and ")}. In this newsroom a second person publishes every change: once yours are saved, another member publishes the claim, not you.`,
    choices: [
      { value: "save", label: "Save my changes for another member" },
      { value: "discard", label: "Discard them and publish", kind: "danger" },
      { value: "keep", label: "Keep editing", kind: "secondary" },
    ],
    focus: "keep",
    cancelValue: "keep",
  });
  if (answer === "discard") {
    // Only the changes named: an assignee changed, or a comment typed, is not thrown away.
    const draft = drafts.get(id);
    for (const name of edited) delete draft.fields[name];
    settleDraft(id);
    clearSourceForm(id);
    refresh();
    return true;
  }
  if (answer === "save" && (!hasFieldEdits(id) || (await saveClaim(id))) && (!source || (await addSource(id, typedSourceValues(id))))) {
    setStatus(id, "workflow", "Your changes are saved; another member publishes the claim now.");
    refresh();
  }
  return false;
}

// The moves that send a claim on, as a button would say them; a request for changes asks in its own dialog.
const MOVE_VERBS = { published: "publish", in_review: "send to review" };

/**
 * Before a move that sends the claim on (to review, published), a source typed in "Add
 * source" and not added: the move went without it, the address stayed in the box, and
 * nobody was told. Returns "add", "discard" or "keep" (stay and go on editing).
 */
async function askAboutTypedSource(id, to) {
  const verb = MOVE_VERBS[to];
  return ask({
    title: "Add the source you typed?",
    message: `You typed the source ${typedSource(id)} but did not add it.`,
    choices: [
      { value: "add", label: `Add it and ${verb}` },
      { value: "discard", label: `Discard it and ${verb}`, kind: "danger" },
      { value: "keep", label: "Keep editing", kind: "secondary" },
    ],
    focus: "add",
    cancelValue: "keep",
  });
}

async function moveClaim(id, to, note, how = {}) {
  if (to === "published" && !(await publishOverOwnChanges(id))) return false;
  // A request for changes asked about the typed source in its own dialog.
  let addTyped = Boolean(how.addTypedSource && typedSource(id));
  if (to in MOVE_VERBS && typedSource(id)) {
    const answer = await askAboutTypedSource(id, to);
    if (answer === "keep") return false;
    if (answer === "discard") clearSourceForm(id);
    addTyped = answer === "add";
    refresh();
  }
  if (hasFieldEdits(id)) {
    setStatus(id, "workflow", "Saving your changes first…");
    const saved = await saveClaim(id);
    if (!saved) {
      setStatus(id, "workflow", "Not moved: your changes are not saved yet (see above).", { error: true });
      return;
    }
  }
  if (addTyped) {
    setStatus(id, "workflow", "Adding your source first…");
    if (!(await addSource(id, typedSourceValues(id)))) {
      setStatus(id, "workflow", "Not moved: the source you typed is not added yet (see under “Add source”).", { error: true });
      return false;
    }
  }
  const claim = claims.get(id);
  setStatus(id, "workflow", "Saving…");
  try {
    const updated = await api("POST", `/api/v1/newsroom/claims/${id}/transition/`, { to, note }, { "If-Match": `"${claim.version}"` }, { timeout: data.write_timeout });
    movesUnanswered.delete(id);
    showMoved(id, updated, how);
    return true;
  } catch (error) {
    const unanswered = movesUnanswered.get(id);
    movesUnanswered.delete(id);
    // No answer, or one that may have come after the move was made (a connection cut, a proxy's
    // 502): asked again, a refusal because the claim is already there is this move landed.
    if (!(error instanceof ApiError) || error.status >= 500) movesUnanswered.set(id, { to, note, version: claim.version });
    if (
      error instanceof ApiError &&
      error.status === 412 &&
      error.body?.current?.status === to &&
      unanswered?.to === to &&
      unanswered.note === note &&
      unanswered.version === claim.version &&
      error.body.changed_by === data.me.username
    ) {
      // The same move asked again after its answer never came: that try did land, made by
      // this person from this version. Someone else's move is theirs to tell (below).
      showMoved(id, error.body.current, how);
      return true;
    }
    if (error instanceof ApiError && error.status === 412 && error.body?.current) {
      const current = error.body.current;
      claims.set(id, current);
      setStatus(id, "workflow", staleMoveText(id, claim, current, error.body.changed_by, to, how), { error: true });
      refresh();
      return false;
    }
    if (error instanceof ApiError && error.status === 403 && error.body?.role && error.body.role !== data.me.role) {
      roleChanged(id, error.body.role);
      return false;
    }
    setStatus(id, "workflow", errorText(error), { error: true });
    return false;
  }
}

/**
 * A move refused because this person's role changed since the page opened (a reviewer made
 * an editor): "Your role does not allow this step" alone left them pressing buttons that
 * were no longer theirs. The card says what their role now is, and is drawn for it.
 */
function roleChanged(id, role) {
  data.me.role = role;
  canPublish = PUBLISHING_ROLES.includes(role);
  // Whether each claim may be published was read under the old role: work it out anew until
  // the server says (the claim refused is asked for again).
  for (const claim of claims.values()) delete claim.viewer_can_publish;
  const now = ROLE_NAMES[role] ?? role;
  const what = canPublish ? "" : " Publishing, requests for changes and retractions are now for a reviewer or an admin.";
  setStatus(id, "workflow", `Your role in ${data.organization} changed: you are now ${now}.${what}`, { error: true });
  refresh();
  reloadClaim(id);
}

const ROLE_NAMES = { admin: "an admin", editor: "an editor", reviewer: "a reviewer" };

/** The card after its claim moved along the workflow: its note is spent, the move said. */
function showMoved(id, claim, { requestingChanges = false } = {}) {
  claims.set(id, claim);
  clearAux(id, `c${id}-note`);
  if (requestingChanges) clearAux(id, changesNoteKey(id));
  setStatus(id, "workflow", "");
  // The keyboard stays in the workflow, on the button now in place of the one pressed: on
  // the card, it went to the card's top with the next Tab, thousands of pixels up.
  refresh({ focusCard: true, focusIn: [`#claim-${id} section.workflow button`] });
  announce(`Claim is now ${STATUS_LABELS[claim.status].toLowerCase()}.`);
}

// Moves whose answer never came (no answer in time, a connection cut, a server error), by
// claim id: asked again, a refusal because the claim is already there is that move landed.
const movesUnanswered = new Map();

// Where the note of a request for changes is kept, in the card's unsaved input (and so in
// the browser's storage) from the first keystroke until it is sent: Cancel, Escape, a crash
// or someone else's move meanwhile threw away what the reviewer had written.
function changesNoteKey(id) {
  return `c${id}-changes-note`;
}

/**
 * A request-for-changes note the claim can no longer be sent back with (it left review:
 * published, sent back or taken back meanwhile) goes to the comment box, unsent, where it
 * shows and can still be sent; kept for a dialog that is no longer offered, it was out of
 * sight and the card said "Unsaved changes" about nothing it showed.
 */
function strandedNoteToComment(claim) {
  const draft = drafts.get(claim.id);
  const note = draft?.aux[changesNoteKey(claim.id)];
  // Still in review, it waits for the dialog, unless this person may no longer send it back
  // (their role changed): the card then offers no dialog (review R25). While the dialog is
  // open it stays there: moved by a redraw, then typed on, it reached the box twice.
  if (note === undefined || (claim.status === "in_review" && canPublish)) return;
  if (requestDialogOpen.has(claim.id)) return;
  const box = `c${claim.id}-comment`;
  const typed = draft.aux[box] ?? "";
  delete draft.aux[changesNoteKey(claim.id)];
  recordAux(claim, box, typed.trim() ? `${typed}\n\n${note}` : note);
}

// Claims whose Request changes dialog is open.
const requestDialogOpen = new Set();

async function requestChanges(id) {
  const claim = claims.get(id);
  const key = changesNoteKey(id);
  const keep = (text) => recordAux(claims.get(id) ?? claim, key, text.trim() ? text : "");
  // Unsaved edits would go with the send-back unseen (a changed rating the creator then
  // reads as the reviewer's): the reviewer says whether they go, as Publish asks.
  const edited = Object.keys(drafts.get(id)?.fields ?? {});
  const source = typedSource(id);
  const changes = [edited.length ? `changed ${edited.map(fieldName).join(", ")}` : "", source ? `typed the source ${source} without adding it` : ""].filter(Boolean);
  const edits = changes.length ? ` You ${changes.join(", and ")}, not saved yet: save it with the request, or discard it.` : "";
  requestDialogOpen.add(id);
  const answer = await ask({
    title: "Request changes",
    message: `Send “${claim.claim_reviewed || claim.exact}” back to draft; ${personName(claim.creator)} is told, with your note.${edits}`,
    input: { label: "What should change (required)", required: true, value: drafts.get(id)?.aux[key] ?? "", onInput: keep },
    choices: changes.length
      ? [
          { value: "send", label: "Save my changes and request changes" },
          { value: "discard", label: "Discard my changes and request changes", kind: "danger" },
          { value: "cancel", label: "Cancel", kind: "secondary" },
        ]
      : [
          { value: "send", label: "Request changes" },
          { value: "cancel", label: "Cancel", kind: "secondary" },
        ],
  }).finally(() => requestDialogOpen.delete(id));
  keep(answer.text);
  if (answer.value === "cancel") {
    if (answer.text.trim()) setStatus(id, "workflow", "Not sent. Your note is kept: “Request changes” shows it again.");
    return;
  }
  if (answer.value === "discard") {
    // Only the edits named: a comment typed on the card is not thrown away.
    const draft = drafts.get(id);
    for (const name of edited) delete draft.fields[name];
    settleDraft(id);
    if (source) clearSourceForm(id);
    refresh();
  }
  await transition(id, "draft", answer.text.trim(), { requestingChanges: true, addTypedSource: answer.value === "send" });
}

async function deleteDraft(id) {
  const claim = claims.get(id);
  const answer = await ask({
    title: "Delete this draft?",
    message: `“${claim.claim_reviewed || claim.exact}” and its sources, comments and history are deleted. This cannot be undone.`,
    choices: [
      { value: "delete", label: "Delete draft", kind: "danger" },
      { value: "cancel", label: "Keep it", kind: "secondary" },
    ],
    focus: "cancel",
  });
  if (answer !== "delete") return;
  try {
    await api("DELETE", `/api/v1/newsroom/claims/${id}/`, undefined, { "If-Match": `"${claims.get(id).version}"` });
    claims.delete(id);
    listGeneration++;
    discardDraft(id);
    activeId = null;
    refresh();
    announce("Draft deleted.");
    // A suggestion it was accepted from is open again: the Suggestions panel lists it.
    document.dispatchEvent(new CustomEvent("workspace:claim-deleted", { detail: { claimId: id } }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 412 && error.body?.current) claims.set(id, error.body.current);
    setStatus(id, "workflow", `Not deleted: ${errorText(error)}`, { error: true });
    refresh();
  }
}

function reattachSection(claim) {
  const button = el("button", {
    type: "button",
    text: "Re-attach to the selected words",
    onclick: () => {
      if (!currentSelection) {
        setStatus(claim.id, "reattach", "Select the words in the article first.");
        return;
      }
      const selection = currentSelection;
      confirmCorrection(claim, "reattach", () => reattach(claim, selection));
    },
  });
  return el("section", { class: "reattach", "aria-label": "Re-attach" }, el("p", { class: "actions" }, button), statusLine(claim.id, "reattach"));
}

async function reattach(claim, selection) {
  try {
    const updated = await api(
      "POST",
      `/api/v1/newsroom/claims/${claim.id}/reattach/`,
      { selectors: describe(selection.start, selection.end) },
      { "If-Match": `"${claims.get(claim.id).version}"` },
    );
    claims.set(updated.id, updated);
    refresh({ focusCard: true });
    announce("Claim re-attached.");
  } catch (error) {
    setStatus(claim.id, "reattach", errorText(error), { error: true });
  }
}

// ---- sources --------------------------------------------------------------------

const FETCH_LABELS = {
  pending: "Waiting to fetch",
  fetching: "Fetching…",
  fetched: "Fetched",
  failed: "Fetch failed",
  refused: "Fetch refused",
};

function sourceState(source) {
  const parts = [];
  if (source.fetch_state && FETCH_LABELS[source.fetch_state]) {
    // The fetcher's reason may itself begin "refused:"; the label already says so. A reason
    // shows in every state: why a fetch failed, why it waits ("will try again: timed out"),
    // or what a fetched page lacks ("no text could be extracted").
    const reason = String(source.fetch_error || "").replace(/^refused:\s*/i, "");
    // A try that failed and waits for the next: said once as such, not as "Fetching…: will
    // try again: timed out", which read as both at once.
    const retrying = reason.match(/^will try again:\s*(.*)$/i);
    let text = `${FETCH_LABELS[source.fetch_state]}${reason ? `: ${reason}` : ""}`;
    if (retrying && source.fetch_state === "fetching") text = `Trying again… (last try: ${retrying[1]})`;
    else if (retrying && source.fetch_state === "pending") text = `Waiting to try again (last try: ${retrying[1]})`;
    parts.push(el("span", { class: `badge fetch-${source.fetch_state}`, text }));
  }
  const landed = redirectedTo(source);
  if (landed) {
    parts.push(
      el(
        "span",
        { class: "source-landed" },
        "Went to ",
        el("a", { href: landed.href, rel: "noopener noreferrer nofollow", target: "_blank", text: `${landed.host}${landed.pathname}${landed.search}` }),
      ),
    );
  }
  if (source.snapshot?.url) {
    parts.push(el("a", { href: source.snapshot.url, text: `Snapshot${source.snapshot.fetched_at ? ` of ${shortDate(source.snapshot.fetched_at)}` : ""}` }));
  }
  if (source.archive_url) parts.push(el("a", { href: source.archive_url, rel: "noopener noreferrer", target: "_blank", text: "Archived copy" }));
  // A link not checked yet says nothing a reader of the card needs ("Fetched · Link
  // unchecked" read as a contradiction); one checked says whether it still works.
  if (source.link_state && !["unknown", "unchecked"].includes(source.link_state)) {
    parts.push(el("span", { class: `badge link-${source.link_state}`, text: `Link ${String(source.link_state).replaceAll("_", " ")}` }));
  }
  if (!parts.length) return null;
  const line = el("span", { class: "source-state" });
  parts.forEach((part, i) => line.append(...(i ? [" · ", part] : [part])));
  return line;
}

// Where a fetched source's address led, when that is another page: a short link, a moved
// article, or a removed one that now sends readers to the site's front page. The card's link
// shows the page's title, so without this the editor would not see it. Only the scheme, a
// "www." or a final slash changing is the same page.
function redirectedTo(source) {
  if (source.fetch_state !== "fetched" || !source.final_url) return null;
  let from;
  let to;
  try {
    from = new URL(source.url);
    to = new URL(source.final_url);
  } catch {
    return null;
  }
  if (!["http:", "https:"].includes(to.protocol)) return null;
  const page = (url) => `${url.hostname.replace(/^www\./, "")}${url.pathname.replace(/\/+$/, "")}${url.search}`;
  return page(from) === page(to) ? null : to;
}

// "Fetch again": offered when the fetch failed or was refused (the site, or the rules, may
// have changed since) or its snapshot is over a day old; never while a fetch is on its way.
const REFETCH_AFTER_MS = 24 * 60 * 60 * 1000;
const FETCH_WATCH_MS = 1500;
const FETCH_WATCH_LIMIT_MS = 10 * 60 * 1000; // past the job's retries; the evidence panel goes on
// claim id -> {timer, sources: Map(source id -> when its watch began)}: one timer per claim,
// however many of its sources are on their way, so a second source never stops the first's.
const fetchWatches = new Map();

function canFetchAgain(source) {
  if (["failed", "refused"].includes(source.fetch_state)) return true;
  if (source.fetch_state !== "fetched" || !source.fetched_at) return false;
  return Date.now() - new Date(source.fetched_at).getTime() > REFETCH_AFTER_MS;
}

async function fetchAgain(id, source) {
  setStatus(id, "sources", "Asking for the source again…");
  try {
    // api() wants every write under a claim to name its version; a fetch leaves the claim
    // as it is, so the server does not hold it to that version.
    const result = await api("POST", `/api/v1/newsroom/claims/${id}/sources/${source.id}/fetch/`, undefined, { "If-Match": `"${claims.get(id).version}"` });
    const claim = claims.get(id);
    if (claim?.sources) claims.set(id, { ...claim, sources: claim.sources.map((s) => (s.id === result.source.id ? result.source : s)) });
    setStatus(id, "sources", result.detail);
    // The button goes while the fetch is on its way: keep the keyboard on the same source.
    refresh({ focusField: `c${id}-s${source.id}-link` });
    watchFetch(id, source.id);
  } catch (error) {
    setStatus(id, "sources", errorText(error), { error: true });
  }
}

// A fetch changes the source, not the claim's version, so the card's own poll misses it:
// reload the claim until each watched source's fetch ends, then say how it ended and let
// the evidence panel look again (a fetched source brings in the "Cited sources" provider).
function watchFetch(id, sourceId) {
  const watch = fetchWatches.get(id) ?? { timer: null, sources: new Map() };
  watch.sources.set(sourceId, Date.now());
  fetchWatches.set(id, watch);
  if (watch.timer === null) watch.timer = setTimeout(() => checkFetches(id), FETCH_WATCH_MS);
}

async function checkFetches(id) {
  const watch = fetchWatches.get(id);
  if (!watch) return;
  const asked = Date.now();
  if (!saving.has(id)) await reloadClaim(id);
  const sources = claims.get(id)?.sources ?? [];
  const ended = [];
  for (const [sourceId, started] of watch.sources) {
    const source = sources.find((s) => s.id === sourceId);
    // A source added while the claim was on its way is not in this answer yet.
    if (!source && started >= asked) continue;
    if (!source || asked - started > FETCH_WATCH_LIMIT_MS) watch.sources.delete(sourceId);
    else if (!saving.has(id) && !["pending", "fetching"].includes(source.fetch_state)) {
      watch.sources.delete(sourceId);
      ended.push(source);
    }
  }
  if (ended.length) {
    setStatus(id, "sources", ended.map((source) => `${FETCH_LABELS[source.fetch_state] ?? source.fetch_state}: ${source.title || source.url}`).join("; "));
    document.dispatchEvent(new CustomEvent("workspace:sources-changed", { detail: { claimId: id } }));
  }
  if (watch.sources.size) watch.timer = setTimeout(() => checkFetches(id), FETCH_WATCH_MS);
  else fetchWatches.delete(id);
}

function stanceSelect(selected) {
  const stance = el("select", {});
  for (const value of ["supports", "refutes", "context"]) stance.append(el("option", { value, text: value, selected: value === selected }));
  return stance;
}

/** The page a source is, wherever its address led: a short link and its article are one. */
function citedPage(source) {
  try {
    const url = new URL(source.fetch_state === "fetched" && source.final_url ? source.final_url : source.url);
    return `${url.hostname.replace(/^www\./, "")}${url.pathname.replace(/\/+$/, "")}${url.search}`;
  } catch {
    return null;
  }
}

function sourcesSection(claim) {
  const section = el("section", { class: "sources", "aria-label": "Sources" }, el("h3", { text: `Sources (${claim.sources.length})` }));
  const items = el("ul", {});
  const citedBefore = new Map(); // page -> the first source citing it
  for (const source of claim.sources) {
    const name = source.title || source.url;
    const page = citedPage(source);
    const earlier = page && citedBefore.get(page);
    if (page && !earlier) citedBefore.set(page, source);
    const item = el(
      "li",
      { "data-source": source.id },
      el("span", { class: `badge stance-${source.stance}`, text: source.stance }),
      " ",
      el("a", { href: source.url, id: `c${claim.id}-s${source.id}-link`, rel: "noopener noreferrer nofollow", target: "_blank", text: name }),
      source.quote ? el("q", { text: source.quote }) : null,
      sourceState(source),
      // Cited twice under two addresses (a short link and where it led), readers would see
      // one page listed as two sources.
      earlier ? el("span", { class: "hint same-page", text: `The same page as “${earlier.title || earlier.url}” above: readers would see it cited twice.` }) : null,
    );
    if (editingSources.has(source.id)) item.append(sourceEditForm(claim, source));
    else {
      item.append(
        el(
          "span",
          { class: "source-controls" },
          el("button", {
            type: "button",
            class: "link-button",
            text: "Edit",
            "aria-label": `Edit source ${name}`,
            onclick: () => {
              editingSources.set(source.id, sourceValues(source));
              refresh({ focusField: `c${claim.id}-s${source.id}-title` });
            },
          }),
          el("button", { type: "button", class: "link-button", text: "Remove", "aria-label": `Remove source ${name}`, onclick: () => removeSource(claim.id, source) }),
          canFetchAgain(source)
            ? el("button", { type: "button", class: "link-button fetch-again", text: "Fetch again", "aria-label": `Fetch again: ${name}`, onclick: () => fetchAgain(claim.id, source) })
            : null,
        ),
      );
    }
    items.append(item);
  }
  section.append(items, statusLine(claim.id, "sources"));
  const form = el("form", { class: "source-form" });
  const keep = (control) => {
    control.dataset.keep = "";
    return control;
  };
  // Neutral until the editor says otherwise, as the API's default is: a source added in a
  // hurry must not tell readers it supports the claim.
  const stance = keep(stanceSelect("context"));
  stance.dataset.initial = "context";
  form.append(
    field(claim, "url", "Source URL", keep(addressInput({ placeholder: "https://" }))),
    field(claim, "title", "Title", keep(el("input", { type: "text", dir: "auto" }))),
    field(claim, "quote", "Quoted passage", keep(el("textarea", { rows: 2, dir: "auto" }))),
    field(claim, "stance", "Stance", stance),
  );
  form.append(el("p", { class: "actions" }, el("button", { type: "submit", id: `c${claim.id}-add-source`, text: "Add source" })), statusLine(claim.id, "source-form"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // A double click sends one citation, not two.
    if (addingSource.has(claim.id)) return;
    const values = Object.fromEntries(new FormData(form));
    values.url = withScheme(values.url);
    confirmCorrection(claim, "source-form", () => addSource(claim.id, values));
  });
  section.append(form);
  return section;
}

const SOURCE_FORM_FIELDS = ["url", "title", "quote", "stance"];

/** Cite a source on the claim, as typed in its card's "Add source" form. True once added. */
async function addSource(id, values) {
  if (addingSource.has(id)) return false;
  addingSource.add(id);
  setStatus(id, "source-form", "Adding…");
  try {
    const known = new Set((claims.get(id).sources ?? []).map((source) => source.id));
    const updated = await api("POST", `/api/v1/newsroom/claims/${id}/sources/`, values, { "If-Match": `"${claims.get(id).version}"` });
    claims.set(updated.id, updated);
    clearSourceForm(id);
    setStatus(id, "source-form", "Source added.");
    // The claim's own fields keep what was typed in them: only the source form empties.
    refresh({ focusField: `c${id}-url` });
    // The new source is fetched in the background: follow it to the end, and have the
    // evidence panel look again now (it was idle, with nothing pending before).
    for (const source of updated.sources ?? []) if (!known.has(source.id)) watchFetch(id, source.id);
    document.dispatchEvent(new CustomEvent("workspace:sources-changed", { detail: { claimId: id } }));
    return true;
  } catch (error) {
    setStatus(id, "source-form", errorText(error), { error: true });
    return false;
  } finally {
    addingSource.delete(id);
  }
}

function clearSourceForm(id) {
  for (const name of SOURCE_FORM_FIELDS) clearAux(id, `c${id}-${name}`);
}

/** The address typed in the card's "Add source" form and not added yet; "" when none. */
function typedSource(id) {
  return String(drafts.get(id)?.aux[`c${id}-url`] ?? "").trim();
}

/** What the card's "Add source" form holds, as its button would send it. */
function typedSourceValues(id) {
  const aux = drafts.get(id)?.aux ?? {};
  const typed = Object.fromEntries(SOURCE_FORM_FIELDS.map((name) => [name, aux[`c${id}-${name}`] ?? ""]));
  return { ...typed, url: withScheme(typed.url), stance: typed.stance || "context" };
}

/** A web address field. Not type=url: the browser refused "www.example.org/report" with a
 * tooltip of its own, where the address only lacks its https:// (added by `withScheme`), and
 * other mistakes get the server's message beside the field. */
function addressInput(attributes) {
  return el("input", { type: "text", inputmode: "url", autocomplete: "url", spellcheck: "false", required: true, ...attributes });
}

/** "www.example.org/report" as "https://www.example.org/report": an address typed without
 * its scheme, whose first part is a host name. Anything else is sent as typed. */
function withScheme(address) {
  const typed = (address ?? "").trim();
  if (/^[a-z][a-z0-9+.-]*:(?!\d)/i.test(typed)) return typed; // a scheme, not a host's port
  return /^[^\s/:?#@]+\.[^\s/:?#@.]+(?:[/:?#]|$)/.test(typed) ? `https://${typed}` : typed;
}

function sourceEditForm(claim, source) {
  const prefix = `c${claim.id}-s${source.id}`;
  const control = (name, node, initial) => {
    node.id = `${prefix}-${name}`;
    node.name = name;
    node.dataset.keep = "";
    node.dataset.initial = initial;
    node.value = initial;
    return node;
  };
  const form = el(
    "form",
    { class: "source-edit" },
    el(
      "p",
      { class: "field" },
      el("label", { for: `${prefix}-url`, text: "Address (URL) of this source" }),
      control("url", addressInput({ "aria-describedby": `${prefix}-url-hint` }), source.url || ""),
      el("span", { class: "hint", id: `${prefix}-url-hint`, text: "Another address is fetched and archived anew; what the old page said no longer counts as evidence." }),
    ),
    el("p", { class: "field" }, el("label", { for: `${prefix}-title`, text: "Title of this source" }), control("title", el("input", { type: "text", dir: "auto" }), source.title || "")),
    el("p", { class: "field" }, el("label", { for: `${prefix}-quote`, text: "Quoted passage from this source" }), control("quote", el("textarea", { rows: 2, dir: "auto" }), source.quote || "")),
    el("p", { class: "field" }, el("label", { for: `${prefix}-stance`, text: "Stance of this source" }), control("stance", stanceSelect(source.stance), source.stance)),
    el(
      "p",
      { class: "actions" },
      el("button", { type: "submit", text: "Save source" }),
      " ",
      el("button", {
        type: "button",
        class: "secondary",
        text: "Cancel",
        onclick: () => {
          editingSources.delete(source.id);
          clearAux(claim.id, prefix);
          refresh({ focusCard: true });
        },
      }),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    values.url = withScheme(values.url);
    // What this editor changed is measured from the source as it was when the edit began:
    // a field someone else changed since, and this editor left alone, is not sent back.
    const base = editingSources.get(source.id) ?? sourceValues(source);
    const changed = Object.fromEntries(Object.entries(values).filter(([name, value]) => value !== base[name]));
    if (!Object.keys(changed).length) {
      editingSources.delete(source.id);
      clearAux(claim.id, prefix);
      setStatus(claim.id, "sources", "Nothing to save: no field of this source changed.");
      refresh({ focusCard: true });
      // The list shown may be older than the claim: a source removed meanwhile leaves it.
      reloadClaim(claim.id);
      return;
    }
    if (sourceClash(claim.id, source, changed)) return;
    confirmCorrection(claim, "sources", () => sourceWrite(claim.id, source, "PATCH", changed, prefix, { typed: values }));
  });
  return form;
}

const SOURCE_FIELDS = { url: "address", title: "title", quote: "quoted passage", stance: "stance" };

function sourceValues(source) {
  return Object.fromEntries(Object.keys(SOURCE_FIELDS).map((name) => [name, source[name] ?? ""]));
}

/**
 * Whether someone else changed, since this edit began, a field of the source this editor
 * changed too: then nothing is saved and both versions are said. The edit's starting point
 * moves to their version, so saving again keeps this editor's, by choice.
 */
function sourceClash(id, source, changed) {
  const base = editingSources.get(source.id);
  if (!base) return false;
  const now = sourceValues(source);
  const clashes = Object.keys(changed).filter((name) => now[name] !== base[name] && now[name] !== changed[name]);
  if (!clashes.length) return false;
  editingSources.set(source.id, now);
  const theirs = clashes.map((name) => `${SOURCE_FIELDS[name]} “${now[name] || "(empty)"}”`).join(", ");
  setStatus(id, "sources", `Not saved: someone else changed this source since you began editing it; it now has ${theirs}. Your version is still in the form: save again to keep yours, or Cancel to keep theirs.`, { error: true });
  return true;
}

async function removeSource(id, source) {
  const answer = await ask({
    title: "Remove this source?",
    message: `“${source.title || source.url}” is removed from the claim; its history keeps a record.`,
    choices: [
      { value: "remove", label: "Remove source", kind: "danger" },
      { value: "cancel", label: "Keep it", kind: "secondary" },
    ],
    focus: "cancel",
  });
  if (answer !== "remove") return;
  confirmCorrection(claims.get(id), "sources", () => sourceWrite(id, source, "DELETE", undefined, null));
}

async function sourceWrite(id, source, method, payload, prefix, { typed = null, retried = false } = {}) {
  setStatus(id, "sources", "Saving…");
  // Where the keyboard goes after: the source edited, or the one now in place of the one
  // removed (the last, when it was last), else the "Add source" address.
  const place = (claims.get(id)?.sources ?? []).findIndex((s) => s.id === source.id);
  try {
    const updated = await api(method, `/api/v1/newsroom/claims/${id}/sources/${source.id}/`, payload, { "If-Match": `"${claims.get(id).version}"` });
    claims.set(id, updated);
    editingSources.delete(source.id);
    if (prefix) clearAux(id, prefix);
    setStatus(id, "sources", method === "DELETE" ? "Source removed." : "Source saved.");
    const left = updated.sources ?? [];
    const near = method === "DELETE" ? left[Math.min(place, left.length - 1)] : source;
    const focusIn = [
      ...(near ? [`#claim-${id} li[data-source="${near.id}"] .source-controls button`] : []),
      `#c${id}-url`,
    ];
    refresh({ focusCard: true, focusIn });
    if (payload?.url) {
      // Another address: its page is fetched anew, and the evidence panel looks again.
      watchFetch(id, source.id);
      document.dispatchEvent(new CustomEvent("workspace:sources-changed", { detail: { claimId: id } }));
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 412 && error.body?.current) {
      claims.set(id, error.body.current);
      refresh();
      const now = (error.body.current.sources ?? []).find((each) => each.id === source.id);
      if (method === "PATCH" && typed && !now) {
        await sourceRemovedMeanwhile(id, source, prefix, typed);
        return;
      }
      if (method === "PATCH" && now && !retried) {
        // Someone changed the claim: if not this source's fields this editor changed, the
        // edit goes through, once, on the claim as it is now; if so, both versions are said.
        if (!sourceClash(id, now, payload)) await sourceWrite(id, now, method, payload, prefix, { typed, retried: true });
        return;
      }
    }
    if (error instanceof ApiError && error.status === 404 && method === "PATCH" && typed && claims.has(id)) {
      await sourceRemovedMeanwhile(id, source, prefix, typed);
      return;
    }
    setStatus(id, "sources", errorText(error), { error: true });
  }
}

/** The source edited was removed by someone else: what was typed moves to "Add source". */
async function sourceRemovedMeanwhile(id, source, prefix, typed) {
  editingSources.delete(source.id);
  clearAux(id, prefix);
  const claim = claims.get(id);
  for (const [name, value] of Object.entries(typed)) recordAux(claim, `c${id}-${name}`, value);
  await reloadClaim(id);
  setStatus(id, "sources", "Not saved: someone else removed this source meanwhile. What you typed is in the “Add source” form below: add it again, or clear the form.", { error: true });
  refresh({ focusField: `c${id}-url` });
}

// ---- conversation -----------------------------------------------------------------

function commentsUrl(id, commentId = null, action = "") {
  return `/api/v1/newsroom/claims/${id}/comments/${commentId ? `${commentId}/` : ""}${action ? `${action}/` : ""}`;
}

function commentHeaders(id) {
  return { "If-Match": `"${claims.get(id).version}"` };
}

const threadsStale = new Set(); // claims asked to load again while a load was on its way

async function loadThread(id, { render = true } = {}) {
  if (threads.get(id)?.state === "loading") {
    // The load on its way may have been answered before a comment saved since: one more
    // follows it, or that comment would not show until the card is opened again.
    threadsStale.add(id);
    return;
  }
  threads.set(id, { ...(threads.get(id) ?? { items: [] }), state: "loading" });
  try {
    const answer = await api("GET", commentsUrl(id));
    const items = Array.isArray(answer) ? answer : (answer?.results ?? []);
    threads.set(id, { state: "ready", items });
  } catch (error) {
    threads.set(id, { state: "error", items: [], error: errorText(error) });
  }
  if (threadsStale.delete(id)) {
    await loadThread(id, { render });
    return;
  }
  if (render && activeId === id) refresh();
}

function conversationSection(claim) {
  const thread = threads.get(claim.id) ?? { state: "loading", items: [] };
  const headingId = `c${claim.id}-conversation`;
  const top = thread.items.filter((c) => !c.parent);
  const section = el(
    "section",
    { class: "conversation", "aria-labelledby": headingId },
    el("h3", { id: headingId, text: `Conversation (${thread.items.filter((c) => !c.deleted).length})` }),
  );
  if (thread.state === "loading") section.append(el("p", { class: "hint", text: "Loading comments…" }));
  if (thread.state === "error") section.append(el("p", { class: "hint", text: `Comments could not be loaded: ${thread.error}` }));
  const threadsList = el("ol", { class: "comments" });
  for (const comment of top) {
    const replies = thread.items.filter((c) => c.parent === comment.id);
    const item = el("li", { class: `comment-thread${comment.resolved_at ? " resolved" : ""}` });
    const content = [commentView(claim, comment, true), el("ol", { class: "replies" }, ...replies.map((r) => el("li", {}, commentView(claim, r, false))))];
    if (replyingTo.get(claim.id) === comment.id) content.push(commentForm(claim, comment.id));
    if (comment.resolved_at) {
      item.append(
        el("details", {}, el("summary", { text: `Resolved by ${personName(comment.resolved_by)}, ${shortDate(comment.resolved_at)}: ${excerpt(comment.body)}` }), ...content),
      );
    } else item.append(...content);
    threadsList.append(item);
  }
  section.append(threadsList, commentForm(claim, null), statusLine(claim.id, "comments"));
  return section;
}

function excerpt(text) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
}

function commentView(claim, comment, isTop) {
  const bodyNode = el("div", { class: "comment-body", dir: "auto" });
  if (comment.deleted) bodyNode.append(el("em", { text: "Comment deleted." }));
  else bodyNode.innerHTML = comment.body_html; // sanitised on the server with nh3
  const edited = comment.edited_at && !comment.deleted ? el("span", { class: "hint", text: " (edited)" }) : null;
  const view = el(
    "article",
    { class: "comment", id: `comment-${comment.id}`, "aria-label": `Comment by ${personName(comment.author)}` },
    el("p", { class: "comment-meta" }, el("strong", { text: personName(comment.author) }), ` · ${shortDate(comment.created_at)}`, edited),
  );
  if (editingComments.has(comment.id)) {
    view.append(commentEditForm(claim, comment));
    return view;
  }
  view.append(bodyNode);
  const actions = el("p", { class: "comment-actions" });
  // A deleted first comment closes its thread to replies (the API refuses them).
  if (isTop && !comment.resolved_at && !comment.deleted) {
    actions.append(
      el("button", {
        type: "button",
        class: "link-button",
        text: "Reply",
        onclick: () => {
          replyingTo.set(claim.id, comment.id);
          refresh({ focusField: `c${claim.id}-reply-${comment.id}` });
        },
      }),
    );
  }
  if (comment.can_edit && !comment.deleted) {
    actions.append(
      el("button", {
        type: "button",
        class: "link-button",
        text: "Edit",
        "aria-label": `Edit your comment of ${shortDate(comment.created_at)}`,
        onclick: () => {
          editingComments.add(comment.id);
          refresh({ focusField: `c${claim.id}-edit-${comment.id}` });
        },
      }),
      el("button", { type: "button", class: "link-button", text: "Delete", "aria-label": `Delete your comment of ${shortDate(comment.created_at)}`, onclick: () => deleteComment(claim.id, comment) }),
    );
  }
  if (isTop && !comment.deleted) {
    const resolved = Boolean(comment.resolved_at);
    actions.append(
      el("button", {
        type: "button",
        class: "link-button",
        text: resolved ? "Reopen thread" : "Resolve thread",
        onclick: () => commentWrite(claim.id, "POST", commentsUrl(claim.id, comment.id, "resolve"), { resolved: !resolved }, null),
      }),
    );
  }
  if (actions.childNodes.length) view.append(actions);
  return view;
}

function commentForm(claim, parent) {
  const id = parent ? `c${claim.id}-reply-${parent}` : `c${claim.id}-comment`;
  const area = el("textarea", { id, name: "body", rows: 3, dir: "auto", "data-keep": "" });
  const form = el(
    "form",
    { class: "comment-form" },
    el("label", { for: id, text: parent ? "Your reply (Markdown; @name to mention)" : "Add a comment (Markdown; @name to mention)" }),
    area,
    attachMentions(area, members),
    el(
      "p",
      { class: "actions" },
      el("button", { type: "submit", text: parent ? "Reply" : "Comment" }),
      parent
        ? el("button", {
            type: "button",
            class: "secondary",
            text: "Cancel",
            onclick: () => {
              replyingTo.delete(claim.id);
              clearAux(claim.id, id);
              refresh({ focusCard: true });
            },
          })
        : null,
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!area.value.trim()) return;
    const payload = parent ? { body: area.value, parent } : { body: area.value };
    commentWrite(claim.id, "POST", commentsUrl(claim.id), payload, id).then((ok) => {
      if (ok === true && parent) replyingTo.delete(claim.id);
      if (ok) refresh();
    });
  });
  return form;
}

function commentEditForm(claim, comment) {
  const id = `c${claim.id}-edit-${comment.id}`;
  const area = el("textarea", { id, name: "body", rows: 3, dir: "auto", "data-keep": "", "data-initial": comment.body, text: comment.body });
  const form = el(
    "form",
    { class: "comment-form" },
    el("label", { for: id, text: "Edit your comment" }),
    area,
    attachMentions(area, members),
    el(
      "p",
      { class: "actions" },
      el("button", { type: "submit", text: "Save comment" }),
      el("button", {
        type: "button",
        class: "secondary",
        text: "Cancel",
        onclick: () => {
          editingComments.delete(comment.id);
          clearAux(claim.id, id);
          refresh({ focusCard: true });
        },
      }),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    commentWrite(claim.id, "PATCH", commentsUrl(claim.id, comment.id), { body: area.value }, id).then((ok) => {
      if (ok === true) {
        editingComments.delete(comment.id);
        refresh();
      }
    });
  });
  return form;
}

async function deleteComment(id, comment) {
  const answer = await ask({
    title: "Delete your comment?",
    message: excerpt(comment.body),
    choices: [
      { value: "delete", label: "Delete comment", kind: "danger" },
      { value: "cancel", label: "Keep it", kind: "secondary" },
    ],
    focus: "cancel",
  });
  if (answer === "delete") await commentWrite(id, "DELETE", commentsUrl(id, comment.id), undefined, null);
}

/** Send a comment change, then reload the thread; clears the kept box `keepId` on success. */
// Writes on their way, by form (or by request when no form): a second click or Enter
// before the first answer would otherwise post the comment, and its mentions, twice.
const commentWritesInFlight = new Set();

async function commentWrite(id, method, url, payload, keepId) {
  const key = keepId ?? `${method} ${url}`;
  if (commentWritesInFlight.has(key)) return false;
  commentWritesInFlight.add(key);
  setStatus(id, "comments", "Saving…");
  try {
    try {
      await api(method, url, payload, commentHeaders(id));
    } finally {
      // Only until the server has answered: the next comment, typed while the thread
      // reloads, must go through rather than be dropped without a word.
      commentWritesInFlight.delete(key);
    }
    // Words typed into the box while it was sent were not sent: they stay, to send next.
    const box = keepId ? document.getElementById(keepId) : null;
    const sent = payload?.body;
    const typedSince = Boolean(box) && sent !== undefined && box.value.trim() !== sent.trim();
    if (!typedSince && keepId) clearAux(id, keepId);
    // A new comment's box empties now, not after the thread reloads: a second click
    // meanwhile finds nothing to send.
    if (method === "POST" && box) {
      let rest = "";
      if (typedSince) rest = box.value.startsWith(sent) ? box.value.slice(sent.length).trimStart() : box.value;
      box.value = rest;
      if (typedSince) recordAux(claims.get(id), keepId, rest);
    }
    setStatus(id, "comments", typedSince ? `${method === "POST" ? "Sent" : "Saved"}. What you typed since is still in the box, not yet sent.` : "");
    await loadThread(id);
    const full = await api("GET", `/api/v1/newsroom/claims/${id}/`);
    claims.set(id, full);
    refresh();
    // "kept": sent, with more typed since, so the box stays open for it.
    return typedSince ? "kept" : true;
  } catch (error) {
    setStatus(id, "comments", errorText(error), { error: true });
    return false;
  }
}

// ---- history ----------------------------------------------------------------------

function historySection(claim) {
  const items = el("ol", { class: "history" });
  for (const event of claim.history) {
    const who = personName(event.actor ?? "the system");
    const when = shortDate(event.at ?? event.created_at);
    const item = el("li", {});
    if (event.sentence) {
      // The server writes whole sentences ("… by rita, 2 Dec 10:14"); older ones lack the end.
      const whole = event.sentence.includes(` by ${who}`) ? event.sentence : `${event.sentence} by ${who}, ${when}`;
      item.append(el("span", { class: "history-sentence", text: whole }));
      for (const change of Array.isArray(event.changes) ? event.changes : []) {
        if (!change.diff) continue;
        item.append(el("div", { class: "history-diff" }, el("span", { class: "hint", text: `${change.label || change.field}: ` }), renderDiff(change.diff)));
      }
    } else {
      item.append(el("span", { class: "history-sentence", text: `${legacySentence(event)} by ${who}, ${when}` }));
    }
    items.append(item);
  }
  return el("details", { class: "history-section" }, el("summary", { text: `History (${claim.history.length})` }), items);
}

/** A readable line for an event from a server that does not write sentences. */
function legacySentence(event) {
  const changes = event.changes && typeof event.changes === "object" && !Array.isArray(event.changes) ? event.changes : {};
  const parts = Object.entries(changes).map(([name, value]) => {
    const label = (FIELD_LABELS[name] ?? name.replaceAll("_", " ")).replace(/^./, (c) => c.toUpperCase());
    if (Array.isArray(value) && value.length === 2) return `${label} changed from ${plain(value[0])} to ${plain(value[1])}`;
    return `${label}: ${plain(value)}`;
  });
  const action = String(event.action || "changed").replaceAll("_", " ");
  return parts.length ? `${action.replace(/^./, (c) => c.toUpperCase())}: ${parts.join("; ")}` : action.replace(/^./, (c) => c.toUpperCase());
}

function plain(value) {
  if (value === null || value === undefined || value === "") return "nothing";
  if (typeof value === "object" && "sha256" in value) return value.changed ? `“${value.changed}”` : "a long text";
  if (typeof value === "object") return Array.isArray(value) ? value.map(plain).join(", ") : (value.label ?? value.username ?? "a value");
  return `“${STATUS_LABELS[value] ?? value}”`;
}

// ---- saving ----------------------------------------------------------------

/** Save the card's changed fields; resolves true when nothing unsaved is left. */
/** Code points in `text`, as the server counts a field's length (an emoji is one). */
function codePoints(text) {
  let pairs = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) pairs++;
  }
  return text.length - pairs;
}

/** The API's "too long" errors for `payload`, worded as it words them; null if none. */
function overLimits(payload) {
  const errors = {};
  for (const [name, limit] of Object.entries(data.text_limits || {})) {
    const text = payload[name];
    // A text no longer in UTF-16 units than the limit has no more code points either.
    if (typeof text !== "string" || text.length <= limit) continue;
    const length = codePoints(text);
    if (length <= limit) continue;
    const count = (n) => n.toLocaleString("en-US");
    errors[name] = [`At most ${count(limit)} characters for ${FIELD_LABELS[name].toLowerCase()}; this has ${count(length)}.`];
  }
  return Object.keys(errors).length ? errors : null;
}

async function saveClaim(id, attempt = 1, only = null) {
  // A save already on its way (a slow connection): this one waits for its answer, then
  // sends what is still unsaved. Ignored, a second Save said "Saved." over newer input,
  // and "Save changes" before opening another card opened nothing. Two waiting saves take
  // turns: the second waits for the first's, rather than send the same change again.
  savesAwaitingNetwork.delete(id); // saved now, or failing again for its own reason
  for (let earlier = saving.get(id); earlier; earlier = saving.get(id)) {
    setStatus(id, "form", "Saving… (after the save already on its way)");
    const saved = await earlier.finished;
    if (!saved || !hasFieldEdits(id)) return saved;
  }
  const draft = drafts.get(id);
  if (!draft || !Object.keys(draft.fields).length) {
    setStatus(id, "form", "Nothing to save: no field changed.");
    return true;
  }
  // `only`: the fields of a save that failed offline, sent again as they were (not what was
  // typed since, which nobody asked to save).
  const sent = only ?? { ...draft.fields };
  const payload = Object.fromEntries(Object.entries(sent).map(([name, text]) => [name, toApi(name, text)]));
  const tooLong = overLimits(payload);
  if (tooLong) {
    // The server's own answer, at once: a 10 MB paste took seconds to upload to be refused.
    const saveFocused = document.activeElement?.id === `c${id}-save`;
    setStatus(id, "form", showFieldErrors(id, { status: 400, body: { errors: tooLong } }), { error: true });
    refresh();
    if (saveFocused) document.querySelector(`#claim-${id} .field.invalid [name]`)?.focus();
    return false;
  }
  const keepalive = JSON.stringify(payload).length <= KEEPALIVE_MAX_CHARS;
  const entry = { fields: sent, keepalive };
  saving.set(id, entry);
  // Settles with this save's outcome (retries included), for a save or a move waiting on it.
  entry.finished = sendSave(id, draft, sent, payload, keepalive, attempt);
  return entry.finished;
}

async function sendSave(id, draft, sent, payload, keepalive, attempt) {
  setStatus(id, "form", "Saving…");
  try {
    const updated = await api("PATCH", `/api/v1/newsroom/claims/${id}/`, payload, { "If-Match": `"${draft.version}"` }, { keepalive, timeout: data.write_timeout });
    saving.delete(id);
    const before = claims.get(id);
    claims.set(id, updated);
    // Only what was sent is saved; anything typed meanwhile stays unsaved.
    for (const [name, text] of Object.entries(sent)) if (draft.fields[name] === text) delete draft.fields[name];
    draft.version = updated.version;
    draft.base = formValues(updated);
    conflicts.delete(id);
    fieldErrors.delete(id);
    settleDraft(id);
    const others = updated.merged_fields ?? [];
    if (others.length) merged.set(id, others);
    else merged.delete(id);
    mergedBy.set(id, updated.merged_by);
    const mergedText = others.length ? ` Merged with ${mergedFrom(updated.merged_by)} to ${others.map(fieldName).join(", ")}.` : "";
    setStatus(id, "form", `Saved.${mergedText}${publishedMeanwhileText(before, updated)}`);
    refresh();
    return true;
  } catch (error) {
    // Offline, the device says when it is back (see "online" below); a server that fails or
    // is down is asked for about half a minute, as long as a database restart takes (G14).
    const attempts = navigator.onLine === false ? 4 : 7;
    if ((!(error instanceof ApiError) || error.status >= 500) && attempt < attempts) {
      // Network down or server error: the same fields are sent again a few times, under
      // this same save (a Discard meanwhile keeps them, and what is typed meanwhile waits
      // for the next Save), then it says so.
      const delay = Math.min(10_000, 1000 * 2 ** (attempt - 1));
      setStatus(id, "form", `Could not save (${errorText(error)}). Your edits are kept; retrying in ${delay / 1000} s…`, { error: true });
      saving.get(id).waiting = true; // nothing is on its way while it waits
      await new Promise((resolve) => setTimeout(resolve, delay));
      saving.get(id).waiting = false;
      return sendSave(id, draft, sent, payload, keepalive, attempt + 1);
    }
    saving.delete(id);
    if (error instanceof ApiError && error.status === 409 && String(error.body?.type).endsWith("/published-meanwhile/")) {
      // Published while this was typed: the change would reopen that publication, which this
      // editor never chose. Ask; saving then goes through the usual merge with the claim now.
      const problem = error.body;
      // The card shows the claim as it is now (published), with the editor's input kept.
      if (problem.current) claims.set(id, problem.current);
      setStatus(id, "form", `Not saved yet. ${problem.detail}`, {
        error: true,
        action: {
          label: "Save as a correction",
          run: () =>
            Promise.resolve(mergeHere(id, problem, 1)).then((ok) => {
              if (ok) setStatus(id, "form", "Saved as a draft of a correction: readers keep the published version until a reviewer republishes it.");
            }),
        },
      });
      refresh();
      return false;
    }
    if (error instanceof ApiError && error.status === 409 && Array.isArray(error.body?.conflicts)) {
      showConflicts(id, error.body);
      return false;
    }
    if (error instanceof ApiError && error.status === 412 && error.body?.current) {
      return mergeHere(id, error.body, attempt);
    }
    if (error instanceof ApiError && error.status === 404) {
      // Deleted from another window (or access lost): say so, and keep what was typed.
      setStatus(id, "form", "This claim no longer exists: someone deleted it, or you can no longer see it. What you typed is still in the fields; copy what you need before closing the card.", { error: true });
      return false;
    }
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
      const saveFocused = document.activeElement?.id === `c${id}-save`;
      setStatus(id, "form", showFieldErrors(id, error), { error: true });
      refresh();
      // From Save, go to the first field to correct, which reads its message.
      if (saveFocused) document.querySelector(`#claim-${id} .field.invalid [name]`)?.focus();
      return false;
    }
    // Sent again by itself when the browser is back online (what this save sent, if still
    // unchanged then); until then, or if the server was what failed, "Try again" is at hand.
    const offline = navigator.onLine === false;
    if (offline) savesAwaitingNetwork.set(id, sent);
    const later = offline ? " and saved when the connection is back" : "";
    setStatus(id, "form", `Could not save (${errorText(error)}). Your edits are kept${later}.`, {
      error: true,
      action: { label: "Try again", run: () => saveClaim(id) },
    });
    return false;
  }
}

/**
 * What to add when a reviewer published the claim while this editor typed: the card asked
 * no correction question then, and the save has reopened the new publication as a draft.
 */
function publishedMeanwhileText(before, updated) {
  const published = updated.published_version;
  if (!published || before?.status === "published" || updated.status === "published") return "";
  if (before?.published_version?.number === published.number) return "";
  return " A reviewer published this claim while you were editing, so your change reopened it as a draft of a correction: readers keep the published version until a reviewer republishes it.";
}

/**
 * A server that refuses any stale version (412 with the current claim): do the three-way
 * merge here, field by field, against the version this editor started from.
 */
function mergeHere(id, problem, attempt) {
  const draft = drafts.get(id);
  const current = problem.current;
  claims.set(id, current);
  const found = [];
  for (const [name, yours] of Object.entries(draft.fields)) {
    const theirs = formValue(current, name);
    if (!sameValue(name, theirs, draft.base[name]) && !sameValue(name, theirs, yours)) {
      found.push({ field: name, label: FIELD_LABELS[name], base: toApi(name, draft.base[name]), yours: toApi(name, yours), theirs: toApi(name, theirs), theirs_by: personName(problem.changed_by) });
    }
  }
  if (found.length) {
    showConflicts(id, { current_version: current.version, conflicts: found });
    return false;
  }
  const others = FIELDS.filter((name) => !(name in draft.fields) && !sameValue(name, formValue(current, name), draft.base[name]));
  draft.version = current.version;
  draft.base = formValues(current);
  if (attempt > 3) {
    setStatus(id, "form", `${staleText({ body: problem })} Try saving again.`, { error: true });
    refresh();
    return false;
  }
  return saveClaim(id, attempt + 1).then((ok) => {
    if (ok && others.length) {
      merged.set(id, others);
      mergedBy.delete(id);
      setStatus(id, "form", `Saved. Merged with ${mergedFrom()} to ${others.map(fieldName).join(", ")}.`);
      refresh();
    }
    return ok;
  });
}

/**
 * Whose changes a save was merged with: "changes by demo-reviewer", "your changes from
 * another window" (the editor's own other tab is not someone else), or, when the server did
 * not say, "changes saved meanwhile".
 */
function mergedFrom(by) {
  if (!by?.length) return "changes saved meanwhile";
  const others = by.filter((name) => name !== data.me.username);
  if (!others.length) return "your changes from another window";
  const from = `changes by ${others.join(", ")}`;
  return others.length < by.length ? `${from} and from your other window` : from;
}

/** The field's short badge: "merged from rev", "merged from your other window". */
function mergedBadge(by) {
  if (!by?.length) return "merged meanwhile";
  const from = by.map((name) => (name === data.me.username ? "your other window" : name));
  return `merged from ${from.join(" and ")}`;
}

function fieldName(name) {
  return (FIELD_LABELS[name] ?? String(name).replaceAll("_", " ")).toLowerCase();
}

// A move as the card's buttons name it, for "it was not …" and "check it and … again".
const MOVES = {
  published: ["it was not published", "publish again"],
  draft: ["it was not taken back to draft", "take it back to draft again"],
  changes: ["your request for changes was not sent", "request changes again"],
  in_review: ["it was not sent to review", "send it to review again"],
  retracted: ["it was not retracted", "retract it again"],
};

/**
 * Why a workflow move was refused as stale (412), in words read from the claim the server
 * sent back: who did what meanwhile, what became of this move, what is left to do, and where
 * the note of a request for changes went. "Changed … since you opened it; try again" read as
 * nonsense to a reviewer whose claim a colleague had just published.
 */
function staleMoveText(id, before, current, changedBy, to, { requestingChanges = false } = {}) {
  const who = changedBy === data.me.username ? "You (in another window)" : personName(changedBy);
  const [notMade, again] = MOVES[requestingChanges ? "changes" : to];
  let text;
  if (current.status !== before.status || current.published_version?.number !== before.published_version?.number) {
    text = `${who} ${doneMeanwhile(before, current, changedBy)} meanwhile`;
    // The same move made by them: nothing of this one is left to make.
    text += current.status === to && !requestingChanges ? "." : `: ${notMade}.`;
  } else {
    text = `${who} ${changedMeanwhile(before, current)} meanwhile: check it and ${again}.`;
  }
  if (requestingChanges) {
    text +=
      current.status === "in_review"
        ? " Your note is kept: “Request changes” shows it again."
        : " Your note is in the comment box below, not sent: send it as a comment if it still applies.";
  }
  const draft = drafts.get(id);
  const otherInput = hasFieldEdits(id) || Object.entries(draft?.aux ?? {}).some(([key, value]) => key !== changesNoteKey(id) && String(value).trim());
  if (otherInput) text += " Your unsaved input on the card is kept.";
  return text;
}

/** The move someone made, as "published this claim" or "sent this claim back for changes". */
function doneMeanwhile(before, current, changedBy) {
  switch (current.status) {
    case "published":
      return before.published_version ? "republished this claim" : "published this claim";
    case "retracted":
      return "retracted this claim";
    case "draft":
      if (before.status !== "in_review") return "made this claim a draft again";
      return changedBy === current.creator?.username ? "took this claim back to draft" : "sent this claim back for changes";
    case "in_review":
      return before.status === "retracted" ? "sent this claim back to review" : "sent this claim to review";
    default:
      return "changed this claim";
  }
}

/** What someone changed on a claim that stayed where it was: "changed the rating to False". */
function changedMeanwhile(before, current) {
  const changed = [];
  const removed = [];
  for (const name of FIELDS) {
    const was = formValue(before, name);
    const now = formValue(current, name);
    if (sameValue(name, was, now)) continue;
    const what = `the ${fieldName(name)}`;
    if (now === "") removed.push(what);
    else if (TEXT_FIELDS.has(name) && name !== "claimant") changed.push(what);
    else changed.push(`${what} to ${displayValue(name, now)}`);
  }
  const sources = (claim) => JSON.stringify((claim.sources ?? []).map((source) => [source.id, source.url, source.stance]));
  if (before.sources && current.sources && sources(before) !== sources(current)) changed.push("the sources");
  const list = (items) => (items.length > 1 ? `${items.slice(0, -1).join(", ")} and ${items.at(-1)}` : items[0]);
  const parts = [changed.length ? `changed ${list(changed)}` : "", removed.length ? `removed ${list(removed)}` : ""].filter(Boolean);
  return parts.length ? parts.join(" and ") : "changed this claim";
}

function staleText(error) {
  const who = personName(error.body?.changed_by);
  return `This claim was changed by ${who} since you opened it.`;
}

function errorText(error) {
  if (error instanceof ApiError || error?.body) {
    const problem = error.body;
    if (error.status === 412) return staleText(error);
    if (error.status === 401) return problemMessage(problem, 401);
    if (problem && typeof problem === "object") {
      if (problem.errors && typeof problem.errors === "object") {
        const lines = Object.entries(problem.errors).flatMap(([name, messages]) =>
          (Array.isArray(messages) ? messages : [messages]).map((message) => {
            const text = typeof message === "string" ? message : (message?.message ?? message?.detail ?? "is not valid");
            return withFieldName(name, text);
          }),
        );
        if (lines.length) return lines.join(" ");
      }
      if (typeof problem.detail === "string" && problem.detail) return problem.detail;
    }
    return `server error ${error.status}`;
  }
  if (error instanceof RequestTimeout) return `the server did not answer within ${error.seconds} s`;
  // The browser tells an offline device apart; a server that is down looks the same to
  // fetch as a lost connection, but the person to ask is then not the Wi-Fi.
  return navigator.onLine === false ? "you are offline" : "the server could not be reached";
}


window.addEventListener("online", () => {
  for (const [id, sent] of savesAwaitingNetwork) {
    savesAwaitingNetwork.delete(id);
    // Only the fields that save sent, where they still hold what it sent: a field changed
    // or discarded since is the editor's to save.
    const draft = drafts.get(id);
    const still = Object.fromEntries(Object.entries(sent).filter(([name, text]) => draft?.fields[name] === text));
    if (Object.keys(still).length && !conflicts.has(id)) saveClaim(id, 1, still);
  }
});

function announce(message) {
  notice.replaceChildren(message);
  notice.hidden = false;
}

// ---- interaction ------------------------------------------------------------

function sheetLayout() {
  return window.matchMedia("(max-width: 900px)").matches;
}

/** Scroll the claims column (never the article) so that `node` shows. */
function scrollCardIntoView(node) {
  if (!node || sheetLayout()) return;
  const column = sidebar.getBoundingClientRect();
  const box = node.getBoundingClientRect();
  const top = Math.max(column.top, 0);
  const bottom = Math.min(column.bottom, window.innerHeight);
  if (box.top < top) sidebar.scrollTop -= top - box.top + 8;
  else if (box.bottom > bottom) sidebar.scrollTop += Math.min(box.bottom - bottom + 8, box.top - top - 8);
}

/** On a phone, move the page just enough that the highlight shows above the bottom sheet. */
function keepAboveSheet(mark, sheet) {
  if (!mark || !sheet) return;
  const top = sheet.getBoundingClientRect().top;
  const box = mark.getBoundingClientRect();
  // The selection toolbar sticks to the top of the window: words under it are as hidden as
  // words under the sheet (a claim opened from its address sat behind it on a phone).
  const toolbar = document.querySelector('[role="toolbar"][aria-label="Selection"]');
  const covered = Math.max(0, toolbar?.getBoundingClientRect().bottom ?? 0);
  if (box.bottom > top - 8) window.scrollBy({ top: box.bottom - top + 24 });
  else if (box.top < covered + 8) window.scrollBy({ top: box.top - covered - 24 });
}

/**
 * Draw the highlights and cards again, keeping the column's place and the keyboard's.
 * `focusIn`: selectors of where the keyboard goes next, the first found (a control the
 * action put in place of the one pressed), before `focusCard`.
 */
function redraw({ focusCard = false, focusField = null, focusIn = null }) {
  const focused = document.activeElement;
  const keep =
    focused && focused.id && sidebar.contains(focused)
      ? { id: focused.id, start: focused.selectionStart ?? null, end: focused.selectionEnd ?? null }
      : null;
  const scrolled = sidebar.scrollTop;
  // On a phone the open card is a bottom sheet that scrolls by itself, and drawn anew it
  // would open at its top, away from the field or button in use.
  const sheet = sheetLayout() ? sidebar.querySelector(".claim-card.active[id]") : null;
  const sheetScrolled = sheet ? { id: sheet.id, top: sheet.scrollTop } : null;
  const anchor = sectionAnchor(focused);
  const started = performance.now();
  renderHighlights();
  renderCards();
  document.documentElement.dataset.renderMs = String(performance.now() - started);
  sidebar.scrollTop = scrolled;
  const sheetAgain = sheetScrolled && document.getElementById(sheetScrolled.id);
  if (sheetAgain?.classList.contains("active")) sheetAgain.scrollTop = sheetScrolled.top;
  const next = (focusIn ?? []).map((selector) => sidebar.querySelector(selector)).find(Boolean);
  if (focusField) document.getElementById(focusField)?.focus({ preventScroll: true });
  else if (next) next.focus({ preventScroll: true });
  else if (focusCard && activeId !== null) document.getElementById(`claim-${activeId}`)?.focus({ preventScroll: true });
  else if (keep) {
    const again = document.getElementById(keep.id);
    if (again && again !== document.activeElement) {
      again.focus({ preventScroll: true });
      if (keep.start !== null && typeof again.setSelectionRange === "function") {
        try {
          again.setSelectionRange(keep.start, keep.end);
        } catch {
          // Inputs such as type=date have no caret.
        }
      }
    }
  }
  document.body.classList.toggle("sheet-open", activeId !== null && sheetLayout());
  document.dispatchEvent(new CustomEvent("workspace:rendered", { detail: { openClaimId: activeId } }));
  keepAnchorInPlace(anchor);
}

// What the last redraw kept in place, for a redraw soon after that finds the keyboard gone
// from the column (the control it was on drawn anew without an id).
let lastAnchor = null;

/** Where the control the keyboard or pointer was on sits on the screen, and its section. */
function sectionAnchor(focused) {
  let kept = null;
  if (focused && sidebar.contains(focused)) {
    const card = focused.closest(".claim-card[id]");
    const section = focused.closest("section[class], details[class], form[class]");
    if (card && section && card.contains(section)) {
      const own = focused.id ? [`#${CSS.escape(focused.id)}`] : [];
      kept = { cardId: card.id, selectors: [...own, `#${card.id} ${section.localName}.${section.classList[0]}`] };
    }
  } else if (
    focused === document.body &&
    lastAnchor?.cardId === `claim-${activeId}` &&
    performance.now() - lastAnchor.at < ANCHOR_KEPT_MS
  ) {
    kept = lastAnchor;
  }
  if (!kept) return null;
  lastAnchor = { ...kept, at: performance.now() };
  // The control itself if it is drawn again, else the section around it.
  return kept.selectors
    .map((selector) => ({ selector, node: sidebar.querySelector(selector) }))
    .filter(({ node }) => node)
    .map(({ selector, node }) => ({ selector, top: node.getBoundingClientRect().top }));
}
const ANCHOR_KEPT_MS = 5000;

/** Scroll so that the anchored control, or its section, stays where it was on the screen: a
 * button pressed low in a long card changes what is above it (a checklist, the panels filled
 * on "workspace:rendered", a source's fetch state), and it moved away from the pointer. */
function keepAnchorInPlace(anchors) {
  for (const anchor of anchors ?? []) {
    const node = sidebar.querySelector(anchor.selector);
    if (!node) continue;
    const scroller = cardScroller(node);
    if (scroller) scroller.scrollTop += node.getBoundingClientRect().top - anchor.top;
    return;
  }
}

function activate(id, { focusCard = false, scrollText = false, focusIn = null } = {}) {
  if (id !== activeId) merged.delete(activeId);
  activeId = id;
  refresh({ focusCard, focusIn });
  if (id !== null) {
    const opened = document.getElementById(`claim-${id}`);
    const mark = body.querySelector(`mark[data-claim="${id}"]`);
    if (sheetLayout()) keepAboveSheet(mark, opened);
    else {
      scrollCardIntoView(opened);
      if (scrollText) mark?.scrollIntoView({ block: "nearest" });
    }
    if (claims.get(id)?.history !== undefined && !threads.has(id)) loadThread(id);
  }
}

/** Open claim `id` (or close with null), asking first when the open card has unsaved input. */
async function requestActivate(id, options = {}) {
  if (activeId !== null && id !== activeId && isDirty(activeId)) {
    const leaving = activeId;
    const ok = await settleBeforeLeaving(leaving);
    if (!ok) {
      document.getElementById(`claim-${leaving}`)?.focus({ preventScroll: true });
      return false;
    }
  }
  activate(id, options);
  return true;
}

/** Ask what to do with a card's unsaved input: save it, discard it, or keep editing. */
async function settleBeforeLeaving(id) {
  const claim = claims.get(id);
  const draft = drafts.get(id);
  const names = Object.keys(draft?.fields ?? {}).map((n) => FIELD_LABELS[n]);
  const boxes = Object.values(draft?.aux ?? {}).filter((v) => String(v).trim()).length;
  const what = [...names, ...(boxes ? [`${boxes} unsent box${boxes === 1 ? "" : "es"} (source, note or comment)`] : [])].join(", ");
  const choices = [];
  if (names.length) choices.push({ value: "save", label: "Save changes" });
  choices.push({ value: "discard", label: "Discard changes", kind: "danger" }, { value: "keep", label: "Keep editing", kind: "secondary" });
  const answer = await ask({
    title: "Unsaved changes",
    message: `The claim “${claim?.claim_reviewed || claim?.exact || ""}” has unsaved changes: ${what}.`,
    choices,
    focus: names.length ? "save" : "keep",
    cancelValue: "keep",
  });
  if (answer === "keep") return false;
  if (answer === "discard") {
    discardDraft(id);
    return true;
  }
  // Unsent boxes (a comment, a source) stay kept in the draft: only "Discard" drops them.
  return saveClaim(id);
}

async function confirmDiscard(id) {
  if (!isDirty(id)) return;
  // A save on its way cannot be called back: say so, rather than "discarded" and then "Saved.".
  const onItsWay = saving.has(id);
  const answer = await ask({
    title: "Discard your changes?",
    message: onItsWay
      ? "Your last Save is already on its way and will be kept; only what you typed after it is thrown away."
      : "Everything typed in this card since the last save is thrown away.",
    choices: [
      { value: "discard", label: "Discard changes", kind: "danger" },
      { value: "keep", label: "Keep editing", kind: "secondary" },
    ],
    focus: "keep",
    cancelValue: "keep",
  });
  if (answer !== "discard") return;
  const inFlight = saving.get(id);
  if (inFlight && drafts.has(id)) {
    // The fields on their way stay in the draft, as sent, until their answer: a retry, a
    // merge or a conflict after a failed send still has them, and the draft keeps the
    // version that save was made on, so what is typed next is saved on top of it.
    const draft = drafts.get(id);
    draft.fields = { ...inFlight.fields };
    draft.aux = {};
    conflicts.delete(id);
    fieldErrors.delete(id);
    settleDraft(id);
  } else {
    discardDraft(id);
  }
  setStatus(id, "form", inFlight ? "Changes typed after your last Save discarded; that save is still on its way." : "Changes discarded.");
  refresh({ focusCard: true, focusIn: [`#c${id}-discard`] });
}

// True from the first "c" or click until the server answers: a second press meanwhile
// (the selection is still there) would otherwise make the same claim twice.
let creatingClaim = false;

async function createClaim() {
  if (creatingClaim) return;
  // Read the selection now: a fast typist's "c" can beat the last selectionchange event.
  const selection = readSelection() || currentSelection;
  if (!selection) return;
  creatingClaim = true;
  let reloading = false;
  try {
    if (activeId !== null && isDirty(activeId) && !(await settleBeforeLeaving(activeId))) return;
    reloading = await postClaim(selection);
  } finally {
    // While the page reloads on the newer text, a press would make the claim again.
    if (!reloading) creatingClaim = false;
  }
}

/** A claim is published in its own words, at most `wording_max` characters: say so before
 *  asking the server, whose answer ("give the claim's wording") this page has no field for. */
// Letters and digits that make up words; in scripts written without spaces every
// character is a word of its own, so no selection there cuts one.
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
const UNSPACED_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

function cutsWordAt(offset) {
  const before = textChars[offset - 1];
  const after = textChars[offset];
  return Boolean(before && after && WORD_CHAR.test(before) && WORD_CHAR.test(after) && !UNSPACED_CHAR.test(before) && !UNSPACED_CHAR.test(after));
}

/** The words a selection cuts short (shift+arrow stops where the key was let go), or "". */
function cutWordsWarning({ start, end }) {
  const cut = [];
  if (cutsWordAt(start)) {
    let to = start;
    while (to < end && !/\s/.test(textChars[to])) to++;
    cut.push(`starts inside a word (“…${textChars.slice(start, to).join("")}”)`);
  }
  if (cutsWordAt(end)) {
    let from = end;
    while (from > start && !/\s/.test(textChars[from - 1])) from--;
    cut.push(`ends inside a word (“${textChars.slice(from, end).join("")}…”)`);
  }
  return cut.length ? ` The selection ${cut.join(" and ")}: widen it if you meant the whole word.` : "";
}

function tooLongSelection(length) {
  return `${length.toLocaleString("en")} characters selected: a claim's words are at most ${data.wording_max.toLocaleString("en")} characters. Select the sentence that makes the claim.`;
}

// Returns true when the page reloads to show the claim on a newer text.
async function postClaim(selection) {
  if (selection.end - selection.start > data.wording_max) {
    selectionStatus.textContent = `Not created: ${tooLongSelection(selection.end - selection.start)}`;
    return false;
  }
  makeClaimButton.disabled = true;
  selectionStatus.textContent = "Creating the claim…";
  try {
    const claim = await api("POST", `/api/v1/newsroom/articles/${data.article.id}/claims/`, {
      selectors: describe(selection.start, selection.end),
      // The text this page shows: if someone saved a newer one, the server follows the
      // selection into it, or says the words are gone, rather than guess by the quote alone.
      ...(data.article.revision ? { revision: data.article.revision } : {}),
    });
    if (data.article.revision && claim.revision_number !== data.article.revision) {
      // Someone saved a new text since this page opened: the server found the selected
      // words in it, but this page still shows the old text, where the new claim's place
      // would be wrong. Open the page again, on the new text, at the new claim's card.
      selectionStatus.textContent = `Claim created. The text changed since this page opened (now revision ${claim.revision_number}): opening the new text…`;
      window.location.hash = `claim-${claim.id}`;
      window.location.reload();
      return true;
    }
    claims.set(claim.id, claim);
    listGeneration++;
    threads.set(claim.id, { state: "ready", items: [] });
    window.getSelection().removeAllRanges();
    currentSelection = null;
    selectionStatus.textContent = "Claim created.";
    activate(claim.id, { focusCard: false });
    document.dispatchEvent(new CustomEvent("workspace:claim-created", { detail: { claimId: claim.id } }));
    document.getElementById(`c${claim.id}-claim_reviewed`)?.focus({ preventScroll: true });
  } catch (error) {
    makeClaimButton.disabled = false;
    // The words are a claim already (made here a moment ago, or in another window): that
    // claim is opened rather than a second one made.
    const same = error?.status === 409 && String(error.body?.type).includes("already-claimed") ? claims.get(error.body.claim) : null;
    if (same) {
      window.getSelection().removeAllRanges();
      currentSelection = null;
      selectionStatus.textContent = `Not created: these words are claim ${same.id} already, opened here.`;
      requestActivate(same.id, { focusCard: true, scrollText: true });
      return false;
    }
    const reload = error?.status === 409 && error.body?.claim ? " Reload the page to see it." : "";
    selectionStatus.textContent = `Not created: ${errorText(error)}${reload}`;
  }
  return false;
}

function step(direction) {
  const ordered = anchoredClaims();
  if (ordered.length === 0) return;
  const index = ordered.findIndex((c) => c.id === activeId);
  const next = index === -1 ? (direction > 0 ? 0 : ordered.length - 1) : (index + direction + ordered.length) % ordered.length;
  requestActivate(ordered[next].id, { focusCard: true, scrollText: true });
}

const reloadsSent = new Map(); // claim id -> number of the latest reload asked for
const reloadsShown = new Map(); // claim id -> number of the latest reload shown

async function reloadClaim(id) {
  if (!claims.has(id)) return;
  const ticket = (reloadsSent.get(id) ?? 0) + 1;
  reloadsSent.set(id, ticket);
  try {
    const full = await api("GET", `/api/v1/newsroom/claims/${id}/`);
    // Reloads overlap (a fetch being followed, the evidence panel): an older answer that
    // arrives late must not put a finished fetch back to "Fetching…".
    if (ticket < (reloadsShown.get(id) ?? 0)) return;
    reloadsShown.set(id, ticket);
    claims.set(id, full);
    refresh();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      claims.delete(id);
      if (activeId === id && !isDirty(id)) activeId = null;
      refresh();
    }
  }
}

/** The article's claims as the API lists them now. */
async function listedClaims() {
  const all = await api("GET", `/api/v1/newsroom/articles/${data.article.id}/claims/`);
  return Array.isArray(all) ? all : (all?.results ?? []);
}

async function reloadClaims(openClaimId = null, { focusCard = true } = {}) {
  listGeneration++;
  try {
    const items = await listedClaims();
    const newer = items.find((claim) => data.article.revision && claim.revision_number > data.article.revision);
    if (newer) {
      // Someone saved a new text since this page opened (a suggestion accepted there, or
      // claims re-anchored): their places count in it, and drawn on this older text they
      // would mark the wrong words. Open the page again, on the new text.
      selectionStatus.textContent = `The text changed since this page opened (now revision ${newer.revision_number}): opening the new text…`;
      if (openClaimId !== null && openClaimId !== undefined) window.location.hash = `claim-${openClaimId}`;
      window.location.reload();
      return;
    }
    const seen = new Set();
    for (const claim of items) {
      seen.add(claim.id);
      claims.set(claim.id, claim);
    }
    for (const id of [...claims.keys()]) if (!seen.has(id) && !isDirty(id)) claims.delete(id);
    if (openClaimId !== null && openClaimId !== undefined && claims.has(Number(openClaimId))) {
      await requestActivate(Number(openClaimId), { focusCard, scrollText: true });
    } else refresh();
  } catch (error) {
    announce(`Could not reload the claims: ${errorText(error)}`);
  }
}

document.addEventListener("workspace:reload-claim", (event) => reloadClaim(Number(event.detail?.claimId)));
// The evidence panel's "Add as source" writes to the claim: on a published one, the same
// question as the card's own "Add source" comes first.
document.addEventListener("workspace:confirm-correction", (event) => {
  const claim = claims.get(Number(event.detail?.claimId));
  if (claim) confirmCorrection(claim, "sources", () => event.detail.proceed(claim.version));
});
// Accepting a suggestion opens its new claim's card: the open card's unsaved input is
// settled first (save, discard or keep editing, which makes no claim), as for "c".
document.addEventListener("workspace:settle-open-card", async (event) => {
  event.detail.handled = true;
  const settled = activeId === null || !isDirty(activeId) || (await settleBeforeLeaving(activeId));
  event.detail.answer(settled);
});
document.addEventListener("workspace:reload-claims", (event) =>
  reloadClaims(event.detail?.openClaimId ?? null, { focusCard: event.detail?.focusCard ?? true }),
);

// The open card follows changes others make; unsaved input stays on top of them.
const POLL_MS = Number(window.workspacePollMs || 20000);
let lastFollowed = -Infinity;
async function followOpenCard() {
  const id = activeId;
  if (id === null || document.visibilityState !== "visible" || saving.has(id) || document.querySelector("dialog[open]")) return;
  const known = claims.get(id);
  if (!known || known.history === undefined || performance.now() - lastFollowed < 1000) return;
  lastFollowed = performance.now();
  try {
    const full = await api("GET", `/api/v1/newsroom/claims/${id}/`);
    if (full.version !== claims.get(id)?.version && activeId === id && !saving.has(id)) {
      claims.set(id, full);
      refresh();
    }
    if (data.article.revision && full.revision_number > data.article.revision) textChanged(full.revision_number);
  } catch (error) {
    // Deleted by someone else while open here: said now, not only when Save is pressed.
    // Unsaved input stays in the card, to be copied; a card with none goes.
    if (error instanceof ApiError && error.status === 404 && claims.has(id) && !deletedSaid.has(id)) {
      deletedSaid.add(id);
      if (isDirty(id)) {
        announce(`Claim ${id} was deleted by someone else. What you typed is still in its fields: copy what you need before closing the card.`);
      } else {
        announce(`Claim ${id} was deleted by someone else.`);
        reloadClaim(id);
      }
    }
    // Otherwise the next poll tries again.
  }
}
const deletedSaid = new Set();

/** Said once: the article has a newer text than this page shows (saved in another window). */
let textChangeSaid = 0;
function textChanged(revision) {
  if (revision <= textChangeSaid) return;
  textChangeSaid = revision;
  const reload = el("button", { type: "button", class: "link-button", text: "Reload the page", onclick: () => window.location.reload() });
  notice.replaceChildren(`The text changed since this page opened (now revision ${revision}). `, reload, " to see it and the claims on it; unsaved input is kept in this browser.");
  notice.hidden = false;
  // A text saved under published verdicts may wait for this member's look: the notice
  // with what changed, and its button, come at once, not after a reload (trial G12).
  refreshNotices(["text-awaiting", "details-awaiting"]);
}

/** Back in this window: claims made, deleted or moved to a new text elsewhere are shown. */
let lastListed = -Infinity;
async function followClaims({ askTheArticle = true } = {}) {
  if (document.visibilityState !== "visible" || performance.now() - lastListed < 5000) return;
  lastListed = performance.now();
  const generation = listGeneration;
  try {
    const items = await listedClaims();
    if (generation !== listGeneration) return;
    let newer = Math.max(0, ...items.map((claim) => claim.revision_number ?? 0));
    // A claim orphaned since this page drew it lost its words to a new text, but keeps the
    // revision it was last found on: when every claim did (one figure changed in the one
    // rated sentence), none tells the new text's number (trial G13).
    const lostHere = items.some((claim) => claim.anchor_state === "orphaned" && claims.has(claim.id) && claims.get(claim.id).anchor_state !== "orphaned");
    if (data.article.revision && newer <= data.article.revision && ((!items.length && askTheArticle) || lostHere)) {
      // No claim to tell the text's revision by: the article says it (with its text, which
      // only a window coming back to an article without claims asks for).
      newer = (await api("GET", `/api/v1/newsroom/articles/${data.article.id}/`)).revision ?? 0;
    }
    if (data.article.revision && newer > data.article.revision) return textChanged(newer);
    let changed = false;
    const seen = new Set(items.map((claim) => claim.id));
    for (const claim of items) {
      if (claims.has(claim.id)) continue;
      claims.set(claim.id, claim);
      changed = true;
    }
    for (const id of [...claims.keys()]) {
      if (seen.has(id) || isDirty(id) || id === activeId) continue;
      claims.delete(id);
      changed = true;
    }
    if (changed) refresh();
  } catch {
    // Looked at again on the next return to this window.
  }
}
setInterval(followOpenCard, POLL_MS);
// Claims a colleague makes appear in a window left open beside theirs too (a second
// screen), not only when this one is looked at again; never under a selection being made,
// which redrawing the text would undo.
setInterval(() => {
  if (draggingInText || currentSelection || !window.getSelection().isCollapsed) return;
  // Not the article itself (its whole text) every 20 s for a text with no claims yet.
  followClaims({ askTheArticle: false });
}, POLL_MS);
// Back from another window or tab (a colleague's, where the claim was just moved on): look
// at once rather than at the next poll, up to 20 s later.
for (const [target, type] of [[window, "focus"], [document, "visibilitychange"]]) {
  target.addEventListener(type, () => {
    followOpenCard();
    followClaims();
  });
}

// While the mouse drags out a selection the status line stays as it was: a line that
// changed length and wrapped (a cut-word warning, or a long message going) would move the
// text under the pointer, and the drag would select other words. It speaks on release.
let draggingInText = false;
body.addEventListener("pointerdown", (event) => {
  draggingInText = event.isPrimary;
});
window.addEventListener(
  "pointerup",
  () => {
    if (!draggingInText) return;
    draggingInText = false;
    showSelection();
  },
  { capture: true },
);

// The status line's words about the selection, told apart from an outcome it reports
// ("Claim created."), which stays when the selection goes.
let selectionWords = "";
// What the line says before anything is selected, said again once a selection goes.
const selectionHint = [...selectionStatus.childNodes].map((node) => node.cloneNode(true));

function showSelection() {
  currentSelection = readSelection();
  makeClaimButton.disabled = currentSelection === null;
  // Mid-drag the line stays put, even as the pressed mouse clears the old selection.
  if (draggingInText) return;
  if (!currentSelection) {
    // Gone (cleared by another panel, say): "21 characters selected. Press c" would
    // otherwise stay, under a disabled button and a "c" that does nothing.
    if (selectionWords && selectionStatus.textContent === selectionWords) {
      selectionStatus.replaceChildren(...selectionHint.map((node) => node.cloneNode(true)));
    }
    selectionWords = "";
    return;
  }
  const length = currentSelection.end - currentSelection.start;
  selectionWords =
    length > data.wording_max
      ? tooLongSelection(length)
      : `${length} characters selected. Press c or the button to make a claim.${cutWordsWarning(currentSelection)}`;
  selectionStatus.textContent = selectionWords;
}
document.addEventListener("selectionchange", showSelection);

makeClaimButton.addEventListener("click", createClaim);

body.addEventListener("click", (event) => {
  const mark = event.target.closest("mark[data-claim]");
  if (mark && window.getSelection().isCollapsed) {
    const id = Number(mark.dataset.claim);
    if (id !== activeId) requestActivate(id, { focusCard: true });
  }
});

/**
 * On a phone the open card is a bottom sheet over the page: Tab goes round inside it, as in
 * a dialog, rather than on to controls the sheet covers. Escape closes it; j/k move on.
 */
function keepTabInSheet(event) {
  const sheet = sheetLayout() && activeId !== null ? document.getElementById(`claim-${activeId}`) : null;
  if (!sheet) return;
  const stops = [...sheet.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")].filter(
    (node) => !node.disabled && node.tabIndex >= 0 && node.getClientRects().length > 0,
  );
  if (!stops.length) return;
  const [first, last] = [stops[0], stops[stops.length - 1]];
  const inside = sheet.contains(document.activeElement);
  if (event.shiftKey && (!inside || document.activeElement === first || document.activeElement === sheet)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
    event.preventDefault();
    first.focus();
  }
}

const shortcuts = document.getElementById("shortcuts-dialog");
function showShortcuts() {
  if (!shortcuts.open) shortcuts.showModal();
}
document.getElementById("show-shortcuts").addEventListener("click", showShortcuts);
shortcuts.addEventListener("keydown", (event) => event.stopPropagation());

document.addEventListener("keydown", (event) => {
  if (document.querySelector("dialog[open]")) return;
  if (event.key === "Tab" && !event.ctrlKey && !event.metaKey && !event.altKey) {
    keepTabInSheet(event);
    return;
  }
  const typing = event.target.closest?.("input, textarea, select");
  if (event.key === "Escape" && activeId !== null) {
    event.preventDefault();
    requestActivate(null, { focusCard: false }).then((closed) => {
      if (closed) body.focus({ preventScroll: true });
    });
    return;
  }
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && activeId !== null && typing?.closest(".claim-form")) {
    event.preventDefault();
    confirmCorrection(claims.get(activeId), "form", () => saveClaim(activeId));
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || typing) return;
  if (event.key === "?") {
    event.preventDefault();
    showShortcuts();
  } else if (event.key === "c" && (readSelection() || currentSelection)) {
    event.preventDefault();
    createClaim();
  } else if (event.key === "j") {
    event.preventDefault();
    step(1);
  } else if (event.key === "k") {
    event.preventDefault();
    step(-1);
  }
});

// Input whose save is on its way, untouched since, is not worth a "Leave site?": a small
// save goes with `keepalive`, so it lands whether the page stays or not, and a reload finds
// the input kept in storage and drops what was saved (`announceKept`), or offers it back if
// the save was refused. A large one would be cancelled with the page: that one still asks.
function onlyBeingSaved(id) {
  const { fields: sent, keepalive, waiting } = saving.get(id) ?? {};
  const draft = drafts.get(id);
  if (!sent || !keepalive || waiting || Object.values(draft.aux).some((v) => String(v).trim() !== "")) return false;
  const names = Object.keys(draft.fields);
  return names.length === Object.keys(sent).length && names.every((name) => draft.fields[name] === sent[name]);
}

window.addEventListener("beforeunload", (event) => {
  if ([...drafts.keys()].some((id) => isDirty(id) && !onlyBeingSaved(id))) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// ---- article details ---------------------------------------------------------------

const detailsDialog = document.getElementById("article-details-dialog");
const detailsForm = document.getElementById("article-details-form");
const detailsStatus = document.getElementById("article-details-status");
let articleDetails = null;
const DETAIL_FIELDS = ["title", "byline", "publisher", "canonical_url", "published_on", "language"];
// What each fact-check freezes when it is published (all but the language): changing any
// of them reopens the article's published claims as drafts of a correction.
const PUBLISHED_DETAIL_FIELDS = DETAIL_FIELDS.filter((name) => name !== "language");
const detailsPublished = document.getElementById("article-details-published");

// Claims readers see a published version of, corrections in progress included.
function publishedClaims() {
  return [...claims.values()].filter((claim) => (claim.published_version?.kind ?? claim.published_kind) === "published");
}

function publishedClaimCount() {
  return publishedClaims().length;
}

// What a change of the details does to the published claims: it reopens those not reopened
// already (the edit page words it the same way).
function publishedDetailsNotice() {
  const shown = publishedClaims();
  const count = shown.length;
  const reopened = shown.filter((claim) => claim.status !== "published").length;
  const live = count - reopened;
  const plural = (n, one, many) => (n === 1 ? one : many);
  let effect;
  if (reopened === count) {
    effect = `${plural(count, "It is", "They are")} reopened already as ${plural(count, "a draft", "drafts")} of a correction`;
  } else if (reopened) {
    effect = `Changing them reopens ${live} as ${plural(live, "a draft", "drafts")} of a correction; ${reopened} ${plural(reopened, "is", "are")} reopened already`;
  } else {
    effect = `Changing them reopens ${plural(count, "it", "each")} as a draft of a correction`;
  }
  return `${count} published fact-check${plural(count, " shows", "s show")} the title, byline, publisher, date and original URL as ${plural(count, "it was", "they were")} published. ${effect}; readers keep the published details until a reviewer republishes ${plural(count, "it", "them")}. The language applies now.`;
}

document.getElementById("edit-details").addEventListener("click", async () => {
  detailsStatus.textContent = "Loading…";
  clearFormErrors(detailsForm);
  detailsPublished.hidden = !publishedClaimCount();
  detailsPublished.textContent = publishedDetailsNotice();
  detailsDialog.showModal();
  try {
    articleDetails = await api("GET", `/api/v1/newsroom/articles/${data.article.id}/`);
    for (const name of DETAIL_FIELDS) detailsForm.elements[name].value = articleDetails[name] ?? "";
    detailsStatus.textContent = "";
    detailsForm.elements.title.focus();
  } catch (error) {
    detailsStatus.textContent = `Could not load the details: ${errorText(error)}`;
  }
});
document.getElementById("article-details-cancel").addEventListener("click", () => detailsDialog.close());
detailsDialog.addEventListener("keydown", (event) => event.stopPropagation());
detailsForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!articleDetails) return;
  const changed = {};
  for (const name of DETAIL_FIELDS) {
    const value = detailsForm.elements[name].value;
    if (value !== (articleDetails[name] ?? "")) changed[name] = name === "published_on" && !value ? null : value;
  }
  if (!Object.keys(changed).length) {
    detailsDialog.close();
    return;
  }
  detailsStatus.textContent = "Saving…";
  clearFormErrors(detailsForm);
  try {
    // A field someone else changed since the dialog opened is not replaced unseen: say
    // what they saved, keep this input, and let a second Save replace theirs knowingly.
    const now = await api("GET", `/api/v1/newsroom/articles/${data.article.id}/`);
    if (showDetailsClash(now, changed)) return;
    let updated;
    try {
      // Saved only over the details just read: a save landing in between answers 412.
      updated = await api("PATCH", `/api/v1/newsroom/articles/${data.article.id}/`, changed, { "If-Match": `"${now.details_tag}"` });
    } catch (error) {
      if (error instanceof ApiError && error.status === 412 && error.body?.current) {
        if (!showDetailsClash(error.body.current, changed)) {
          articleDetails = error.body.current;
          for (const name of DETAIL_FIELDS) {
            if (!(name in changed)) detailsForm.elements[name].value = articleDetails[name] ?? "";
          }
          detailsStatus.textContent = "Someone else saved these details a moment ago; yours were not saved. Save again to apply them.";
        }
        return;
      }
      throw error;
    }
    articleDetails = { ...articleDetails, ...(updated ?? changed) };
    document.getElementById("article-title").textContent = articleDetails.title;
    document.title = articleDetails.title;
    // As the server writes the line: byline, publisher, date (or its absence), revision.
    const revision = data.article.revision ? `revision ${data.article.revision}` : "";
    const meta = [articleDetails.byline, articleDetails.publisher, articleDetails.published_on || "no date found", revision].filter(Boolean);
    // Each part isolated, as the server writes them: a direction control in a byline (an
    // embedding left open) reordered the rest of the line.
    const line = meta.flatMap((part, index) => [...(index ? [" · "] : []), Object.assign(document.createElement("bdi"), { textContent: part })]);
    document.getElementById("article-meta").replaceChildren(...line);
    detailsDialog.close();
    if (publishedClaimCount() && PUBLISHED_DETAIL_FIELDS.some((name) => name in changed)) {
      // Their cards now say "draft of a correction", with what readers would see change,
      // and the notice above the text says which wait to be republished.
      await reloadClaims(null, { focusCard: false });
      await refreshNotices();
      announce("Article details saved. The published claims are reopened as drafts of a correction: a reviewer republishes them.");
    } else announce("Article details saved.");
  } catch (error) {
    // A refused field's message sits under that field; the status line names them.
    detailsStatus.textContent = error instanceof ApiError && error.status === 412 ? errorText(error) : showErrorsAtFields(detailsForm, error);
  }
});

/**
 * Whether someone else saved a detail this editor changed, to another value, since the
 * dialog opened; if so, say what they saved and keep only this editor's typing, so that a
 * second Save replaces theirs knowingly and writes no stale value back over the others.
 */
function showDetailsClash(now, changed) {
  const clashes = Object.keys(changed).filter(
    (name) => (now[name] ?? "") !== (articleDetails[name] ?? "") && (now[name] ?? "") !== (changed[name] ?? ""),
  );
  if (!clashes.length) return false;
  const saved = clashes.map((name) => `${fieldLabel(name)}: “${now[name] || "(empty)"}”`).join("; ");
  articleDetails = now;
  for (const name of DETAIL_FIELDS) {
    if (!(name in changed)) detailsForm.elements[name].value = now[name] ?? "";
  }
  detailsStatus.textContent = `Someone else changed this since you opened it. Saved now: ${saved}. Save again to replace it with yours.`;
  return true;
}

// The notices above the text as the server writes them now: of claims a details change
// reopened (it counts them, and offers a reviewer the republishing form) and of a new text
// waiting for a second look (what changed, and the button that shows it to readers), which
// this page cannot work out.
async function refreshNotices(ids = ["details-awaiting"]) {
  try {
    const response = await fetch(location.pathname, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ids) {
      const fresh = page.getElementById(id);
      const shown = document.getElementById(id);
      if (shown && fresh) shown.replaceWith(fresh);
      else if (shown) shown.remove();
      else if (fresh) document.querySelector('[role="toolbar"][aria-label="Selection"]').before(fresh);
    }
  } catch {
    // The notices stay as they were; the next page load shows them right.
  }
}

// ---- an import still running ---------------------------------------------------------

// The worker is importing this article (or trying its import again): open the new text
// when it is done, failed or not, rather than ask the editor to reload.
if (data.article.importing) {
  const shown = document.getElementById("import-retry");
  if (shown) shown.textContent = importRetryText(data.article.import_retry);
  const importTimer = setInterval(async () => {
    try {
      const now = await api("GET", `/api/v1/newsroom/articles/${data.article.id}/`);
      if (now.status !== "importing" && now.latest_import?.state !== "pending") {
        clearInterval(importTimer);
        window.location.reload();
        return;
      }
      // A page that does not answer is tried again for minutes: say so, and why.
      const retry = document.getElementById("import-retry");
      if (retry) retry.textContent = importRetryText(now.latest_import?.retry);
    } catch {
      // The next tick asks again.
    }
  }, 3000);
}

// ---- start ------------------------------------------------------------------------

// The body is contenteditable only to give keyboard users a caret for shift+arrow
// selection; every edit (typing, paste, drop, cut) is refused so the text never changes.
body.addEventListener("beforeinput", (event) => event.preventDefault());
body.addEventListener("drop", (event) => event.preventDefault());

const started = performance.now();
refresh();
document.documentElement.dataset.highlightsMs = String(performance.now() - started);
document.documentElement.dataset.workspaceReady = "true";

// A link to /articles/<id>/#claim-<cid> (dashboard, notifications) opens that card, on
// loading the page and when the address changes on it (a link in the page, back, forward).
function linkedClaim() {
  return Number((window.location.hash.match(/^#claim-(\d+)$/) || [])[1]);
}
/** Bring the open claim's words into view again after the browser scrolled to its card. */
function showLinkedWords(id) {
  if (activeId !== id) return;
  const mark = body.querySelector(`mark[data-claim="${id}"]`);
  if (sheetLayout()) keepAboveSheet(mark, document.getElementById(`claim-${id}`));
  else mark?.scrollIntoView({ block: "nearest" });
}
const linked = linkedClaim();
if (linked && claims.has(linked)) {
  activate(linked, { focusCard: true, scrollText: true });
  if (document.readyState !== "complete") {
    // The browser scrolls to the address's target (the card) once the page has loaded,
    // which took the claim's words out of view again: they are brought back then.
    window.addEventListener("load", () => showLinkedWords(linked), { once: true });
  }
}
// Following the address the page is already at (a notification's link pressed again, the
// address entered again) changes no hash, so no "hashchange" comes: the browser only
// scrolled to the card, and on a phone the claim's words stayed wherever the reader had
// scrolled. Where the browser reports navigations, that scroll is the workspace's own.
window.navigation?.addEventListener("navigate", (event) => {
  const { destination } = event;
  if (!event.canIntercept || !destination.sameDocument || destination.url !== window.location.href) return;
  const id = linkedClaim();
  if (!id || !claims.has(id)) return;
  event.intercept({
    scroll: "manual",
    handler: async () => {
      if (id !== activeId) await requestActivate(id, { focusCard: true, scrollText: true });
      showLinkedWords(id);
    },
  });
});
window.addEventListener("hashchange", async () => {
  const id = linkedClaim();
  if (!id || id === activeId) return;
  if (!claims.has(id)) {
    // A link to a claim made since this page opened (sent by a colleague): the list is read
    // again, and the claim opened if it is on this article.
    await reloadClaims(id);
    if (!claims.has(id)) announce(`Claim ${id} is not on this article: it was deleted, or belongs to another article.`);
    return;
  }
  requestActivate(id, { focusCard: true, scrollText: true });
});

// Input kept from an earlier visit: say so, and open the claim on request. The page's list
// carries no field values, so the claims with kept input are read first: input that a save
// took just before a reload is the claim's now, not unsaved.
async function announceKept() {
  const candidates = [...claims.keys()].filter((id) => storedDraft(id));
  if (!candidates.length) return;
  const read = await Promise.all(
    candidates.map((id) =>
      api("GET", `/api/v1/newsroom/claims/${id}/`).then(
        (full) => {
          // Not over a newer copy that came meanwhile (the card opened and saved, say).
          const current = claims.get(id);
          if (!current || (current.conclusion !== undefined && current.version > full.version)) return false;
          claims.set(id, full);
          return true;
        },
        () => false, // unreadable now: its input is offered, as before
      ),
    ),
  );
  if (read.some(Boolean)) refresh();
  const kept = candidates.filter((id) => claims.has(id) && storedDraft(id));
  if (!kept.length) return;
  // Its own part of the notice, first: what was said meanwhile (input of deleted claims, a
  // newer text) stays.
  const part = el("div", { class: "kept-drafts" }, `Unsaved changes from an earlier visit are kept in this browser for ${kept.length} claim${kept.length === 1 ? "" : "s"}: `);
  kept.forEach((id, i) => {
    const claim = claims.get(id);
    part.append(
      i ? ", " : "",
      el("button", { type: "button", class: "link-button", text: `open “${excerpt(claim.claim_reviewed || claim.exact)}”`, onclick: () => requestActivate(id, { focusCard: true, scrollText: true }) }),
    );
  });
  notice.prepend(part);
  notice.hidden = false;
}
announceKept();

/** Input stored for claims of this article that are gone (deleted since), from closed tabs. */
function orphanedDrafts() {
  const found = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith(STORAGE_PREFIX) || ownerAlive(key)) continue;
      const id = Number(key.slice(STORAGE_PREFIX.length).split(".")[0]);
      if (claims.has(id)) continue;
      try {
        const draft = JSON.parse(localStorage.getItem(key));
        if (draft?.article === data.article.id) found.push({ key, id, draft });
      } catch {
        // A damaged entry is no draft.
      }
    }
  } catch {
    // Storage disabled: nothing was stored.
  }
  return found;
}

/** What was typed for a deleted claim, in boxes to copy from, and a button to let it go. */
function orphanedDraftSection({ key, id, draft }) {
  const texts = Object.entries(draft.fields || {}).filter(([name]) => !["rating", "assignee"].includes(name));
  const other = Object.values(draft.aux || {}).filter((value) => String(value).trim());
  const headingId = `orphan-${id}`;
  const section = el("section", { class: "orphaned-draft", "aria-labelledby": headingId }, el("h3", { id: headingId, text: `Typed for a claim deleted since (from ${shortDate(draft.saved_at)})` }));
  const box = (label, value, n) =>
    el("p", {}, el("label", { for: `${headingId}-${n}`, text: label }), el("textarea", { id: `${headingId}-${n}`, rows: 3, readonly: true, text: String(value) }));
  texts.forEach(([name, value], n) => section.append(box(FIELD_LABELS[name] ?? name, value, n)));
  other.forEach((value, n) => section.append(box("Another box of the card", value, texts.length + n)));
  section.append(
    el("p", { class: "actions" }, el("button", {
      type: "button",
      class: "secondary",
      text: "Discard it",
      onclick: () => {
        try {
          localStorage.removeItem(key);
        } catch {
          // Nothing to forget.
        }
        const part = section.parentElement;
        section.remove();
        if (!part.querySelector(".orphaned-draft")) {
          part.remove();
          notice.hidden = !notice.textContent.trim();
        }
      },
    })),
  );
  return section;
}

// Input typed for a claim someone deleted meanwhile was kept, but offered nowhere: the card
// is gone. It is shown here to copy, until discarded.
const orphaned = orphanedDrafts();
if (orphaned.length) {
  const part = el("div", { class: "orphaned-drafts" });
  const show = el("button", {
    type: "button",
    class: "link-button",
    text: "show it",
    onclick: () => {
      show.remove();
      part.append(...orphaned.map(orphanedDraftSection));
      part.querySelector("textarea")?.focus();
    },
  });
  part.append(
    `Unsaved input for ${orphaned.length} claim${orphaned.length === 1 ? "" : "s"} deleted since is kept in this browser: `,
    show,
  );
  notice.append(part);
  notice.hidden = false;
}
