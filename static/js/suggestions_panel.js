// The workspace's Suggestions panel: the sentences the claim spotter found check-worthy.
// It lists the best ones above the server's threshold, outlines them in the text with the
// CSS Custom Highlight API (the article's DOM is never changed), and accepts or dismisses
// them by mouse or keyboard. Offsets are code points, as everywhere in the API.

import { api } from "./api.js";
import { holdWhilePressed } from "./lib/press_guard.js";

const panel = document.getElementById("suggestions-panel");
const dataElement = document.getElementById("workspace-data");
const body = document.getElementById("article-body");
// A redraw asked for while Accept or Dismiss is held down waits for its release.
const render = panel ? holdWhilePressed(panel, redraw) : () => {};

const PAGE = 10;
const POLL_MS = 1500;
const POLL_LIMIT = 80; // two minutes: a 5 MB article is scored in seconds...
const SLOW_POLL_MS = 10000; // ...unless no worker is free: then keep asking, less often

const state = {
  articleId: null,
  items: [],
  threshold: 0.5,
  pending: false,
  importing: false,
  waitingForWorker: false,
  order: localStorage.getItem("suggestions-order") || "document",
  shown: PAGE,
  outline: localStorage.getItem("suggestions-outline") !== "off",
  activeId: null,
  busy: new Set(),
  message: "",
  error: "",
  // A decision that did not go through, shown in the list where its suggestion was (the
  // status line above the list can be far out of view): { id } while the suggestion is still
  // listed, else { position, sentence }; and the reason.
  failure: null,
  // The suggestion dismissed last, while "Undo" may still take that back (a stray key).
  undoable: null,
  polls: 0,
  loaded: false,
  // The revision of the text this page shows, and the one the list's offsets count in.
  pageRevision: null,
  revision: null,
};

/** Whether the list counts offsets in another text than the one on this page. */
function textMoved() {
  return state.pageRevision !== null && state.revision !== null && state.revision !== state.pageRevision;
}

const supportsHighlights = typeof CSS !== "undefined" && "highlights" in CSS;

// ---- offsets: code points in the article -> DOM ranges --------------------------------

function blockElements() {
  return [...body.querySelectorAll("[data-start]")];
}

/** The DOM point at code-point offset `offset` inside `block`, or null past its end. */
function pointIn(block, offset) {
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  let left = offset;
  let node = walker.nextNode();
  while (node) {
    const chars = Array.from(node.data);
    if (left <= chars.length) {
      return { node, offset: chars.slice(0, left).join("").length };
    }
    left -= chars.length;
    node = walker.nextNode();
  }
  return null;
}

/** A DOM Range over [start, end) code points of the article's text, or null. */
function rangeFor(start, end) {
  const blocks = blockElements();
  let first = null;
  let last = null;
  for (const element of blocks) {
    const from = Number(element.dataset.start);
    const to = from + Array.from(element.textContent).length;
    if (to <= start || from >= end) continue;
    first ??= { element, from };
    last = { element, from, to };
  }
  if (!first) return null;
  const a = pointIn(first.element, Math.max(0, start - first.from));
  const b = pointIn(last.element, Math.min(end, last.to) - last.from);
  if (!a || !b) return null;
  const range = document.createRange();
  range.setStart(a.node, a.offset);
  range.setEnd(b.node, b.offset);
  return range;
}

/** The editor's selection in the article as code points, or null. */
function selectionOffsets() {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!body.contains(range.commonAncestorContainer)) return null;
  const at = (node, offset) => {
    const element = (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement)?.closest(
      "[data-start]",
    );
    if (!element || !body.contains(element)) return null;
    const before = document.createRange();
    before.setStart(element, 0);
    before.setEnd(node, offset);
    return Number(element.dataset.start) + Array.from(before.toString()).length;
  };
  const start = at(range.startContainer, range.startOffset);
  const end = at(range.endContainer, range.endOffset);
  // The words go along with the offsets: if the text changed since this page loaded, the
  // server finds them in the sentence instead of trusting offsets into an older text.
  return start === null || end === null || end <= start ? null : { start, end, exact: range.toString() };
}

