// Requests to the object store with presigned URLs. The store usually has another origin than the
// page, so its CORS rules must allow this page's origin. The page sends it no cookies and no
// Authorization header: the signature in the URL is the only credential.

/** An error response of the object store, which S3 sends as `<Error><Code>, <Message>` XML. */
export class StoreError extends Error {
  constructor(message, { status = 0, code = null } = {}) {
    super(message);
    this.name = 'StoreError';
    this.status = status;
    this.code = code;
  }
}

// Headers that scripts may not set (Fetch standard, "forbidden request-header", plus every name
// that starts with `proxy-` or `sec-`). Browsers set Content-Length and Host themselves and log a
// console error when a script tries to set them.
const FORBIDDEN_HEADERS = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'date',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);

function isForbiddenHeader(name) {
  const lower = name.toLowerCase();
  return FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-');
}

/**
 * Sends `body` with the presigned method, URL and headers, and resolves with
 * `{versionId, etag}` from the store's response headers once the store accepts it. Each header
 * is sent with the presigned value, because the signature covers it, except the ones browsers
 * set themselves (Content-Length, Host). XMLHttpRequest is used because fetch() does not report
 * upload progress.
 *
 * @param {{method?: string, url: string, headers?: Object<string, string>}} presigned
 * @param {Blob} body
 * @param {object} options
 * @param {(fraction: number) => void} [options.onProgress] share of bytes sent, from 0 to 1
 * @param {AbortSignal} [options.signal]
 */
export function sendToStore(presigned, body, { onProgress = () => {}, signal } = {}) {
  const { method = 'PUT', url, headers = {} } = presigned;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const request = new XMLHttpRequest();
    request.open(method, url);
    for (const [name, value] of Object.entries(headers)) {
      if (!isForbiddenHeader(name)) {
        request.setRequestHeader(name, value);
      }
    }

    const abort = () => request.abort();
    signal?.addEventListener('abort', abort, { once: true });
    const settle = (settleWith, value) => {
      signal?.removeEventListener('abort', abort);
      settleWith(value);
    };

    request.upload.addEventListener('progress', (event) => {
      const total = event.lengthComputable ? event.total : body.size;
      onProgress(total > 0 ? Math.min(event.loaded / total, 1) : 1);
    });
    request.addEventListener('load', () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        settle(resolve, {
          versionId: request.getResponseHeader('x-amz-version-id'),
          etag: request.getResponseHeader('ETag'),
        });
        return;
      }
      const { code, message } = parseS3Error(request.responseText);
      settle(reject, rejectedError('upload', request.status, request.statusText, code, message));
    });
    request.addEventListener('error', () => settle(reject, unreachableError(url)));
    request.addEventListener('abort', () => {
      const reason = signal?.reason ?? new DOMException('The upload was cancelled.', 'AbortError');
      settle(reject, reason);
    });
    request.send(body);
  });
}

/** Fetches a presigned GET URL and returns the Response. Raises StoreError unless it is a 2xx. */
export async function fetchFromStore(url, { signal } = {}) {
  let response;
  try {
    response = await fetch(url, { signal, credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    if (signal?.aborted) {
      throw error;
    }
    throw unreachableError(url);
  }
  if (!response.ok) {
    const { code, message } = parseS3Error(await response.text());
    throw rejectedError('download', response.status, response.statusText, code, message);
  }
  return response;
}

/** Reads Code and Message from an S3 error document. Both are null when the body is not one. */
export function parseS3Error(text) {
  if (!text) {
    return { code: null, message: null };
  }
  const xml = new DOMParser().parseFromString(text, 'application/xml');
  const read = (tag) => xml.querySelector(`Error > ${tag}`)?.textContent?.trim() || null;
  return { code: read('Code'), message: read('Message') };
}

function rejectedError(action, status, statusText, code, message) {
  const detail = message || `${status} ${statusText}`.trim();
  const suffix = code ? ` (${code})` : '';
  return new StoreError(`The object store rejected the ${action}: ${detail}${suffix}`, {
    status,
    code,
  });
}

// Browsers hide the cause of a network or CORS failure from scripts, so the message names both.
function unreachableError(url) {
  const origin = new URL(url, window.location.href).origin;
  return new StoreError(
    `Could not reach the object store at ${origin}. ` +
      'Check the connection, or ask an operator to check the CORS rules of the store.',
  );
}
