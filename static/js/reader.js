// The reader page's verdict popover: a highlight or its label opens the claim's entry from
// the list below the article (cloned, so the data lives in the page once), as a dialog.
// Without this script the same links lead to the list entries.
"use strict";

(function () {
  const body = document.getElementById("article-body");
  const list = document.querySelector(".claim-list");
  if (!body || !list) return;

  const GAP = 8;
  // The least height a verdict squeezed below its passage keeps (its bar and a few lines).
  const MIN_POPOVER_HEIGHT = 120;
  // A bottom sheet never shrinks below its bar and a line or two.
  const MIN_SHEET_HEIGHT = 90;
  const PHONE = window.matchMedia("(max-width: 600px)");
  const total = list.children.length;
  let opener = null;
  let hashWasSet = false;

  const dialog = document.createElement("dialog");
  dialog.className = "verdict-popover";
  dialog.setAttribute("aria-labelledby", "popover-title");
  dialog.tabIndex = -1;
  const bar = document.createElement("div");
  bar.className = "popover-bar";
  const title = document.createElement("h2");
  title.id = "popover-title";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "popover-close";
  close.textContent = "Close";
  bar.append(title, close);
  const entries = document.createElement("ul");
  entries.className = "popover-entries";
  dialog.append(bar, entries);
  document.body.append(dialog);

  function entryOf(id) {
    return document.getElementById("claim-" + id);
  }

  function numberOf(entry) {
    return Array.prototype.indexOf.call(list.children, entry) + 1;
  }

  // A copy of a list entry for the popover: ids renamed so each stays unique in the page.
  function copyOf(entry) {
    const copy = entry.cloneNode(true);
    for (const element of [copy, ...copy.querySelectorAll("[id]")]) {
      element.id = "popover-" + element.id;
    }
    return copy;
  }

  // The box around the passages the trigger stands for: the highlighted words and labels
  // of every claim it opens (several where claims overlap), so that the verdict is placed
  // beside them, never over the first line of one of them.
  function passageBox(trigger) {
    const ids = trigger.dataset.claims.split(" ");
    const parts = [trigger, ...body.querySelectorAll(".hl, .tag")].filter(
      (part) => part === trigger || part.dataset.claims.split(" ").some((id) => ids.includes(id)),
    );
    const boxes = parts.flatMap((part) => [...part.getClientRects()]);
    return {
      top: Math.min(...boxes.map((box) => box.top)),
      bottom: Math.max(...boxes.map((box) => box.bottom)),
      left: trigger.getBoundingClientRect().left,
      right: trigger.getBoundingClientRect().right,
    };
  }

  function place(trigger) {
    dialog.style.top = "";
    dialog.style.left = "";
    dialog.style.maxHeight = "";
    if (PHONE.matches) {
      // A bottom sheet, laid out by the stylesheet: the passage is scrolled into the space
      // above it, which the sheet would otherwise cover. In a window too short for both
      // (400% zoom), the sheet gives up height to the passage, down to a few lines.
      let passage = passageBox(trigger);
      const above = window.innerHeight - dialog.offsetHeight - 2 * GAP;
      if (passage.bottom - passage.top > above) {
        const room = window.innerHeight - (passage.bottom - passage.top) - 3 * GAP;
        // A passage too tall to fit above even the smallest sheet: the sheet keeps half the
        // window for the verdict, and the passage shows from its start above it, rather
        // than the sheet shrinking to its bar with neither readable.
        const keep = Math.max(MIN_SHEET_HEIGHT, Math.round(window.innerHeight / 2));
        dialog.style.maxHeight = (room >= MIN_SHEET_HEIGHT ? room : keep) + "px";
      }
      const sheetTop = dialog.getBoundingClientRect().top;
      passage = passageBox(trigger);
      if (passage.bottom > sheetTop - GAP || passage.top < GAP) {
        const room = Math.max(GAP, (sheetTop - (passage.bottom - passage.top)) / 2);
        window.scrollBy({ top: passage.top - room, behavior: "instant" });
      }
      return;
    }
    let anchor = passageBox(trigger);
    const width = dialog.offsetWidth;
    let height = dialog.offsetHeight;
    const fitsBelow = () => anchor.bottom + GAP + height <= window.innerHeight - GAP;
    if (!fitsBelow() && anchor.top - height - GAP < GAP) {
      // A short window (zoomed in): room on neither side. The passage goes to the top and
      // the verdict below it, scrolling inside itself if it must, rather than over the words.
      window.scrollBy({ top: anchor.top - GAP, behavior: "instant" });
      anchor = passageBox(trigger);
      const room = window.innerHeight - anchor.bottom - 2 * GAP;
      if (!fitsBelow() && room >= MIN_POPOVER_HEIGHT) {
        dialog.style.maxHeight = room + "px";
        height = dialog.offsetHeight;
      }
    }
    const maxLeft = window.innerWidth - width - GAP;
    const maxTop = window.innerHeight - height - GAP;
    // Mirrored for right-to-left text: the popover lines up with the passage's start. The
    // article's direction, not the page's: an Arabic article sits in an English interface.
    const rtl = getComputedStyle(trigger).direction === "rtl";
    const left = rtl ? anchor.right - width : anchor.left;
    let top = anchor.bottom + GAP;
    if (top > maxTop && anchor.top - height - GAP >= GAP) top = anchor.top - height - GAP;
    dialog.style.left = Math.max(GAP, Math.min(left, maxLeft)) + "px";
    dialog.style.top = Math.max(GAP, Math.min(top, maxTop)) + "px";
  }

  function open(ids, trigger) {
    const found = ids.map(entryOf).filter(Boolean);
    if (found.length === 0) return false;
    // A claim the reader could open: the notice about a link to one not shown is stale
    // (trial G18: it stayed above the text while another verdict was open).
    document.getElementById("link-notice")?.remove();
    entries.replaceChildren(...found.map(copyOf));
    title.textContent =
      found.length === 1
        ? "Claim " + numberOf(found[0]) + " of " + total
        : found.length + " checked claims overlap here";
    opener = trigger;
    for (const segment of body.querySelectorAll(".is-open")) segment.classList.remove("is-open");
    trigger.classList.add("is-open");
    // Already open when the address changed to another claim: the content is swapped.
    if (!dialog.open) dialog.showModal();
    place(trigger);
    entries.scrollTop = 0;
    dialog.scrollTop = 0;
    dialog.focus();
    const hash = "#claim-" + ids[0];
    if (location.hash !== hash) {
      history.replaceState(null, "", hash);
      hashWasSet = true;
    }
    return true;
  }

  dialog.addEventListener("close", () => {
    if (opener) {
      opener.classList.remove("is-open");
      if (opener.isConnected) opener.focus({ preventScroll: true });
    }
    opener = null;
    if (hashWasSet) history.replaceState(null, "", location.pathname + location.search);
    hashWasSet = false;
  });
  close.addEventListener("click", () => dialog.close());
  // Tab goes round inside the open verdict, as the embed's does: past its last link the
  // browser moved focus out to the page (the body) before coming back to Close.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const stops = [...dialog.querySelectorAll("button, a[href], summary, [tabindex='0']")].filter(
      (stop) => stop.getClientRects().length > 0,
    );
    if (!stops.length) return;
    const at = stops.indexOf(document.activeElement);
    const last = stops.length - 1;
    if (event.shiftKey ? at <= 0 : at === last || at === -1) {
      event.preventDefault();
      stops[event.shiftKey ? last : 0].focus();
    }
  });
  // A phone turned sideways, or a window resized, moves the passage: follow it.
  window.addEventListener("resize", () => {
    if (dialog.open && opener) place(opener);
  });
  // A click on the backdrop lands on the dialog element itself, outside its box.
  dialog.addEventListener("click", (event) => {
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside =
      event.clientX >= box.left && event.clientX <= box.right &&
      event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) dialog.close();
  });

  for (const link of body.querySelectorAll(".hl, .tag")) {
    link.setAttribute("aria-haspopup", "dialog");
  }
  body.addEventListener("click", (event) => {
    const link = event.target.closest(".hl, .tag");
    if (!link || !body.contains(link)) return;
    const ids = link.dataset.claims.split(" ");
    if (open(ids, link)) event.preventDefault();
  });

  // A link to a claim this article does not show: one being checked again since the words
  // it rated changed (the page lists their ids), or one it never had or no longer has. Said
  // at the top; only the first kind has a page saying more (another is a "not found").
  const suspended = new Set((body.dataset.suspended || "").split(" ").filter(Boolean));
  function sayNotShown(id) {
    let notice = document.getElementById("link-notice");
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "link-notice";
      notice.className = "link-notice";
      // Focused when shown, which reads it out: a live region as well would read it twice.
      notice.tabIndex = -1;
      body.before(notice);
    }
    if (suspended.has(id)) {
      const more = document.createElement("a");
      // The claim page's address as the server names it (it may sit under a prefix), for id 0.
      more.href = body.dataset.claimPage.replace(/\/918273645\/$/, "/" + id + "/");
      more.textContent = "More about this";
      notice.replaceChildren(
        "The fact-check this link points to is being checked again: the article's words it rated changed. Its verdict returns once re-checked. ",
        more,
        ".",
      );
    } else {
      notice.replaceChildren("No fact-check shown on this article has this link. It may have been taken down, or the link may be mistyped.");
    }
    notice.focus({ preventScroll: true });
    notice.scrollIntoView({ block: "center" });
  }

  // #claim-<id>: bring the passage into view and open its verdict.
  function openFromHash() {
    const match = /^#claim-(\d+)$/.exec(location.hash);
    const tag = match && document.getElementById("tag-" + match[1]);
    if (!tag) {
      // Not placed in the text (retracted, suspended) or no claim at all: the list entry, or
      // the retraction notice, is the target (the browser scrolls to it and :target marks
      // it), and an open verdict of another claim must not stay over it.
      if (dialog.open) {
        hashWasSet = false; // the reader chose this address: keep it
        dialog.close();
      }
      const target = match && entryOf(match[1]);
      // Focus follows, so a screen reader reads the entry the address points at.
      if (target) target.focus({ preventScroll: true });
      else if (match) sayNotShown(match[1]);
      return;
    }
    tag.scrollIntoView({ block: "center" });
    open([match[1]], tag);
    hashWasSet = false; // the reader came with this address: keep it
    if (document.readyState !== "complete") {
      // The browser scrolls to the list entry (the fragment's target) once the page has
      // loaded: bring the passage back into view then.
      window.addEventListener("load", () => {
        if (opener !== tag) return;
        tag.scrollIntoView({ block: "center" });
        place(tag);
        // Scrolling to the address's fragment moved focus to the page (its target is
        // behind the open dialog): back into the verdict, so a screen reader reads it.
        dialog.focus();
      }, { once: true });
    }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
  document.documentElement.dataset.readerReady = "true";
})();

// On paper a link is only its words: the print style writes web addresses after them, and
// this the site's own (permalinks), in full; the ratings' meanings are printed unfolded.
(function () {
  const folded = [];
  window.addEventListener("beforeprint", () => {
    for (const link of document.querySelectorAll(".claim-list a[href], .retracted a[href]")) {
      if (!/^(https?:|#)/.test(link.getAttribute("href"))) link.dataset.printHref = link.href;
    }
    for (const details of document.querySelectorAll("details.legend:not([open])")) {
      details.open = true;
      folded.push(details);
    }
  });
  window.addEventListener("afterprint", () => {
    for (const details of folded.splice(0)) details.open = false;
  });
})();
