// The editor's workspace: highlights, selection to W3C selectors, claim cards, saving.
// Offsets sent to and received from the server are Unicode code points (the W3C model);
// the DOM counts UTF-16 units, so every conversion goes through the helpers below.

import { api, ApiError } from "./api.js";
import { clusterBoundaries, snapOffset } from "./lib/graphemes.js";

const data = JSON.parse(document.getElementById("workspace-data").textContent);
const body = document.getElementById("article-body");
const list = document.getElementById("claim-list");
const orphanList = document.getElementById("orphan-list");
const makeClaimButton = document.getElementById("make-claim");
const selectionStatus = document.getElementById("selection-status");
const notice = document.getElementById("notice");

const paragraphs = [...body.querySelectorAll("p[data-start]")].map((p) => ({
  element: p,
  start: Number(p.dataset.start),
  chars: Array.from(p.textContent),
}));
// The canonical text, as code points: paragraphs are separated by one blank line.
const textChars = Array.from(paragraphs.map((p) => p.chars.join("")).join("\n\n"));
const claims = new Map(data.claims.map((c) => [c.id, c]));
const ratings = data.ratings;
let activeId = null;
let currentSelection = null;

const STATUS_LABELS = {
  draft: "Draft",
  in_review: "In review",
  published: "Published",
  retracted: "Retracted",
};
const canPublish = ["admin", "reviewer"].includes(data.me.role);
// Claims whose editor has confirmed starting a correction of the published version.
const correctionConfirmed = new Set();

// ---- offsets ---------------------------------------------------------------

/** Code-point offset in the article of a DOM point inside the article body, or null. */
function codepointAt(node, offset) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  let paragraph = element.closest("p[data-start]");
  if (!paragraph) {
    // A point between paragraphs (e.g. a triple-click selection) falls on the next one.
    if (node === body) {
      const next = body.children[offset];
      return next ? Number(next.dataset.start) : textChars.length;
    }
    return null;
  }
  const range = document.createRange();
  range.setStart(paragraph, 0);
  range.setEnd(node, offset);
  return Number(paragraph.dataset.start) + Array.from(range.toString()).length;
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
  const paragraph = paragraphs.find((p) => p.start <= offset && offset <= p.start + p.chars.length);
  if (!paragraph) return offset;
  paragraph.boundaries ??= clusterBoundaries(paragraph.chars.join(""));
  return paragraph.start + snapOffset(paragraph.boundaries, offset - paragraph.start, forward);
}

// ---- highlights -------------------------------------------------------------

function anchoredClaims() {
  return [...claims.values()]
    .filter((c) => c.anchor_state === "anchored")
    .sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id);
}

function renderHighlights() {
  const anchored = anchoredClaims();
  for (const paragraph of paragraphs) {
    const pStart = paragraph.start;
    const pEnd = pStart + paragraph.chars.length;
    const inside = anchored.filter((c) => c.start < pEnd && c.end > pStart);
    const cuts = new Set([pStart, pEnd]);
    for (const c of inside) {
      cuts.add(Math.max(c.start, pStart));
      cuts.add(Math.min(c.end, pEnd));
    }
    const points = [...cuts].sort((a, b) => a - b);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < points.length - 1; i++) {
      const [a, b] = [points[i], points[i + 1]];
      const text = paragraph.chars.slice(a - pStart, b - pStart).join("");
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
    paragraph.element.replaceChildren(fragment);
  }
}

function claimSummary(claim) {
  const rating = claim.rating ? ` · ${claim.rating.label}` : "";
  return `${STATUS_LABELS[claim.status]}${rating}: ${claim.claim_reviewed}`;
}

// ---- cards ------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function ratingBadge(rating) {
  if (!rating) return el("span", { class: "badge unrated", text: "Not rated" });
  const badge = el("span", { class: "badge rating", text: rating.label });
  badge.style.setProperty("--rating-colour", rating.colour);
  return badge;
}

/** The number of the version readers see, when the working copy is not itself published. */
function liveBadge(claim) {
  const version = claim.published_version;
  const number = version ? version.number : claim.published_number;
  if (!number || claim.status === "published") return null;
  if (version && version.kind === "retracted") return null;
  return el("span", { class: "badge live", text: `Live: version ${number}` });
}

