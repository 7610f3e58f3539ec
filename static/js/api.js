// The JSON API client used by the page scripts: session cookie, CSRF token, JSON in and out.

export class ApiError extends Error {
  constructor(status, body) {
    super(`API answered ${status}`);
    this.status = status;
    this.body = body;
  }

  /** What went wrong, for a person: the problem's field errors, else its `detail`. */
  get problem() {
    return problemMessage(this.body, this.status);
  }
}

// How a form names the fields the API calls otherwise (the rest read as their names).
const FIELD_NAMES = {
  canonical_url: "original URL",
  published_on: "publication date",
  claim_reviewed: "claim as worded for publication",
  url: "URL",
};

/**
 * A field's error message as a line of its own: "claimant: Expected text.", but a message
 * that names its field already ("Republishing needs a public correction note…") reads as is.
 */
export function withFieldName(field, message) {
  // A selection's errors are sentences about the words chosen, not about a form field.
  if (field === "non_field_errors" || field === "selectors") return message;
  const label = fieldLabel(field);
  const named = message.toLowerCase().includes(label.toLowerCase()) || message.startsWith(field);
  return named ? message : `${label}: ${message}`;
}

/** A field of an API error as the form calls it: "original URL", not "canonical_url". */
export function fieldLabel(field) {
  return FIELD_NAMES[field] ?? String(field).replaceAll("_", " ");
}

const SIGNED_OUT =
  "You are signed out, perhaps in another tab: nothing was saved. Sign in again in a new tab, then come back and try again; what you typed stays here.";

/**
 * The sentence to show for an RFC 9457 problem body: each field error ("claimant: Expected
 * text.") when there are some, else `detail`, else the status.
 */
export function problemMessage(body, status) {
  // The session ended (signed out in another tab, or it expired): the API's own words,
  // "Authentication credentials were not provided", tell a person nothing they can act on.
  if (status === 401) return SIGNED_OUT;
  if (!body || typeof body !== "object") return `The server answered ${status}.`;
  if (body.errors && typeof body.errors === "object") {
    const lines = Object.entries(body.errors).flatMap(([field, messages]) =>
      (Array.isArray(messages) ? messages : [messages]).map((message) => withFieldName(field, String(message))),
    );
    if (lines.length) return lines.join(" ");
  }
  if (typeof body.detail === "string" && body.detail) return body.detail;
  return `The server answered ${status}.`;
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// The user this page was made for: writes name them, so that a page left open while another
// account signed in (in another tab) cannot save under that account's name.
const PAGE_USER = document.querySelector('meta[name="factcheck-page-user"]')?.content ?? "";

/** The headers every write from this page carries: its CSRF token and the user it was made for. */
export function writeHeaders() {
  return { "X-CSRFToken": csrfToken(), ...(PAGE_USER ? { "X-Factcheck-Page-User": PAGE_USER } : {}) };
}

/** A request the server did not answer within the time the caller gave it. */
export class RequestTimeout extends Error {
  constructor(seconds) {
    super(`no answer within ${seconds} s`);
    this.name = "RequestTimeout";
    this.seconds = seconds;
  }
}

/**
 * Call the API; resolves with the JSON body, rejects with ApiError, RequestTimeout or a
 * network TypeError.
 * `keepalive` lets the request outlive the page (a reload, a closed tab): browsers allow it
 * for bodies of at most 64 KB in all, so only a small write asks for it.
 * `timeout` (seconds) gives up on a request the server has not answered by then, as the
 * browser would never do on a stalled connection; 0 waits as the browser does. The time
 * counts the upload too: a claim's fields are a few KB, an article's text is not.
 */
export async function api(method, url, body = undefined, headers = {}, { keepalive = false, timeout = 0 } = {}) {
  // Every change to a claim names the version it was made on; the server answers 428
  // otherwise. Failing here makes a forgotten header show up in development at once.
  if (method !== "GET" && url.startsWith("/api/v1/newsroom/claims/") && !("If-Match" in headers)) {
    throw new Error(`${method} ${url} needs an If-Match header with the claim's version`);
  }
  const signal = timeout > 0 ? AbortSignal.timeout(timeout * 1000) : undefined;
  let response, text;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: {
        Accept: "application/json, application/problem+json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(method === "GET" ? { "X-CSRFToken": csrfToken() } : writeHeaders()),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      keepalive,
      signal,
    });
    text = await response.text();
  } catch (error) {
    // The request may still reach the server: callers send again with the version they
    // started from, so a write that did land merges with itself instead of applying twice.
    if (error?.name === "TimeoutError") throw new RequestTimeout(timeout);
    throw error;
  }
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** An import's `retry` as a sentence to follow "Importing…": "" before any attempt failed. */
export function importRetryText(retry) {
  if (!retry) return "";
  // 24-hour, as every other time in the workspace ("5 Dec 14:03"), with the seconds a retry
  // a few seconds off needs.
  const time = new Date(retry.next_attempt_at).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  const when = retry.next_attempt_at ? `at ${time}` : "now";
  return ` Attempt ${retry.failed_attempts} of ${retry.max_attempts} failed (${retry.reason}); trying again ${when}.`;
}