/** The part of suggestion `item` the editor selected, or null when the selection is elsewhere. */
function narrowedPart(item) {
  const selected = selectionOffsets();
  if (!selected) return null;
  if (selected.start < item.start || selected.end > item.end) return null;
  if (selected.start === item.start && selected.end === item.end) return null;
  return selected;
}

// ---- highlights in the text -----------------------------------------------------------

function applyHighlights() {
  if (!supportsHighlights) return;
  CSS.highlights.delete("suggestion");
  CSS.highlights.delete("suggestion-active");
  const label = document.getElementById("suggestion-text-label");
  // Offsets into another text would outline the wrong words on this page.
  if (!state.outline || textMoved()) {
    label?.setAttribute("hidden", "");
    return;
  }
  const ranges = [];
  let activeRange = null;
  for (const item of visibleItems()) {
    const range = rangeFor(item.start, item.end);
    if (!range) continue;
    if (item.id === state.activeId) activeRange = range;
    else ranges.push(range);
  }
  if (ranges.length) CSS.highlights.set("suggestion", new Highlight(...ranges));
  if (activeRange) CSS.highlights.set("suggestion-active", new Highlight(activeRange));
  placeLabel(activeRange);
}

// The narrowest margin a label fits in, its words wrapped (its longest word is "Suggestion").
const MARGIN_LABEL_MIN = 72;

/** A text label beside the active suggestion in the text, so colour is never the only cue. */
function placeLabel(range) {
  let label = document.getElementById("suggestion-text-label");
  if (!range) {
    label?.setAttribute("hidden", "");
    return;
  }
  if (!label) {
    label = document.createElement("span");
    label.id = "suggestion-text-label";
    label.className = "suggestion-text-label";
    label.setAttribute("aria-hidden", "true");
    document.body.append(label);
  }
  const item = state.items.find((i) => i.id === state.activeId);
  const number = visibleItems().indexOf(item) + 1;
  label.textContent = `Suggestion ${number}${item?.has_number ? " · has a number" : ""}`;
  const rect = range.getClientRects()[0] ?? range.getBoundingClientRect();
  label.removeAttribute("hidden");
  // A note in the margin beside the sentence's first line, where it covers no words: right
  // of the text if the gutter before the claims sidebar has room (its words wrapped to fit),
  // else left of it. Only where neither has room (a narrow window), above the line.
  const column = body.getBoundingClientRect();
  const limit = document.getElementById("sidebar")?.getBoundingClientRect().left ?? document.documentElement.clientWidth;
  const right = limit - 4 - (column.right + 8);
  const leftRoom = column.left - 8;
  const room = Math.max(right, leftRoom);
  const inMargin = room >= MARGIN_LABEL_MIN;
  label.classList.toggle("in-margin", inMargin);
  label.style.maxWidth = inMargin ? `${Math.floor(room)}px` : "";
  const { offsetWidth: width, offsetHeight: height } = label;
  let left = rect.left;
  let top = rect.top - height - 2;
  if (inMargin) {
    left = right >= leftRoom ? column.right + 8 : column.left - 8 - width;
    top = rect.top + Math.min(0, (rect.height - height) / 2);
  }
  label.style.left = `${Math.max(0, left + window.scrollX)}px`;
  label.style.top = `${Math.max(0, top + window.scrollY)}px`;
}

// ---- data -----------------------------------------------------------------------------

/** Open suggestions worth showing: above the threshold, and on no claim already. */
function isOpen(item) {
  return item.state === "new" && item.probability >= state.threshold && item.covered_by == null;
}

function visibleItems() {
  const open = state.items.filter(isOpen);
  // The best ones first decide which are shown; the order setting only sorts those.
  const best = [...open].sort((a, b) => b.score - a.score || a.start - b.start).slice(0, state.shown);
  if (state.order === "document") best.sort((a, b) => a.start - b.start);
  return best;
}