function renderCards() {
  const anchored = anchoredClaims();
  list.replaceChildren(...anchored.map(card));
  const orphans = [...claims.values()].filter((c) => c.anchor_state !== "anchored");
  orphanList.replaceChildren(...orphans.map(card));
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
  const header = el(
    "div",
    { class: "card-header" },
    el("span", { class: `badge status status-${claim.status}`, text: STATUS_LABELS[claim.status] }),
    ratingBadge(claim.rating),
    liveBadge(claim),
    claim.anchor_state === "orphaned"
      ? el("span", { class: "badge orphan", text: `Orphaned: ${claim.orphan_reason}` })
      : null,
  );
  const checkedOn =
    claim.anchor_state === "orphaned"
      ? el("a", {
          href: `/articles/${data.article.id}/revisions/${claim.revision_number}/?claim=${claim.id}`,
          text: `See it in revision ${claim.revision_number}, where it was checked`,
        })
      : null;
  const quote = el("blockquote", { text: claim.exact });
  const toggle = el("button", {
    type: "button",
    class: "card-toggle",
    "aria-expanded": String(expanded),
    text: expanded ? "Close" : "Open",
    "aria-label": `${expanded ? "Close" : "Open"} claim: ${claim.claim_reviewed}`,
    onclick: () => activate(expanded ? null : claim.id, { focusCard: true }),
  });
  item.append(header, quote, ...(checkedOn ? [el("p", {}, checkedOn)] : []), toggle);
  if (expanded && claim.history === undefined) {
    // The page carries light summaries; a card's sources and history load when it opens.
    item.append(el("p", { class: "hint", role: "status", text: "Loading the claim…" }));
    loadDetails(claim.id);
  } else if (expanded) {
    item.append(editor(claim));
  }
  return item;
}

async function loadDetails(id) {
  try {
    const full = await api("GET", `/api/v1/newsroom/claims/${id}/`);
    claims.set(id, full);
    const hadFocus = document.activeElement?.closest(`#claim-${id}`) !== null;
    refresh({ focusCard: hadFocus });
  } catch (error) {
    const status = document.querySelector(`#claim-${id} [role=status]`);
    if (status) status.textContent = `Could not load the claim: ${errorText(error)}`;
  }
}

function field(claim, name, label, control) {
  const id = `c${claim.id}-${name}`;
  control.id = id;
  control.name = name;
  return el("p", { class: "field" }, el("label", { for: id, text: label }), control);
}

function editor(claim) {
  const form = el("form", { class: "claim-form", "data-version": claim.version });
  const ratingSelect = el("select", {}, el("option", { value: "", text: "— not rated —" }));
  for (const rating of ratings) {
    const range = rating.value === null ? "outside the scale" : `${rating.value} of ${rating.best_value}`;
    ratingSelect.append(
      el("option", {
        value: rating.id,
        text: `${rating.label} (${range})`,
        selected: claim.rating && claim.rating.id === rating.id,
      }),
    );
  }
  const assignee = el("select", {}, el("option", { value: "", text: "— nobody —" }));
  for (const member of data.members) {
    assignee.append(
      el("option", {
        value: member.id,
        text: member.username,
        selected: claim.assignee && claim.assignee.id === member.id,
      }),
    );
  }
  form.append(
    field(claim, "claim_reviewed", "Claim as worded for publication", el("textarea", { rows: 2, text: claim.claim_reviewed })),
    field(claim, "claimant", "Claimant", el("input", { type: "text", value: claim.claimant })),
    field(claim, "claim_date", "Claim date", el("input", { type: "date", value: claim.claim_date || "" })),
    field(claim, "rating", "Rating", ratingSelect),
    field(claim, "conclusion", "Conclusion (Markdown)", el("textarea", { rows: 4, text: claim.conclusion })),
    field(claim, "tags", "Tags (comma-separated)", el("input", { type: "text", value: claim.tags.join(", ") })),
    field(claim, "assignee", "Assignee", assignee),
  );
  if (claim.wording_warning) {
    const warningId = `c${claim.id}-wording-warning`;
    form.firstElementChild.after(el("p", { class: "hint wording-warning", id: warningId, text: claim.wording_warning }));
    form.querySelector("[name=claim_reviewed]").setAttribute("aria-describedby", warningId);
  }
  const saveStatus = el("p", { class: "save-status", role: "status", "aria-live": "polite" });
  form.append(el("p", { class: "actions" }, el("button", { type: "submit", text: "Save" })), saveStatus);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    confirmCorrection(claim, saveStatus, () => saveClaim(claim.id, form, saveStatus));
  });

  const wrapper = el("div", { class: "card-body" });
  if (claim.status === "published") {
    wrapper.append(
      el("p", {
        class: "published-notice",
        text: "Published: readers see this claim. Saving a change starts a correction; readers keep seeing the published version until a reviewer republishes it with a public note.",
      }),
    );
  }
  if (claim.published_version) wrapper.append(publishedSection(claim));
  if (claim.has_unpublished_changes) wrapper.append(unpublishedSection(claim));
  wrapper.append(form);
  if (claim.conclusion_html) {
    const preview = el("div", { class: "conclusion-preview", "aria-label": "Conclusion as readers see it" });
    preview.innerHTML = claim.conclusion_html; // sanitised on the server with nh3
    wrapper.append(el("h3", { text: "Conclusion preview" }), preview);
  }
  wrapper.append(sourcesSection(claim), workflowSection(claim));
  if (claim.anchor_state !== "anchored") wrapper.append(reattachSection(claim));
  wrapper.append(historySection(claim));
  return wrapper;
}