/** The text of one field's messages, however the API shaped them. */
export function fieldMessages(messages) {
  return (Array.isArray(messages) ? messages : [messages])
    .map((message) => (typeof message === "string" ? message : (message?.message ?? message?.detail ?? "is not valid")))
    .join(" ");
}

/** Take back one input's error mark and message: the person is correcting it. */
export function clearInputError(input) {
  const container = input.closest(".field, p, .drop-zone");
  container?.classList.remove("invalid");
  document.getElementById(`${input.id}-error`)?.remove();
  input.removeAttribute("aria-invalid");
  const rest = (input.getAttribute("aria-describedby") ?? "").split(" ").filter((ref) => ref && ref !== `${input.id}-error`);
  if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
  else input.removeAttribute("aria-describedby");
}

/** Take back every error mark in a form, before it is sent again. */
export function clearFormErrors(form) {
  for (const input of form.querySelectorAll("[aria-invalid=true]")) clearInputError(input);
}

/**
 * Show a refused request's field errors under the inputs of `form` that bear those names
 * (marked invalid and described by their message, the first one focused), and return the
 * sentence for the form's own error line: it names the marked fields, and says in full any
 * error that no input of the form shows, after `refused` ("Not saved"). Errors of no field come
 * back as problemMessage words them.
 */
export function showErrorsAtFields(form, error, refused = "Not saved") {
  clearFormErrors(form);
  const errors = error instanceof ApiError ? error.body?.errors : null;
  if (!errors || typeof errors !== "object" || error.status === 401) {
    return error instanceof ApiError ? error.problem : "The server could not be reached. Nothing was lost: try again.";
  }
  const marked = [];
  const rest = {};
  for (const [name, messages] of Object.entries(errors)) {
    const input = form.elements.namedItem(name);
    const container = input instanceof HTMLElement && input.id ? input.closest(".field, p, .drop-zone") : null;
    if (!container || input.type === "hidden") {
      rest[name] = messages;
      continue;
    }
    const note = document.createElement("span");
    note.className = "field-error";
    note.id = `${input.id}-error`;
    note.textContent = fieldMessages(messages);
    container.append(note);
    container.classList.add("invalid");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), note.id].filter(Boolean).join(" "));
    // The mark goes as soon as the person changes the value it was about.
    input.addEventListener("input", () => clearInputError(input), { once: true });
    marked.push({ name, input });
  }
  if (!marked.length) return error.problem;
  marked[0].input.focus();
  const names = marked.map(({ name }) => fieldLabel(name));
  const listed = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  const fixes = `${refused}: correct the ${listed} as said under ${names.length === 1 ? "it" : "each"}.`;
  return Object.keys(rest).length ? `${fixes} ${problemMessage({ ...error.body, errors: rest }, error.status)}` : fixes;
}