function openCount() {
  return state.items.filter(isOpen).length;
}

async function load() {
  try {
    const data = await api("GET", `/api/v1/articles/${state.articleId}/suggestions/`);
    state.items = data.suggestions;
    state.threshold = data.threshold;
    state.storedLimit = data.stored_limit;
    state.cut = Boolean(data.cut_at_limit);
    state.pending = data.pending;
    state.importing = Boolean(data.importing);
    state.waitingForWorker = Boolean(data.waiting_for_worker);
    state.revision = data.revision ?? null;
    state.error = "";
    state.loaded = true;
  } catch (error) {
    state.error = error.problem ?? "The suggestions could not be loaded.";
  }
  render();
  if (state.pending) {
    state.polls += 1;
    setTimeout(load, state.polls < POLL_LIMIT && !state.waitingForWorker ? POLL_MS : SLOW_POLL_MS);
  }
}

/** Whether the workspace's open card may be left for a new one (its unsaved input settled). */
function openCardSettled() {
  return new Promise((resolve) => {
    const detail = { handled: false, answer: resolve };
    document.dispatchEvent(new CustomEvent("workspace:settle-open-card", { detail }));
    if (!detail.handled) resolve(true); // no workspace listening: nothing to settle
  });
}

async function decide(item, action) {
  if (state.busy.has(item.id)) return;
  const part = action === "accept" ? narrowedPart(item) : null;
  // A selection on the sentence that runs past it cannot narrow it: say it was not used.
  const selected = action === "accept" && !part ? selectionOffsets() : null;
  const spilled =
    selected !== null &&
    selected.start < item.end &&
    selected.end > item.start &&
    (selected.start < item.start || selected.end > item.end);
  state.busy.add(item.id);
  if (action === "accept" && !(await openCardSettled())) {
    // "Keep editing": no claim is made, and the list stays as it was.
    state.busy.delete(item.id);
    return;
  }
  state.message = "";
  state.error = "";
  state.failure = null;
  state.undoable = null;
  render();
  const position = visibleItems().indexOf(item);
  try {
    const result = await api(
      "POST",
      `/api/v1/articles/${state.articleId}/suggestions/${item.id}/`,
      part ? { action, start: part.start, end: part.end, exact: part.exact } : { action },
    );
    // The list may have been loaded again while this was on its way: mark the suggestion
    // as it is listed now, not the object the clicked button was drawn from.
    Object.assign(state.items.find((listed) => listed.id === item.id) ?? item, result.suggestion);
    if (action === "accept") {
      state.message = part
        ? "Draft claim made from the selected part of the sentence."
        : spilled
          ? "Draft claim made from the whole sentence: your selection went beyond it, so it was not used."
          : "Draft claim made from the sentence.";
      window.getSelection()?.removeAllRanges();
      // The new claim's card opens, but the keyboard stays in this list for the next one.
      document.dispatchEvent(
        new CustomEvent("workspace:reload-claims", {
          detail: { openClaimId: result.claim, focusCard: false },
        }),
      );
    } else if (action === "dismiss") {
      state.message = "Suggestion dismissed.";
      state.undoable = item.id;
    } else {
      state.message = "Suggestion put back.";
    }
  } catch (error) {
    // The text changed since the list was loaded: show its sentences as they are now. A
    // suggestion that is gone (its sentence was reworded) says so in words, not "Not found."
    if (error.status === 409 || error.status === 404) await load();
    const reason =
      error.status === 404
        ? "This sentence changed since the list was loaded, so it is no longer suggested."
        : (error.problem ?? "That did not work; try again.");
    const stillListed = visibleItems().some((i) => i.id === item.id);
    state.failure = stillListed
      ? { id: item.id, reason }
      : { position: Math.max(position, 0), sentence: item.sentence, reason };
  } finally {
    state.busy.delete(item.id);
  }
  // Keep the keyboard where it was: on the suggestion that took this one's place, or on
  // the one put back.
  const restored = action === "restore" && visibleItems().find((i) => i.id === item.id);
  const next = restored || visibleItems()[Math.min(position, visibleItems().length - 1)];
  state.activeId = next?.id ?? null;
  render();
  // The last one dismissed: the list is gone, and the keyboard with it; Undo is where it goes.
  if (action === "dismiss" && !next && !panel.contains(document.activeElement)) {
    document.getElementById("suggestion-undo")?.focus();
  }
  focusItem(state.activeId);
  panel.querySelector("#suggestion-failure")?.scrollIntoView({ block: "nearest" });
}