function publishedSection(claim) {
  const version = claim.published_version;
  const retracted = version.kind === "retracted";
  const headingId = `c${claim.id}-published`;
  const who = version.published_by ? version.published_by.username : "the system";
  const when = new Date(version.published_at).toLocaleString();
  const section = el(
    "section",
    { class: `published-version${retracted ? " retracted" : ""}`, "aria-labelledby": headingId },
    el("h3", { id: headingId, text: `${retracted ? "Retracted" : "Published"} version (version ${version.number})` }),
    el("p", { class: "published-meta" }, ratingBadge(version.rating), ` ${retracted ? "Retracted" : "Published"} ${when} by ${who}`),
  );
  if (!version.is_anchored) {
    section.append(el("p", { class: "hidden-from-readers", text: "Hidden from readers: the article's words under it changed. Republish to show it again." }));
  }
  section.append(el("blockquote", { text: version.claim_reviewed }));
  const conclusion = el("div", { class: "conclusion-preview", "aria-label": "Published conclusion" });
  conclusion.innerHTML = version.conclusion_html; // sanitised on the server with nh3
  section.append(conclusion);
  if (version.correction) section.append(el("p", { class: "correction", text: `Correction shown to readers: ${version.correction}` }));
  return section;
}

function unpublishedSection(claim) {
  const headingId = `c${claim.id}-unpublished`;
  return el(
    "section",
    { class: "unpublished-changes", "aria-labelledby": headingId },
    el("h3", { id: headingId, text: "Your changes (not yet published)" }),
    el("ul", {}, ...claim.unpublished_changes.map((change) => el("li", { text: change }))),
    el("p", {
      class: "hint",
      text: canPublish
        ? "Readers see the published version until this is republished with a correction note."
        : "Readers see the published version until a reviewer republishes this with a correction note. Send it to review when ready.",
    }),
  );
}

/** Before the first change to a published claim, say what it means and ask to go on. */
function confirmCorrection(claim, status, proceed) {
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
  status.before(box);
  go.focus();
}

