// The avatar: an image stored as the object `avatar` with its own content type. A chosen file
// is previewed from a blob: URL before upload, and the stored one is shown from a presigned URL.

import { ApiError } from './api.js';
import { uploadObject } from './upload.js';

export const AVATAR_NAME = 'avatar';
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

export class AvatarPanel {
  #api;
  #status;
  #form;
  #input;
  #image;
  #placeholder;
  #caption;
  #progress;
  #uploadButton;
  #discardButton;
  // Aborted by reset() at sign-out. A request that fails after that reports nothing, because its
  // panel is hidden and a 401 has already switched the page to the signed-out view.
  #controller = new AbortController();
  #previewUrl = null;
  #hasSavedAvatar = false;
  #uploading = false;

  /**
   * @param {object} options
   * @param {import('./api.js').ApiClient} options.api
   * @param {import('./status.js').StatusRegion} options.status
   * @param {Object<string, HTMLElement>} options.elements form, input, image, placeholder,
   *     caption, progress, uploadButton and discardButton
   */
  constructor({ api, status, elements }) {
    this.#api = api;
    this.#status = status;
    this.#form = elements.form;
    this.#input = elements.input;
    this.#image = elements.image;
    this.#placeholder = elements.placeholder;
    this.#caption = elements.caption;
    this.#progress = elements.progress;
    this.#uploadButton = elements.uploadButton;
    this.#discardButton = elements.discardButton;

    this.#input.addEventListener('change', () => this.#preview(this.#input.files[0] ?? null));
    this.#discardButton.addEventListener('click', () => this.#discardPreview());
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#upload();
    });
    this.#image.addEventListener('error', () => this.#onImageError());
  }

  /** Shows the stored avatar, or the placeholder when there is none. */
  async load() {
    const signal = this.#controller.signal;
    try {
      const record = await this.#api.findObject(AVATAR_NAME, { signal });
      this.#hasSavedAvatar = record !== null;
      await this.#showSaved(signal);
    } catch (error) {
      if (!signal.aborted) {
        this.#status.error('Could not load your avatar', error);
      }
    }
  }

  /** Cancels requests and uploads in flight and clears the panel, for sign-out. */
  reset() {
    this.#controller.abort();
    this.#controller = new AbortController();
    this.#hasSavedAvatar = false;
    this.#setUploading(false);
    this.#clearPreview();
    this.#showPlaceholder();
    this.#status.clear();
  }

  // Shows the stored avatar from a fresh presigned URL, or the placeholder.
  async #showSaved(signal) {
    if (!this.#hasSavedAvatar) {
      this.#showPlaceholder();
      return;
    }
    const { url } = await this.#api.createDownload(AVATAR_NAME, { signal });
    this.#showImage(url, 'Your avatar', 'Current avatar');
  }

  #preview(file) {
    if (file === null) {
      this.#discardPreview();
      return;
    }
    if (!IMAGE_TYPES.includes(file.type)) {
      // The input is now empty, so an earlier preview can no longer be uploaded.
      this.#discardPreview();
      const type = file.type ? `a ${file.type} file` : 'a file of unknown type';
      this.#status.error(
        'Could not use this file as an avatar',
        new Error(`${file.name} is ${type}. Choose a PNG, JPEG, WebP or GIF image.`),
      );
      return;
    }
    this.#status.clear();
    this.#clearPreview();
    this.#previewUrl = URL.createObjectURL(file);
    this.#showImage(this.#previewUrl, `Preview of ${file.name}`, 'Preview, not uploaded yet');
    this.#uploadButton.disabled = false;
    this.#discardButton.hidden = false;
  }

  async #discardPreview() {
    this.#input.value = '';
    this.#clearPreview();
    this.#status.clear();
    await this.#restoreSaved();
  }

  // Shows the stored avatar again after a preview ends, and reports a failure to do so.
  async #restoreSaved() {
    const signal = this.#controller.signal;
    try {
      await this.#showSaved(signal);
    } catch (error) {
      if (!signal.aborted) {
        this.#status.error('Could not show your avatar', error);
      }
    }
  }

  async #upload() {
    const file = this.#input.files[0];
    if (this.#uploading || !file) {
      return;
    }
    const signal = this.#controller.signal;
    this.#setUploading(true);
    this.#status.info(`Uploading ${file.name}…`);
    let record;
    try {
      record = await uploadObject(this.#api, {
        name: AVATAR_NAME,
        body: file,
        contentType: file.type,
        onProgress: (phase, fraction) => {
          this.#progress.value = fraction;
        },
        signal,
      });
    } catch (error) {
      if (!signal.aborted) {
        this.#setUploading(false);
        this.#status.error(`Could not upload ${file.name}`, describeUploadError(error, file));
      }
      return;
    }

    this.#setUploading(false);
    this.#hasSavedAvatar = true;
    this.#input.value = '';
    this.#clearPreview();
    try {
      await this.#showSaved(signal);
      this.#status.success(`Avatar uploaded (revision ${record.revision}).`);
    } catch (error) {
      if (!signal.aborted) {
        this.#status.error('The avatar was uploaded, but could not be displayed', error);
      }
    }
  }

  // Blocks a second upload. The upload button keeps focus, so it is marked with aria-disabled
  // rather than disabled.
  #setUploading(uploading) {
    this.#uploading = uploading;
    this.#progress.hidden = !uploading;
    this.#progress.value = 0;
    this.#input.disabled = uploading;
    this.#discardButton.disabled = uploading;
    this.#uploadButton.setAttribute('aria-disabled', String(uploading));
  }

  #showImage(url, alt, caption) {
    this.#image.src = url;
    this.#image.alt = alt;
    this.#image.hidden = false;
    this.#placeholder.hidden = true;
    this.#caption.textContent = caption;
  }

  #showPlaceholder() {
    this.#image.removeAttribute('src');
    this.#image.alt = '';
    this.#image.hidden = true;
    this.#placeholder.hidden = false;
    this.#caption.textContent = 'Current avatar';
  }

  #clearPreview() {
    // The buttons are about to be disabled or hidden, so focus moves to the next useful control.
    const focused = document.activeElement;
    if (focused === this.#uploadButton || focused === this.#discardButton) {
      this.#input.focus();
    }
    if (this.#previewUrl !== null) {
      URL.revokeObjectURL(this.#previewUrl);
      this.#previewUrl = null;
    }
    this.#uploadButton.disabled = true;
    this.#discardButton.hidden = true;
  }

  #onImageError() {
    if (!this.#image.getAttribute('src')) {
      return;
    }
    const fromPreview = this.#image.src === this.#previewUrl;
    this.#showPlaceholder();
    if (fromPreview) {
      this.#input.value = '';
      this.#clearPreview();
      const reason = new Error('The browser cannot decode it as an image');
      this.#status.error('Could not preview this file', reason);
      this.#restoreSaved();
    } else {
      this.#status.error(
        'Could not display your avatar',
        new Error('The image failed to load from the object store. Reload the page to try again'),
      );
    }
  }
}

// A 415 means the server read the bytes and found another type than the file claims, which
// usually means a renamed file. The server's own wording stays in the message after it.
function describeUploadError(error, file) {
  if (!(error instanceof ApiError) || error.status !== 415) {
    return error;
  }
  const claimed = file.type || 'an image';
  const reason =
    `The server checked the file and it is not really ${claimed}, so it was not saved ` +
    `(${error.message}). Choose a PNG, JPEG, WebP or GIF image saved by an image editor`;
  return new ApiError(reason, { status: 415, code: error.code, requestId: error.requestId });
}
