// The claim-spotter settings page: while a retraining runs, poll its status and then show
// its report in place, without a reload.

const form = document.querySelector(".spotter-form");
const status = document.getElementById("retrain-status");
const button = document.getElementById("retrain");

const FIRST_DELAY = 1500;
// A long training is polled less often; a lost connection backs off further.
const SLOWEST = 5000;
const SLOWEST_AFTER_ERROR = 30000;

function later(delay) {
  window.setTimeout(() => poll(delay), delay);
}

async function fetchStatus() {
  const response = await fetch(form.dataset.statusUrl, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    cache: "no-store",
  });
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || !type.includes("application/json")) {
    // A sign-in page in place of JSON means the session ended.
    const error = new Error(`status ${response.status}`);
    error.final = response.status === 403 || response.status === 404 || response.redirected;
    throw error;
  }
  return response.json();
}

async function poll(delay) {
  let body;
  try {
    body = await fetchStatus();
  } catch (error) {
    if (error.final) {
      status.textContent = "Could not follow the retraining: reload the page (or sign in again).";
      return;
    }
    status.textContent = "Lost contact with the server; trying again…";
    later(Math.min(delay * 2, SLOWEST_AFTER_ERROR));
    return;
  }
  if (body.training) {
    status.textContent = body.run.status;
    const cell = document.querySelector(`tr[data-run="${body.run.id}"] .run-status`);
    if (cell) cell.textContent = body.run.status;
    later(Math.min(delay * 1.25, SLOWEST));
    return;
  }
  await showReport(body.run);
}

// The report comes from the page itself, so that its words are written in one template.
async function showReport(run) {
  try {
    const response = await fetch(window.location.pathname, {
      credentials: "same-origin",
      cache: "no-store",
    });
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["spotter-in-use", "spotter-runs"]) {
      const current = document.getElementById(id);
      const replacement = fresh.getElementById(id);
      if (current && replacement) current.replaceWith(document.adoptNode(replacement));
    }
  } catch {
    // The status line below still says how the training ended.
  }
  button.disabled = false;
  // The message starts with the outcome ("Kept: …", "Not kept: …", "Failed: …").
  status.textContent = run ? `Retraining finished. ${run.message}` : "";
  document.documentElement.dataset.spotterIdle = "true";
}

if (form && status && button) {
  form.addEventListener("submit", () => {
    // A second click before the next page arrives would only be refused by the server.
    window.setTimeout(() => {
      button.disabled = true;
    });
    status.textContent = "Starting the retraining…";
  });
  if (form.dataset.training === "true") later(FIRST_DELAY);
  else document.documentElement.dataset.spotterIdle = "true";
}