function sourcesSection(claim) {
  const section = el("section", { class: "sources", "aria-label": "Sources" }, el("h3", { text: `Sources (${claim.sources.length})` }));
  const items = el("ul", {});
  for (const source of claim.sources) {
    items.append(
      el(
        "li",
        {},
        el("span", { class: `badge stance-${source.stance}`, text: source.stance }),
        " ",
        el("a", { href: source.url, rel: "noopener noreferrer nofollow", target: "_blank", text: source.title || source.url }),
        source.quote ? el("q", { text: source.quote }) : null,
        sourceControls(claim, source),
      ),
    );
  }
  section.append(items);
  const form = el("form", { class: "source-form" });
  const stance = el("select", {});
  for (const value of ["supports", "refutes", "context"]) stance.append(el("option", { value, text: value }));
  form.append(
    field(claim, "url", "Source URL", el("input", { type: "url", required: true, placeholder: "https://" })),
    field(claim, "title", "Title", el("input", { type: "text" })),
    field(claim, "quote", "Quoted passage", el("textarea", { rows: 2 })),
    field(claim, "stance", "Stance", stance),
  );
  const status = el("p", { class: "save-status", role: "status", "aria-live": "polite" });
  form.append(el("p", { class: "actions" }, el("button", { type: "submit", text: "Add source" })), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    confirmCorrection(claim, status, async () => {
      status.textContent = "Adding…";
      try {
        const updated = await api("POST", `/api/v1/newsroom/claims/${claim.id}/sources/`, values, { "If-Match": `"${claim.version}"` });
        claims.set(updated.id, updated);
        refresh({ focusField: `c${claim.id}-url` });
      } catch (error) {
        status.textContent = errorText(error);
      }
    });
  });
  section.append(form);
  return section;
}

/** A source's stance and a remove button; each change goes through the same confirmation. */
function sourceControls(claim, source) {
  const status = el("span", { class: "save-status", role: "status", "aria-live": "polite" });
  const send = (method, body) =>
    confirmCorrection(claim, status, async () => {
      status.textContent = "Saving…";
      try {
        const updated = await api(method, `/api/v1/newsroom/claims/${claim.id}/sources/${source.id}/`, body, { "If-Match": `"${claim.version}"` });
        claims.set(updated.id, updated);
        refresh({ focusCard: true });
      } catch (error) {
        status.textContent = errorText(error);
      }
    });
  const stance = el("select", { "aria-label": `Stance of ${source.title || source.url}` });
  for (const value of ["supports", "refutes", "context"]) stance.append(el("option", { value, text: value, selected: value === source.stance }));
  stance.addEventListener("change", () => send("PATCH", { stance: stance.value }));
  const remove = el("button", {
    type: "button",
    class: "link-button",
    text: "Remove",
    "aria-label": `Remove source ${source.title || source.url}`,
    onclick: () => send("DELETE", undefined),
  });
  return el("span", { class: "source-controls" }, stance, " ", remove, " ", status);
}

function workflowSection(claim) {
  const section = el("section", { class: "workflow", "aria-label": "Workflow" }, el("h3", { text: "Workflow" }));
  const buttons = el("p", { class: "actions" });
  const status = el("p", { class: "save-status", role: "status", "aria-live": "polite" });
  const note = el("textarea", { rows: 2 });
  const move = (to, label, needsNote = false) =>
    el("button", {
      type: "button",
      text: label,
      onclick: async () => {
        status.textContent = "Saving…";
        try {
          const updated = await api(
            "POST",
            `/api/v1/newsroom/claims/${claim.id}/transition/`,
            { to, note: needsNote ? note.value : "" },
            { "If-Match": `"${claim.version}"` },
          );
          claims.set(updated.id, updated);
          refresh({ focusCard: true });
          announce(`Claim is now ${STATUS_LABELS[updated.status].toLowerCase()}.`);
        } catch (error) {
          status.textContent = errorText(error);
        }
      },
    });
  const live = claim.published_version;
  const liveIsPublished = live && live.kind === "published";
  let noteLabel = null;
  if (claim.status === "draft") buttons.append(move("in_review", "Send to review"));
  if (claim.status === "in_review") {
    buttons.append(move("draft", "Back to draft"));
    if (canPublish && live && claim.has_unpublished_changes) {
      buttons.append(move("published", "Republish with correction", true));
      noteLabel = "Correction note (public; say what changed and why)";
    } else if (canPublish) {
      buttons.append(move("published", "Publish"));
    }
  }
  // A published claim is not "sent back": readers keep its version until a correction is
  // republished, and only a retraction takes it down.
  if (canPublish && liveIsPublished && claim.status !== "retracted") {
    buttons.append(move("retracted", "Retract", true));
    noteLabel ??= "Correction note (public; for a retraction)";
  }
  if (claim.status === "retracted" && canPublish) buttons.append(move("in_review", "Back to review"));
  section.append(buttons);
  if (noteLabel) section.append(field(claim, "note", noteLabel, note));
  if (claim.status === "retracted") section.append(el("p", { text: `Correction: ${claim.correction_note}` }));
  section.append(status);
  return section;
}

