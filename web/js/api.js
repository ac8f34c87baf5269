// Fetch wrappers for the Satchel API, which is served from the same origin as this page.
// Every call sends the ID token as a bearer token and raises ApiError on a non-2xx status.

/** An error response of the API (`{"error": {"code", "message"}, "request_id"}`). */
export class ApiError extends Error {
  constructor(message, { status = 0, code = 'network_error', requestId = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

/** Encodes an object name for a URL path, one segment at a time so that `/` stays a separator. */
export function encodeObjectName(name) {
  return name.split('/').map(encodeURIComponent).join('/');
}

export class ApiClient {
  /**
   * @param {object} options
   * @param {() => (string | null)} options.getToken returns the current ID token, if any
   * @param {() => void} options.onUnauthorized called before an ApiError for a 401 is raised
   */
  constructor({ getToken, onUnauthorized }) {
    this.getToken = getToken;
    this.onUnauthorized = onUnauthorized;
  }

  /** Fetches the sign-in settings: `{issuer, client_id, redirect_uri}`. */
  getConfig() {
    return this.request('GET', '/v1/config');
  }

  /**
   * Returns the object record, or null when the object does not exist. A missing avatar or
   * preferences object is the normal state of a new user, but browsers log every 404 response
   * as a console error, so this lists with the name as prefix instead of reading the record.
   * Listings are sorted by name, so an exact match comes before every longer name.
   */
  async findObject(name, { signal } = {}) {
    const page = await this.listObjects({ prefix: name, limit: 1 }, { signal });
    const record = page.objects?.[0];
    return record?.name === name ? record : null;
  }

  /** Returns one page of records: `{objects, next_cursor}`. */
  listObjects({ prefix, limit, cursor = null }, { signal } = {}) {
    const query = new URLSearchParams({ prefix, limit: String(limit) });
    if (cursor) {
      query.set('cursor', cursor);
    }
    return this.request('GET', `/v1/objects?${query}`, { signal });
  }

  /** Starts an upload and returns the presigned request: `{upload_id, method, url, headers}`. */
  createUpload({ name, contentType, size }, { signal } = {}) {
    const body = { name, content_type: contentType, size };
    return this.request('POST', '/v1/uploads', { body, signal });
  }

  /** Commits an upload whose bytes are in the store and returns the new object record. */
  completeUpload(uploadId, { signal } = {}) {
    const path = `/v1/uploads/${encodeURIComponent(uploadId)}/complete`;
    return this.request('POST', path, { signal });
  }

  /** Returns a presigned GET URL of the store for the object: `{url, expires_at}`. */
  createDownload(name, { signal } = {}) {
    return this.request('POST', '/v1/downloads', { body: { name }, signal });
  }

  deleteObject(name, { signal } = {}) {
    return this.request('DELETE', `/v1/objects/${encodeObjectName(name)}`, { signal });
  }

  /**
   * Sends one request and returns the parsed JSON body, or null for 204. Raises ApiError for
   * a network failure or a non-2xx status, and lets an AbortError through unchanged.
   */
  async request(method, path, { body, signal } = {}) {
    const headers = { Accept: 'application/json' };
    const token = this.getToken();
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }
    const init = { method, headers, signal, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }

    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (signal?.aborted) {
        throw error;
      }
      throw new ApiError('Could not reach the Satchel server. Check the connection and try again.');
    }

    if (response.status === 401) {
      this.onUnauthorized();
    }
    if (!response.ok) {
      throw await readApiError(response);
    }
    if (response.status === 204) {
      return null;
    }
    try {
      return await response.json();
    } catch (error) {
      if (signal?.aborted) {
        throw error;
      }
      throw new ApiError(`The server sent a response to ${method} ${path} that is not JSON`, {
        status: response.status,
        code: 'invalid_response',
        requestId: response.headers.get('X-Request-Id'),
      });
    }
  }
}

async function readApiError(response) {
  const fallback = `The server responded with ${response.status} ${response.statusText}`.trim();
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // A proxy or a crashed server can return a body that is not JSON. The status line is then
    // the only detail.
  }
  return new ApiError(payload?.error?.message || fallback, {
    status: response.status,
    code: payload?.error?.code || 'http_error',
    requestId: payload?.request_id || response.headers.get('X-Request-Id'),
  });
}
