// Uploads in three steps: the API presigns a request, the browser sends the bytes straight to the
// object store, and the API commits the object record.

import { sendToStore } from './store.js';

/**
 * Uploads `body` as the object `name` and returns the committed object record.
 *
 * @param {import('./api.js').ApiClient} api
 * @param {object} options
 * @param {string} options.name object name relative to the caller's space
 * @param {Blob} options.body the bytes. A Blob, never a string, because browsers append
 *     `;charset=UTF-8` to the Content-Type of a string body and the signature would not match.
 * @param {string} options.contentType
 * @param {string} [options.ifMatch] ETag the object must still have when the upload commits
 * @param {string} [options.ifNoneMatch] `*` to commit only while no object has the name
 * @param {(phase: string, fraction: number) => void} [options.onProgress] phase is `presign`,
 *     `transfer` or `commit`, and fraction is the share of bytes sent, from 0 to 1
 * @param {AbortSignal} [options.signal]
 */
export async function uploadObject(api, options) {
  const { name, body, contentType, ifMatch, ifNoneMatch, onProgress, signal } = options;
  const report = onProgress ?? (() => {});
  report('presign', 0);
  const request = { name, contentType, size: body.size, ifMatch, ifNoneMatch };
  const upload = await api.createUpload(request, { signal });
  report('transfer', 0);
  const reportTransfer = (fraction) => report('transfer', fraction);
  const { versionId } = await sendToStore(upload, body, { onProgress: reportTransfer, signal });
  report('commit', 1);
  return api.completeUpload(upload.upload_id, { versionId, signal });
}
