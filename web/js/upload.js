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
 * @param {(phase: string, fraction: number) => void} [options.onProgress] phase is `presign`,
 *     `transfer` or `commit`, and fraction is the share of bytes sent, from 0 to 1
 * @param {AbortSignal} [options.signal]
 */
export async function uploadObject(api, { name, body, contentType, onProgress, signal }) {
  const report = onProgress ?? (() => {});
  report('presign', 0);
  const upload = await api.createUpload({ name, contentType, size: body.size }, { signal });
  report('transfer', 0);
  const reportTransfer = (fraction) => report('transfer', fraction);
  await sendToStore(upload, body, { onProgress: reportTransfer, signal });
  report('commit', 1);
  return api.completeUpload(upload.upload_id, { signal });
}
