// The evidence panel of the open claim card: provider states, ranked passages, add or dismiss.
//
// workspace.js renders an empty `<section class="card-slot" data-slot="evidence">` in the open
// card and dispatches "workspace:rendered" after every render; this module fills the slot from
// a cache (no network on a re-render), polls while a provider is queued or running, and stops
// when nothing is pending.

import { api } from "./api.js";

const POLL_MS = 1500;
const SLOW_POLL_MS = 10000;
const REFRESH_AFTER_MS = 20000;
const STANCES = [
  ["supports", "Supports"],
  ["refutes", "Refutes"],
  ["context", "Context"],
];
const STATE_WORDS = {
  queued: "queued",
  running: "searching…",
  done: "done",
  failed: "failed",
  refused: "refused",
};
const AGREEMENT_WORDS = {
  agrees: "agrees with the claim",
  disagrees: "disagrees with the claim",
  unrelated: "another quantity",
};

const cache = new Map(); // claim id -> {data, at, error}
const stances = new Map(); // item id -> stance chosen in the select
const busy = new Set(); // item ids with an action on the way
let pollTimer = null;
let openClaimId = null;

function addStylesheet() {
  if (document.querySelector("link[data-evidence-css]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("../css/evidence.css", import.meta.url).href;
  link.dataset.evidenceCss = "";
  document.head.append(link);
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function evidenceUrl(claimId) {
  return `/api/v1/claims/${claimId}/evidence/`;
}

async function load(claimId) {
  try {
    const data = await api("GET", evidenceUrl(claimId));
    const before = cache.get(claimId)?.data;
    cache.set(claimId, { data, at: Date.now(), error: "" });
    // A source finished fetching: the card shows its snapshot without a reload.
    if (before && data.sources_fetching < before.sources_fetching) {
      document.dispatchEvent(new CustomEvent("workspace:reload-claim", { detail: { claimId } }));
    }
  } catch (error) {
    const previous = cache.get(claimId);
    cache.set(claimId, {
      data: previous?.data ?? null,
      at: Date.now(),
      error: error.problem ?? "The evidence could not be loaded; check your connection.",
    });
  }
  fill(claimId);
  schedulePoll();
}

function schedulePoll() {
  clearTimeout(pollTimer);
  pollTimer = null;
  const entry = openClaimId === null ? null : cache.get(openClaimId);
  if (entry?.data?.pending) {
    const claimId = openClaimId;
    // With no worker taking jobs, asking every second and a half only adds load.
    pollTimer = setTimeout(() => load(claimId), entry.data.waiting_for_worker ? SLOW_POLL_MS : POLL_MS);
  }
}

// Rendering

function slotFor(claimId) {
  return document.querySelector(`.card-slot[data-slot="evidence"][data-claim-id="${claimId}"]`);
}

const drawn = new WeakMap(); // slot element -> what it shows, to skip redrawing the same
let wantedFocus = null; // the control the keyboard was on, while it is disabled

function fill(claimId) {
  const slot = slotFor(claimId);
  if (!slot) return;
  const entry = cache.get(claimId);
  // Polling answers the same while a fetch runs: redrawing would close an open stance
  // list and move the keyboard, so an unchanged panel is left as it is.
  const shown = JSON.stringify([entry?.data ?? null, entry?.error ?? "", [...busy]]);
  if (entry && drawn.get(slot) === shown) return;
  drawn.set(slot, shown);
  let focused = slot.contains(document.activeElement) ? focusKey(document.activeElement) : null;
  // A button pressed is disabled while its request runs, and the keyboard waits on the
  // heading meanwhile: it goes back to the button once it is enabled again.
  if (focused && focused !== "heading") wantedFocus = focused;
  else if (focused === "heading" && wantedFocus) focused = wantedFocus;
  const headingId = `c${claimId}-evidence`;
  slot.classList.add("evidence-panel");
  slot.setAttribute("aria-labelledby", headingId);
  slot.setAttribute("aria-busy", entry?.data?.pending ? "true" : "false");
  const again = el("button", { type: "button", class: "secondary evidence-again", "data-focus": "again", text: "Search again" });
  again.addEventListener("click", () => searchAgain(claimId, again));
  const children = [
    el("div", { class: "evidence-head" }, el("h3", { id: headingId, tabindex: "-1", "data-focus": "heading", text: "Evidence" }), again),
  ];
  if (!entry) {
    children.push(el("p", { class: "hint", text: "Loading evidence…" }));
  } else {
    if (entry.error) children.push(el("p", { class: "evidence-error", role: "alert", text: entry.error }));
    if (entry.data) children.push(...panelBody(claimId, entry.data));
  }
  slot.replaceChildren(...children);
  if (focused) {
    // The same control again, or the panel's heading while it is disabled or once it is
    // gone (an item dismissed or cited).
    const same = slot.querySelector(`[data-focus="${focused}"]`);
    if (same && !same.disabled) {
      same.focus({ preventScroll: true });
      wantedFocus = null;
    } else {
      if (!same) wantedFocus = null;
      slot.querySelector(`#${headingId}`)?.focus({ preventScroll: true });
    }
  }
}

function focusKey(element) {
  return element.dataset?.focus ?? null;
}

function panelBody(claimId, data) {
  const parts = [providerList(data.requests, data.sources_fetching, data.waiting_for_worker)];
  if (data.waiting_for_worker) {
    // Sent a while ago and not started: "Searching" would promise what nothing is doing.
    parts.push(
      el("p", {
        class: "hint evidence-waiting",
        role: "status",
        text: "No worker has started this search yet (they may be stopped or busy); passages appear here when one does.",
      }),
    );
  }
  if (!data.items.length) {
    if (!data.waiting_for_worker) {
      parts.push(
        el("p", {
          class: "hint evidence-empty",
          text: data.pending ? "Searching; passages appear here as they are found." : "Nothing found yet.",
        }),
      );
    }
    return parts;
  }
  parts.push(el("ol", { class: "evidence-items" }, ...mergeCitedCopies(data.items).map((item) => itemView(claimId, item))));
  return parts;
}

// Two cited addresses of one page (a short link and where it leads, a copy with a tracking
// query) give the same passage: it is listed once, with the other addresses under it.
function mergeCitedCopies(items) {
  const listed = [];
  const byPassage = new Map();
  for (const item of items) {
    const first = item.provider === "sources" && item.passage ? byPassage.get(item.passage) : null;
    if (first) {
      first.alsoAt.push(item);
      continue;
    }
    const entry = { ...item, alsoAt: [] };
    if (item.provider === "sources" && item.passage) byPassage.set(item.passage, entry);
    listed.push(entry);
  }
  return listed;
}

function providerList(requests, fetching = 0, waitingForWorker = false) {
  // With no worker taking jobs nothing is being fetched: the pages wait their turn (G14).
  const onTheirWay = waitingForWorker ? "waiting to be fetched" : "being fetched";
  const list = el("ul", { class: "evidence-providers", "aria-label": "Where the search looked", "aria-live": "polite" });
  const providerRow = (provider, label, state, stateText) =>
    el("li", { "data-provider": provider }, el("span", { class: "provider-name", text: `${label}: ` }), el("span", { class: `evidence-state state-${state}`, text: stateText }));
  for (const request of requests) {
    // The pages read so far are done, but the row is not while more are on their way: it
    // read "done — 1 more still being fetched". Any other state (failed, running) is said.
    const more = request.provider === "sources" && fetching > 0;
    const row = more && request.state === "done"
      ? providerRow("sources", request.label, "running", `${fetching} more ${onTheirWay}; those fetched are read`)
      : providerRow(request.provider, request.label, request.state, STATE_WORDS[request.state] ?? request.state);
    if (request.error && request.state !== "done") {
      row.append(el("span", { class: "evidence-reason", text: ` — ${request.error}` }));
    }
    if (more && request.state !== "done") {
      row.append(el("span", { class: "evidence-reason", text: ` — ${fetching} more ${onTheirWay}` }));
    }
    list.append(row);
  }
  // No cited page read yet, some on their way: the list named every provider "done" above
  // "Searching", and not the pages the claim cites, which were what it waited for.
  if (fetching > 0 && !requests.some((request) => request.provider === "sources")) {
    list.append(providerRow("sources", "Cited sources", "running", `${fetching} ${onTheirWay}`));
  }
  return list;
}

/** The passage with the claim's words and numbers marked; offsets are code points. */
function passageView(item) {
  const points = Array.from(item.passage);
  const numbersByStart = new Map(item.numbers.map((number) => [number.start, number]));
  const spans = [...item.highlights].sort((a, b) => a.start - b.start);
  const quote = el("blockquote", { class: "evidence-passage", cite: item.url });
  let at = 0;
  for (const span of spans) {
    if (span.start < at || span.end > points.length) continue;
    quote.append(points.slice(at, span.start).join(""));
    const text = points.slice(span.start, span.end).join("");
    const number = span.kind === "number" ? numbersByStart.get(span.start) : null;
    if (number && number.agreement !== "unrelated") {
      quote.append(
        el("mark", { class: `evidence-number ${number.agreement}`, text }),
        el("span", {
          class: `evidence-tag ${number.agreement}`,
          text: number.agreement === "agrees" ? " ✓ agrees" : " ✗ disagrees",
        }),
      );
    } else if (span.kind === "term") {
      quote.append(el("mark", { class: "evidence-term", text }));
    } else {
      quote.append(text);
    }
    at = span.end;
  }
  quote.append(points.slice(at).join(""));
  return quote;
}

function numbersSummary(item) {
  const decided = item.numbers.filter((number) => number.agreement !== "unrelated");
  if (!decided.length) return null;
  return el(
    "p",
    { class: "evidence-numbers" },
    `Numbers: ${decided.map((number) => `${number.text} ${AGREEMENT_WORDS[number.agreement]}`).join("; ")}.`,
  );
}

function itemView(claimId, item) {
  const titleId = `evidence-item-${item.id}`;
  const row = el("li", {
    class: `evidence-item${item.is_fact_check ? " fact-check" : ""} agreement-${item.agreement}`,
    "aria-labelledby": titleId,
    "data-item-id": item.id,
  });
  if (item.is_fact_check) {
    row.append(
      el(
        "p",
        { class: "evidence-verdict" },
        el("span", { class: "evidence-rating", text: item.rating || "No rating" }),
        el("span", { class: "evidence-publisher", text: ` ${item.publisher || "Unknown publisher"}` }),
        item.published_on ? el("span", { class: "hint", text: ` · ${item.published_on}` }) : null,
        likeness(item),
      ),
    );
  }
  const link = el("a", { href: item.url, id: titleId, target: "_blank", rel: "noopener noreferrer", text: item.title || item.url });
  const meta = [item.is_fact_check ? "" : item.publisher, item.is_fact_check ? "" : item.published_on].filter(Boolean).join(" · ");
  row.append(el("p", { class: "evidence-title" }, link, meta ? el("span", { class: "hint", text: ` ${meta}` }) : null));
  if (item.passage) row.append(passageView(item));
  if (item.alsoAt?.length) {
    const also = el("p", { class: "hint evidence-also" }, "The same passage is at ");
    item.alsoAt.forEach((copy, i) => {
      if (i) also.append(", ");
      also.append(el("a", { href: copy.url, target: "_blank", rel: "noopener noreferrer", text: copy.title && copy.title !== item.title ? copy.title : copy.url }));
    });
    also.append(".");
    row.append(also);
  }
  // Element.append(null) would print "null" under a passage whose numbers are all unrelated.
  const summary = numbersSummary(item);
  if (summary) row.append(summary);
  row.append(actions(claimId, item));
  return row;
}

// How alike an earlier check's wording is to this claim's (the score it is ranked by, 0 to
// 1): a check sharing a word or two reads as such, not as the same claim checked before.
function likeness(item) {
  if (item.provider !== "factchecks" || !(item.score >= 0 && item.score <= 1)) return null;
  const percent = Math.round(item.score * 100);
  const words = percent >= 70 ? "close match" : percent >= 40 ? "partly alike" : "few words in common";
  return el("span", { class: "hint evidence-alike", text: ` · Wording ${percent}% alike (${words})` });
}

function actions(claimId, item) {
  const bar = el("div", { class: "evidence-actions" });
  if (item.state === "added") {
    bar.append(el("span", { class: "evidence-added", text: "✓ Cited as a source" }));
    return bar;
  }
  const selectId = `evidence-stance-${item.id}`;
  const select = el("select", { id: selectId, "data-focus": `stance-${item.id}` });
  // An earlier fact-check restates the claim whatever its verdict: numbers it shares say
  // nothing of whether it supports the claim, which its rating does (the editor reads it).
  const guessed = item.agreement === "disagrees" ? "refutes" : item.agreement === "agrees" ? "supports" : "context";
  const chosen = stances.get(item.id) ?? (item.is_fact_check ? "context" : guessed);
  for (const [value, label] of STANCES) {
    select.append(el("option", { value, selected: value === chosen, text: label }));
  }
  select.addEventListener("change", () => stances.set(item.id, select.value));
  const add = el("button", { type: "button", class: "evidence-add", "data-focus": `add-${item.id}`, disabled: busy.has(item.id), text: "Add as source" });
  add.addEventListener("click", () =>
    // The workspace asks first if the claim is published (citing starts a correction), and
    // gives the version of the claim the card shows, which the write names.
    document.dispatchEvent(
      new CustomEvent("workspace:confirm-correction", {
        detail: { claimId, proceed: (version) => act(claimId, item, { action: "add", stance: select.value, version }) },
      }),
    ),
  );
  const dismiss = el("button", { type: "button", class: "secondary evidence-dismiss", "data-focus": `dismiss-${item.id}`, disabled: busy.has(item.id), text: "Dismiss" });
  dismiss.addEventListener("click", () => act(claimId, item, { action: "dismiss" }));
  // Named by their item, as Dismiss is: six "Add as source" read alike in a screen
  // reader's list of controls (trial G19).
  // The title and the site: two pages of one story often share a title.
  let site = "";
  try {
    site = new URL(item.url).host;
  } catch {
    site = "";
  }
  const name = item.title ? `${item.title}${site ? `, ${site}` : ""}` : item.url;
  add.setAttribute("aria-label", `Add as source: ${name}`);
  dismiss.setAttribute("aria-label", `Dismiss ${name}`);
  const label = el("label", { for: selectId, text: "Stance " });
  label.append(el("span", { class: "visually-hidden", text: `of ${name} ` }));
  bar.append(label, select, add, dismiss);
  return bar;
}

// Actions

async function act(claimId, item, body) {
  // A second click before the answer would add the same source twice.
  if (busy.has(item.id)) return;
  busy.add(item.id);
  fill(claimId);
  try {
    const data = await api("POST", `${evidenceUrl(claimId)}items/${item.id}/`, body);
    cache.set(claimId, { data, at: Date.now(), error: "" });
    if (body.action === "add") {
      // A new source changed the claim: workspace.js reloads it, keeping unsaved input.
      document.dispatchEvent(new CustomEvent("workspace:reload-claim", { detail: { claimId } }));
    }
  } catch (error) {
    const entry = cache.get(claimId);
    cache.set(claimId, { ...entry, error: error.problem ?? "That did not work; check your connection." });
  } finally {
    busy.delete(item.id);
    fill(claimId);
  }
}

async function searchAgain(claimId, button) {
  button.disabled = true;
  try {
    const data = await api("POST", evidenceUrl(claimId));
    cache.set(claimId, { data, at: Date.now(), error: "" });
  } catch (error) {
    const entry = cache.get(claimId);
    cache.set(claimId, { ...entry, error: error.problem ?? "The search could not be started." });
  }
  fill(claimId);
  schedulePoll();
}

// Hooks

// A source was added, or its fetch ended: look again now, and poll while its snapshot is
// fetched and read (the "Cited sources" provider comes in when it has been).
document.addEventListener("workspace:sources-changed", (event) => {
  const claimId = Number(event.detail?.claimId);
  if (!claimId) return;
  if (claimId === openClaimId) clearTimeout(pollTimer);
  load(claimId);
});

document.addEventListener("workspace:rendered", (event) => {
  addStylesheet();
  openClaimId = event.detail?.openClaimId ?? null;
  for (const slot of document.querySelectorAll('.card-slot[data-slot="evidence"]')) {
    const claimId = Number(slot.dataset.claimId);
    const entry = cache.get(claimId);
    fill(claimId);
    const stale = !entry || (!entry.data?.pending && Date.now() - entry.at > REFRESH_AFTER_MS);
    if (stale && !pollTimer) load(claimId);
  }
  schedulePoll();
});