function reattachSection(claim) {
  const status = el("p", { class: "save-status", role: "status", "aria-live": "polite" });
  const button = el("button", {
    type: "button",
    text: "Re-attach to the selected words",
    onclick: () => {
      if (!currentSelection) {
        status.textContent = "Select the words in the article first.";
        return;
      }
      const selection = currentSelection;
      confirmCorrection(claim, status, () => reattach(claim, selection, status));
    },
  });
  return el("section", { class: "reattach", "aria-label": "Re-attach" }, el("p", { class: "actions" }, button), status);
}

async function reattach(claim, selection, status) {
  try {
    const updated = await api(
      "POST",
      `/api/v1/newsroom/claims/${claim.id}/reattach/`,
      { selectors: describe(selection.start, selection.end) },
      { "If-Match": `"${claim.version}"` },
    );
    claims.set(updated.id, updated);
    refresh({ focusCard: true });
    announce("Claim re-attached.");
  } catch (error) {
    status.textContent = errorText(error);
  }
}

function historySection(claim) {
  const items = el("ol", { class: "history" });
  for (const event of claim.history) {
    const who = event.actor ? event.actor.username : "system";
    const when = new Date(event.created_at).toLocaleString();
    items.append(el("li", {}, el("strong", { text: `${event.action}` }), ` by ${who}, ${when}: `, el("code", { text: describeChanges(event.changes) })));
  }
  return el("details", { class: "history-section" }, el("summary", { text: `History (${claim.history.length})` }), items);
}

function describeChanges(changes) {
  return Object.entries(changes)
    .map(([name, value]) => (Array.isArray(value) && value.length === 2 ? `${name}: ${describeValue(value[0])} → ${describeValue(value[1])}` : `${name}: ${describeValue(value)}`))
    .join("; ");
}

// Long texts are kept in history as a summary (length, hash, the passage that changed).
function describeValue(value) {
  if (value && typeof value === "object" && !Array.isArray(value) && "sha256" in value) {
    const passage = value.changed ? `“${value.changed}”` : "(nothing)";
    return `${value.length.toLocaleString()} characters, at ${value.at.toLocaleString()}: ${passage}`;
  }
  return JSON.stringify(value);
}

// ---- saving ----------------------------------------------------------------

function formValues(form) {
  const values = Object.fromEntries(new FormData(form));
  return {
    claim_reviewed: values.claim_reviewed,
    claimant: values.claimant,
    claim_date: values.claim_date || null,
    rating: values.rating ? Number(values.rating) : null,
    conclusion: values.conclusion,
    tags: values.tags
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
    assignee: values.assignee ? Number(values.assignee) : null,
  };
}

async function saveClaim(id, form, status, attempt = 1) {
  const claim = claims.get(id);
  status.textContent = "Saving…";
  status.className = "save-status";
  try {
    const updated = await api("PATCH", `/api/v1/newsroom/claims/${id}/`, formValues(form), { "If-Match": `"${claim.version}"` });
    claims.set(id, updated);
    refresh({ focusCard: false });
    const fresh = document.querySelector(`#claim-${id} .save-status`);
    if (fresh) fresh.textContent = "Saved.";
  } catch (error) {
    status.className = "save-status error";
    if (error instanceof ApiError && error.status === 412) {
      // Someone else saved first: keep this editor's input on screen, say who, offer a reload.
      status.replaceChildren(
        `${error.body.detail} Your edits are still in the form. `,
        el("button", {
          type: "button",
          class: "link-button",
          text: "Load their version",
          onclick: () => {
            claims.set(id, error.body.current);
            const mine = formValues(form);
            refresh({ focusCard: true });
            const kept = document.querySelector(`#claim-${id} .save-status`);
            kept.textContent = `Your unsaved edits: ${JSON.stringify(mine)}`;
          },
        }),
      );
      status.scrollIntoView({ block: "nearest" });
      return;
    }
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
      status.textContent = errorText(error);
      return;
    }
    // Network down or server error: keep the input, retry a few times, then say so.
    if (attempt < 4) {
      const delay = 1000 * 2 ** (attempt - 1);
      status.textContent = `Could not save (${errorText(error)}). Your edits are kept; retrying in ${delay / 1000} s…`;
      setTimeout(() => saveClaim(id, form, status, attempt + 1), delay);
    } else {
      status.replaceChildren(
        `Could not save (${errorText(error)}). Your edits are kept. `,
        el("button", { type: "button", class: "link-button", text: "Try again", onclick: () => saveClaim(id, form, status) }),
      );
    }
  }
}