// ---- rendering ------------------------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** A decision that failed on a suggestion no longer listed, in the place it had. */
function renderFailure(failure) {
  return element(
    "li",
    { class: "suggestion-failure error", role: "alert", id: "suggestion-failure" },
    element("blockquote", { class: "suggestion-sentence", dir: "auto" }, shorten(failure.sentence, 140)),
    element("p", {}, failure.reason),
  );
}

/** Text cut to about `limit` characters at a word boundary, with an ellipsis if cut. */
function shorten(text, limit) {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const space = cut.lastIndexOf(" ");
  return `${(space > limit / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function renderItem(item, index) {
  const busy = state.busy.has(item.id);
  const percent = Math.round(item.probability * 100);
  const li = element(
    "li",
    {
      class: `suggestion${item.id === state.activeId ? " active" : ""}`,
      "data-suggestion": item.id,
      tabindex: "-1",
      "aria-label": `Suggestion ${index + 1}`,
    },
    element(
      "p",
      { class: "suggestion-meta" },
      element("span", { class: "suggestion-number" }, `Suggestion ${index + 1}`),
      element("span", { class: "suggestion-score" }, ` · ${percent}% check-worthy`),
      item.has_number ? element("span", { class: "badge has-number" }, "Has a number") : null,
    ),
    element("blockquote", { class: "suggestion-sentence", dir: "auto" }, item.sentence),
    element(
      "p",
      { class: "suggestion-actions" },
      element(
        "button",
        {
          type: "button",
          class: "accept",
          disabled: busy,
          // Ten "Accept" buttons read alike to a screen reader's list of buttons (trial G19).
          "aria-label": `Accept suggestion ${index + 1}`,
          "aria-keyshortcuts": "a",
          title: "Accept (a). Select part of the sentence first to claim only that part.",
          onclick: () => decide(item, "accept"),
          onmousedown: (event) => event.preventDefault(), // keep the editor's selection
        },
        "Accept",
      ),
      " ",
      element(
        "button",
        {
          type: "button",
          class: "secondary dismiss",
          disabled: busy,
          "aria-label": `Dismiss suggestion ${index + 1}`,
          "aria-keyshortcuts": "d",
          title: "Dismiss (d)",
          onclick: () => decide(item, "dismiss"),
        },
        "Dismiss",
      ),
      " ",
      element(
        "button",
        {
          type: "button",
          class: "link-button show",
          "aria-label": `Show in text: suggestion ${index + 1}`,
          onclick: () => showInText(item),
        },
        "Show in text",
      ),
    ),
  );
  if (state.failure?.id === item.id) {
    li.append(element("p", { class: "error", role: "alert", id: "suggestion-failure" }, state.failure.reason));
  }
  li.addEventListener("focusin", () => activate(item.id));
  li.addEventListener("mouseenter", () => {
    // While the keyboard is in the list, the focused suggestion stays the active one: it is
    // the one "a" and "d" act on, whatever the pointer happens to rest on.
    if (!li.parentElement?.contains(document.activeElement)) activate(item.id);
  });
  return li;
}

function redraw() {
  const children = [element("h2", { id: "suggestions-title" }, "Suggestions")];
  const visible = visibleItems();
  const open = openCount();
  const decided = state.items.filter((i) => i.state !== "new");
  if (state.items.length || state.loaded) {
    children.push(
      element(
        "p",
        { class: "suggestions-controls" },
        element("label", { for: "suggestions-order" }, "Order "),
        element(
          "select",
          {
            id: "suggestions-order",
            onchange: (event) => {
              state.order = event.target.value;
              localStorage.setItem("suggestions-order", state.order);
              render();
            },
          },
          element("option", { value: "document", selected: state.order === "document" }, "In the text"),
          element("option", { value: "score", selected: state.order === "score" }, "Most check-worthy first"),
        ),
        " ",
        element(
          "label",
          { class: "inline" },
          element("input", {
            type: "checkbox",
            id: "suggestions-outline",
            checked: state.outline,
            onchange: (event) => {
              state.outline = event.target.checked;
              localStorage.setItem("suggestions-outline", state.outline ? "on" : "off");
              applyHighlights();
            },
          }),
          " Outline in the text",
        ),
      ),
    );
  }
  const status = element("p", { class: "hint", id: "suggestions", role: "status", "aria-live": "polite" });
  const failureShownInList = state.failure && visible.length && !textMoved();
  if (state.error || (state.failure && !failureShownInList)) {
    status.className = "error";
    status.textContent = state.error || state.failure.reason;
  } else if (state.message) {
    status.textContent = state.message;
  } else if (!state.loaded) {
    status.textContent = "Loading suggestions…";
  } else if (state.importing && !open) {
    // No text yet: nothing has been judged, and the list fills in once it is imported.
    status.textContent = "Suggestions come once the article's text is imported.";
  } else if (state.pending && !open) {
    status.textContent =
      state.polls < POLL_LIMIT && !state.waitingForWorker
        ? "Finding check-worthy sentences…"
        : "No worker has started scoring this text yet (they may be stopped or busy); the list fills in when one does.";
  } else if (!open) {
    status.textContent = decided.length
      ? "No open suggestions left."
      : "No sentence looks check-worthy enough to suggest.";
  } else {
    status.textContent = `${Math.min(open, visible.length)} of ${open} suggested sentences shown.`;
    // A long article's list stops at the limit, wherever in the text: say so, or its last
    // part, with none suggested, reads as having nothing worth checking.
    if (state.cut) {
      status.textContent += ` Only the article's ${state.storedLimit} highest-scored sentences are suggested: read the rest of a long article yourself.`;
    }
  }
  children.push(status);
  const undoable = undoableItem();
  if (undoable && state.message) {
    const undo = element("button", { type: "button", class: "link-button", id: "suggestion-undo", "aria-keyshortcuts": "u" }, "Undo");
    undo.addEventListener("click", () => decide(undoable, "restore"));
    children.push(element("p", { class: "undo-line" }, undo));
  }
  if (textMoved()) {
    // Someone saved a new text: this page shows the old one. Its sentences and the list's
    // places no longer agree, so the list waits for the page to catch up.
    children.push(
      element(
        "p",
        { class: "notice", id: "suggestions-text-moved" },
        `The article's text changed since this page opened (now revision ${state.revision}). `,
        element(
          "button",
          { type: "button", class: "secondary", onclick: () => window.location.reload() },
          "Reload to see its suggestions",
        ),
      ),
    );
    panel.replaceChildren(...children);
    applyHighlights();
    return;
  }
  if (visible.length) {
    children.push(
      element(
        "p",
        { class: "hint" },
        "Keys in this list: ",
        element("kbd", {}, "↑"),
        "/",
        element("kbd", {}, "↓"),
        " move, ",
        element("kbd", {}, "a"),
        " accept, ",
        element("kbd", {}, "d"),
        " dismiss, ",
        element("kbd", {}, "u"),
        " undo a dismissal. Select part of a sentence in the text to accept only that part.",
      ),
    );
    const list = element(
      "ol",
      { class: "suggestion-list", id: "suggestion-list", "aria-label": "Suggested sentences" },
      ...visible.map(renderItem),
    );
    if (state.failure && state.failure.id === undefined) {
      const before = list.children[state.failure.position] ?? null;
      list.insertBefore(renderFailure(state.failure), before);
    }
    list.addEventListener("keydown", onListKey);
    children.push(list);
  }
  if (open > visible.length) {
    children.push(
      element(
        "p",
        {},
        element(
          "button",
          {
            type: "button",
            class: "secondary",
            id: "suggestions-more",
            onclick: () => {
              state.shown += PAGE;
              render();
            },
          },
          `Show ${Math.min(PAGE, open - visible.length)} more`,
        ),
      ),
    );
  }
  if (decided.length) {
    const accepted = decided.filter((i) => i.state === "accepted").length;
    children.push(
      element(
        "p",
        { class: "hint", id: "suggestions-decided" },
        `${accepted} accepted, ${decided.length - accepted} dismissed so far.`,
      ),
    );
  }
  panel.replaceChildren(...children);
  applyHighlights();
}

