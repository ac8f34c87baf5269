// Fetch wrappers for the Satchel API, which is served from the same origin as this page.
// Every call sends the ID token as a bearer token and raises ApiError on a non-2xx status.

/**
 * An error response of the API (`{"error": {"code", "message", ...}, "request_id", ...}`).
 * `body` is the parsed response, which carries details such as the `current` record of a 409
 * or the `violations` of a 422. It is null when the response was not JSON.
 */
export class ApiError extends Error {
  constructor(message, { status = 0, code = 'network_error', requestId = null, body = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.body = body;
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

  /** Fetches the JSON Schema that `preferences.json` must match. */
  getPreferencesSchema({ signal } = {}) {
    return this.request('GET', '/v1/schemas/preferences', { signal });
  }

  /**
   * Returns one page of records: `{objects, next_cursor}`. `search` keeps the names that contain
   * it, ignoring case.
   */
  listObjects({ prefix, limit, cursor = null, search = '' }, { signal } = {}) {
    const query = new URLSearchParams({ prefix, limit: String(limit) });
    if (cursor) {
      query.set('cursor', cursor);
    }
    if (search) {
      query.set('search', search);
    }
    return this.request('GET', `/v1/objects?${query}`, { signal });
  }

  /**
   * Starts an upload and returns the presigned request: `{upload_id, method, url, headers}`.
   * With `ifMatch` (an ETag) the upload commits only while the object still has that ETag, and
   * with `ifNoneMatch: '*'` only while the object does not exist.
   */
  createUpload({ name, contentType, size, ifMatch, ifNoneMatch }, { signal } = {}) {
    const body = { name, content_type: contentType, size };
    if (ifMatch) {
      body.if_match = ifMatch;
    }
    if (ifNoneMatch) {
      body.if_none_match = ifNoneMatch;
    }
    return this.request('POST', '/v1/uploads', { body, signal });
  }

  /**
   * Commits an upload whose bytes are in the store and returns the new object record.
   * `versionId` is the store version that the PUT created, so that a later upload to the same
   * name cannot take its place.
   */
  completeUpload(uploadId, { versionId = null, signal } = {}) {
    const path = `/v1/uploads/${encodeURIComponent(uploadId)}/complete`;
    const body = versionId ? { version_id: versionId } : {};
    return this.request('POST', path, { body, signal });
  }

  /** Returns one page of the history of `name`, newest first: `{versions, next_cursor}`. */
  listVersions(name, { cursor = null, limit = 20 } = {}, { signal } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) {
      query.set('cursor', cursor);
    }
    return this.request('GET', `/v1/objects/${encodeObjectName(name)}/versions?${query}`, {
      signal,
    });
  }

  /** Makes the bytes of an older version current again, as a new revision. */
  restoreVersion(name, versionId, { signal } = {}) {
    const path = `/v1/objects/${encodeObjectName(name)}/restore`;
    return this.request('POST', path, { body: { version_id: versionId }, signal });
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
    body: payload,
  });
}
