// The JSON API client used by the page scripts: session cookie, CSRF token, JSON in and out.

export class ApiError extends Error {
  constructor(status, body) {
    super(`API answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** Call the API; resolves with the JSON body, rejects with ApiError or a network TypeError. */
export async function api(method, url, body = undefined, headers = {}) {
  // Every change to a claim names the version it was made on; the server answers 428
  // otherwise. Failing here makes a forgotten header show up in development at once.
  if (method !== "GET" && url.startsWith("/api/claims/") && !("If-Match" in headers)) {
    throw new Error(`${method} ${url} needs an If-Match header with the claim's version`);
  }
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      "X-CSRFToken": csrfToken(),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}