function activate(id) {
  if (state.activeId === id) return;
  state.activeId = id;
  for (const li of panel.querySelectorAll("li.suggestion")) {
    li.classList.toggle("active", Number(li.dataset.suggestion) === id);
  }
  applyHighlights();
}

function focusItem(id) {
  const li = id ? panel.querySelector(`li[data-suggestion="${id}"]`) : null;
  (li?.querySelector("button.accept") ?? li)?.focus();
}

function showInText(item) {
  activate(item.id);
  const range = rangeFor(item.start, item.end);
  const target = range?.startContainer.parentElement;
  target?.scrollIntoView({ block: "center" });
  applyHighlights();
}

/** The suggestion dismissed last, while it is still dismissed and so may be put back. */
function undoableItem() {
  return state.items.find((i) => i.id === state.undoable && i.state === "dismissed") ?? null;
}

// "u" anywhere in the panel (not only in the list, which the last dismissal empties).
panel?.addEventListener("keydown", (event) => {
  if (event.key !== "u" || event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  const undone = undoableItem();
  if (!undone) return;
  event.preventDefault();
  event.stopPropagation();
  decide(undone, "restore");
});

function onListKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const li = event.target.closest("li.suggestion");
  if (!li) return;
  const visible = visibleItems();
  const index = visible.findIndex((i) => i.id === Number(li.dataset.suggestion));
  const item = visible[index];
  if (!item) return;
  let handled = true;
  if (event.key === "ArrowDown") focusItem(visible[Math.min(index + 1, visible.length - 1)].id);
  else if (event.key === "ArrowUp") focusItem(visible[Math.max(index - 1, 0)].id);
  else if (event.key === "a") decide(item, "accept");
  else if (event.key === "d") decide(item, "dismiss");
  else handled = false; // "u" is the panel's own (below)
  if (handled) {
    // The workspace's own single-key shortcuts must not also act on these keys.
    event.preventDefault();
    event.stopPropagation();
  }
}

// ---- start ----------------------------------------------------------------------------

function loadStyles() {
  // The workspace template links the app's stylesheet only; this panel brings its own.
  if (document.getElementById("suggestions-css")) return;
  const link = document.createElement("link");
  link.id = "suggestions-css";
  link.rel = "stylesheet";
  link.href = new URL("../css/suggestions.css", import.meta.url).href;
  document.head.append(link);
}

if (panel && dataElement && body) {
  loadStyles();
  const data = JSON.parse(dataElement.textContent);
  state.articleId = data.article?.id ?? Number(document.getElementById("workspace")?.dataset.article);
  state.pageRevision = data.article?.revision ?? null;
  if (state.articleId) {
    render();
    load();
    // The workspace redraws claim highlights by replacing the blocks' children: re-apply ours.
    document.addEventListener("workspace:rendered", () => applyHighlights());
    document.addEventListener("workspace:claim-deleted", () => {
      state.message = "";
      load();
    });
    // A claim made by hand on a suggested sentence covers it: the list no longer offers it.
    document.addEventListener("workspace:claim-created", () => load());
    window.addEventListener("resize", () => applyHighlights());
  }
}
