// The "add an article" page: upload with drag-and-drop and progress, URL import, paste.
// Everything goes through the JSON API; an import still running is polled until it ends.

import { api, ApiError, clearFormErrors, importRetryText, showErrorsAtFields, writeHeaders } from "./api.js";

const status = document.getElementById("import-status");
const uploadForm = document.getElementById("upload-form");
const fileInput = document.getElementById("upload-file");
const dropZone = document.getElementById("drop-zone");
const progress = document.getElementById("upload-progress");
// The organization chosen when the article is sent, not when the page loaded.
const organizationField = document.getElementById("article-organization");

function say(message) {
  status.textContent = message;
  status.hidden = false;
}

/** A failed upload leaves no full progress bar or "Uploading…" line behind it. */
function uploadFailed() {
  progress.hidden = true;
  status.hidden = true;
  status.textContent = "";
}

function withStop(text) {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

function errorMessage(error) {
  if (error instanceof ApiError) return error.problem;
  return "The server could not be reached. Nothing was lost: try again.";
}

/** Go to the article when it is ready; show the reason when its import failed. */
// A new article is "importing" until its import ends; a re-import of an article we already
// have runs while that article stays "ready", so its newest import is what is followed.
function stillImporting(current) {
  return current.status === "importing" || current.latest_import?.state === "pending";
}

// The article an import filled in: its own placeholder, or (when the page turned out to be
// one we have, and the placeholder went) that article, found by the import's id.
async function articleOf(id, importId) {
  try {
    return await api("GET", `/api/v1/newsroom/articles/${id}/`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404 || !importId) throw error;
    const found = await api("GET", `/api/v1/newsroom/articles/?from_import=${importId}`);
    const match = (found.results || [])[0];
    if (!match) throw error;
    say(`This page was imported before: “${match.title}” gets the new text.`);
    return await api("GET", `/api/v1/newsroom/articles/${match.id}/`);
  }
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The import runs on the server whether or not this page can reach it: a lost connection
// or a server restarting is waited out (until `deadline`), saying so, not taken as an end.
async function articleOrWait(id, importId, title, deadline) {
  for (;;) {
    try {
      return await articleOf(id, importId);
    } catch (error) {
      if ((error instanceof ApiError && error.status < 500) || Date.now() > deadline) throw error;
      say(`The server could not be reached; trying again. The import of “${title}” goes on without this page.`);
      await pause(2000);
    }
  }
}

async function follow(article, errorBox) {
  const importId = article.latest_import?.id;
  const deadline = Date.now() + 5 * 60 * 1000;
  let current = await articleOrWait(article.id, importId, article.title, deadline);
  while (stillImporting(current) && Date.now() < deadline) {
    // Said as the evidence panel says it: the wait is the workers', and nothing is lost.
    const idle = current.latest_import?.waiting_for_worker
      ? " No worker has taken it yet: the workers are stopped or busy. It runs as soon as one is free; you may leave this page."
      : "";
    say(`Importing “${current.title}”…${importRetryText(current.latest_import?.retry)}${idle}`);
    await pause(1000);
    current = await articleOrWait(current.id, importId, current.title, deadline);
  }
  const failed = current.latest_import?.state === "failed";
  if (current.status === "ready" && !failed) {
    say(`“${current.title}” is ready.`);
    window.location.assign(`/articles/${current.id}/`);
  } else if (current.status === "ready") {
    errorBox.replaceChildren(
      `Import failed (“${current.latest_import.error}”). The article keeps its earlier text (revision ${current.revision}). `,
      articleLink(current, "Open it to try again"),
    );
    say("The import did not finish.");
  } else if (current.status === "failed" && /^This page is already the article /.test(current.import_error)) {
    // Found only after the fetch to be an article with claims: trying this placeholder again
    // would be refused the same way; the way on is the box above.
    errorBox.replaceChildren(
      `Not imported: ${current.import_error.replace(/ To replace that article's text.*$/, "")} To replace its text with this page, tick “Replace the text…” above and import again. `,
      articleLink(current, "Delete the failed import"),
    );
    document.getElementById("url-revise")?.focus();
    say("The import did not finish.");
  } else if (current.status === "failed") {
    errorBox.replaceChildren(
      `Import failed: ${current.import_error} `,
      articleLink(current, "Open the article to try again or delete it"),
    );
    say("The import did not finish.");
  } else {
    errorBox.replaceChildren("Still importing after five minutes. ", articleLink(current, "Open the article"));
    say("The import did not finish.");
  }
}

function articleLink(article, text) {
  const link = document.createElement("a");
  link.href = `/articles/${article.id}/`;
  link.textContent = text;
  return link;
}

function upload(file) {
  const errorBox = document.getElementById("upload-error");
  errorBox.textContent = "";
  clearFormErrors(uploadForm);
  const body = new FormData();
  body.append("file", file);
  body.append("title", document.getElementById("upload-title-field").value);
  body.append("organization", organizationField.value);
  const request = new XMLHttpRequest();
  request.open("POST", "/api/v1/newsroom/articles/");
  for (const [name, value] of Object.entries(writeHeaders())) request.setRequestHeader(name, value);
  request.setRequestHeader("Accept", "application/json, application/problem+json");
  progress.hidden = false;
  progress.value = 0;
  request.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) {
      progress.value = Math.round((100 * event.loaded) / event.total);
      progress.textContent = `${progress.value}%`;
      say(`Uploading ${file.name}: ${progress.value}%`);
    }
  });
  request.addEventListener("load", () => {
    let parsed = null;
    try {
      parsed = JSON.parse(request.responseText);
    } catch {
      parsed = null;
    }
    if (request.status === 201 || request.status === 202) {
      follow(parsed, errorBox);
    } else {
      // Said once, as an error: not also in the progress line above.
      const failure = new ApiError(request.status, parsed);
      const reason = showErrorsAtFields(uploadForm, failure, "Not imported");
      uploadFailed();
      errorBox.textContent = reason === failure.problem ? `Not imported: ${withStop(reason)}` : reason;
    }
  });
  request.addEventListener("error", () => {
    uploadFailed();
    errorBox.textContent = errorMessage(new TypeError("network"));
  });
  request.send(body);
}

uploadForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (fileInput.files.length === 0) {
    document.getElementById("upload-error").textContent = "Choose a file first.";
    fileInput.focus();
    return;
  }
  upload(fileInput.files[0]);
});

for (const name of ["dragenter", "dragover"]) {
  dropZone.addEventListener(name, (event) => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  });
}
for (const name of ["dragleave", "drop"]) {
  dropZone.addEventListener(name, () => dropZone.classList.remove("dragging"));
}
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  const files = event.dataTransfer.files;
  if (files.length !== 1) {
    document.getElementById("upload-error").textContent = "Drop one file at a time.";
    return;
  }
  upload(files[0]);
});

async function submitJson(form, errorId, payload, refusal) {
  const errorBox = document.getElementById(errorId);
  errorBox.textContent = "";
  clearFormErrors(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const article = await api("POST", "/api/v1/newsroom/articles/", { ...payload, organization: Number(organizationField.value) });
    await follow(article, errorBox);
  } catch (error) {
    if (error instanceof ApiError && error.body?.type?.endsWith("/problems/already-imported/")) {
      // The page is an article with claims already: say which, and where the choice is.
      const said = error.problem.replace(/ Send `revise_existing`.*$/, "");
      errorBox.replaceChildren(`${said} To replace its text, tick “Replace the text…” above and import again; or `, articleLink({ id: error.body.article }, "open that article"), ".");
      form.elements.namedItem("revise_existing")?.focus();
      return;
    }
    // A field's error sits under that field; the line under the form names them.
    errorBox.textContent = showErrorsAtFields(form, error, refusal);
  } finally {
    button.disabled = false;
  }
}

document.getElementById("url-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const revise = document.getElementById("url-revise");
  const payload = { url: document.getElementById("url-field").value, revise_existing: revise.checked };
  // Asked for once: a next import, or this one sent again, does not replace without asking.
  revise.checked = false;
  submitJson(event.target, "url-error", payload, "Not imported");
});

document.getElementById("paste-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const values = Object.fromEntries(new FormData(event.target));
  // A text past the limit is refused here, as the server would refuse it: a 10 MB paste
  // took seconds to upload only to hear so. Characters are code points, as the server counts.
  const box = document.getElementById("paste-text");
  const limit = Number(box.dataset.maxChars);
  if (limit && values.text.length > limit) {
    const length = [...values.text].length;
    if (length > limit) {
      const message = `At most ${limit.toLocaleString("en")} characters for text; this has ${length.toLocaleString("en")}.`;
      const refused = new ApiError(400, { detail: message, errors: { text: [message] } });
      document.getElementById("paste-error").textContent = showErrorsAtFields(event.target, refused, "Not created");
      return;
    }
  }
  submitJson(event.target, "paste-error", values, "Not created");
});

// Back to this page from the article (the browser's page cache): the box is not left ticked.
window.addEventListener("pageshow", () => {
  document.getElementById("url-revise").checked = false;
});

// The buttons stay disabled until the handlers above are attached, so an early click
// cannot submit a form the page has not taken over yet.
for (const button of document.querySelectorAll(".import-route button[type=submit]")) button.disabled = false;
document.documentElement.dataset.importReady = "true";