function errorText(error) {
  if (error instanceof ApiError) {
    // Problem details: field errors if any, else `detail` (a 412's names who changed it).
    if (error.body && typeof error.body === "object") return error.problem;
    return `server error ${error.status}`;
  }
  return "network unreachable";
}

function announce(message) {
  notice.textContent = message;
  notice.hidden = false;
}

// ---- interaction ------------------------------------------------------------

function refresh({ focusCard = false, focusField = null } = {}) {
  renderHighlights();
  renderCards();
  if (focusField) document.getElementById(focusField)?.focus();
  else if (focusCard && activeId !== null) document.getElementById(`claim-${activeId}`)?.focus();
}

function activate(id, { focusCard = false } = {}) {
  activeId = id;
  refresh({ focusCard });
  if (id !== null) {
    document.getElementById(`claim-${id}`)?.scrollIntoView({ block: "nearest" });
    body.querySelector(`mark[data-claim="${id}"]`)?.scrollIntoView({ block: "nearest" });
  }
}

async function createClaim() {
  // Read the selection now: a fast typist's "c" can beat the last selectionchange event.
  const selection = readSelection() || currentSelection;
  if (!selection) return;
  makeClaimButton.disabled = true;
  selectionStatus.textContent = "Creating the claim…";
  try {
    const claim = await api("POST", `/api/v1/newsroom/articles/${data.article.id}/claims/`, {
      selectors: describe(selection.start, selection.end),
    });
    claims.set(claim.id, claim);
    window.getSelection().removeAllRanges();
    currentSelection = null;
    selectionStatus.textContent = "Claim created.";
    activate(claim.id, { focusCard: false });
    document.getElementById(`c${claim.id}-claim_reviewed`)?.focus();
  } catch (error) {
    selectionStatus.textContent = `Not created: ${errorText(error)}`;
    makeClaimButton.disabled = false;
  }
}

function move(step) {
  const ordered = anchoredClaims();
  if (ordered.length === 0) return;
  const index = ordered.findIndex((c) => c.id === activeId);
  const next = index === -1 ? (step > 0 ? 0 : ordered.length - 1) : (index + step + ordered.length) % ordered.length;
  activate(ordered[next].id, { focusCard: true });
}

document.addEventListener("selectionchange", () => {
  currentSelection = readSelection();
  makeClaimButton.disabled = currentSelection === null;
  if (currentSelection) {
    const length = currentSelection.end - currentSelection.start;
    selectionStatus.textContent = `${length} characters selected. Press c or the button to make a claim.`;
  }
});

makeClaimButton.addEventListener("click", createClaim);

body.addEventListener("click", (event) => {
  const mark = event.target.closest("mark[data-claim]");
  if (mark && window.getSelection().isCollapsed) activate(Number(mark.dataset.claim), { focusCard: true });
});

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest("input, textarea, select");
  if (typing) return;
  if (event.key === "c" && (readSelection() || currentSelection)) {
    event.preventDefault();
    createClaim();
  } else if (event.key === "j") {
    event.preventDefault();
    move(1);
  } else if (event.key === "k") {
    event.preventDefault();
    move(-1);
  } else if (event.key === "Escape" && activeId !== null) {
    activate(null);
  }
});

// The body is contenteditable only to give keyboard users a caret for shift+arrow
// selection; every edit (typing, paste, drop, cut) is refused so the text never changes.
body.addEventListener("beforeinput", (event) => event.preventDefault());
body.addEventListener("drop", (event) => event.preventDefault());

const started = performance.now();
refresh();
document.documentElement.dataset.highlightsMs = String(performance.now() - started);
document.documentElement.dataset.workspaceReady = "true";
