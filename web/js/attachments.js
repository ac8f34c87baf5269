// Attachments: files stored as `attachments/<file name>`, uploaded from a file input or by drag
// and drop, and listed in a table with Download, Versions and Delete buttons, narrowed by a name
// search. Rows are updated in place, never rebuilt, so keyboard focus stays where it is while
// uploads finish.

import { uploadObject } from './upload.js';
import { fetchFromStore } from './store.js';
import { formatBytes, formatDateTime } from './format.js';
import { ApiError } from './api.js';
import { VersionsDialog } from './versions.js';

export const ATTACHMENTS_PREFIX = 'attachments/';
// Rows per page until the preferences set items_per_page.
const DEFAULT_PAGE_SIZE = 50;
// Wait after the last key press in the search field before the list is fetched again.
const SEARCH_DELAY_MS = 250;
// Uploads that run at once. Browsers allow about six HTTP/1.1 connections per host, and the
// remaining ones keep the page's API calls responsive.
const PARALLEL_UPLOADS = 3;

export class AttachmentsPanel {
  #api;
  #status;
  #elements;
  // Object name to {row, record}, for the rows in the table.
  #rows = new Map();
  #nextCursor = null;
  #loadingPage = false;
  // Names of the objects being downloaded, so a second click does not fetch the bytes again.
  #downloading = new Set();
  #format = { language: undefined, timeZone: undefined };
  #pageSize = DEFAULT_PAGE_SIZE;
  // The name search in effect, as sent to the API's `search` filter.
  #search = '';
  #searchTimer = null;
  // Incremented by every reload, so a listing that a newer one replaced is dropped.
  #listGeneration = 0;
  #versions;
  // Aborted by reset() at sign-out. A request that fails after that reports nothing, because its
  // panel is hidden and a 401 has already switched the page to the signed-out view.
  #controller = new AbortController();

  /**
   * @param {object} options
   * @param {import('./api.js').ApiClient} options.api
   * @param {import('./status.js').StatusRegion} options.status
   * @param {Object<string, HTMLElement>} options.elements input, dropzone, uploads (list),
   *     tableRegion, rows (tbody), empty, loadMore, dialog, dialogText, searchForm and
   *     searchInput
   * @param {Object<string, *>} options.versionsElements see VersionsDialog
   */
  constructor({ api, status, elements, versionsElements }) {
    this.#api = api;
    this.#status = status;
    this.#elements = elements;
    this.#versions = new VersionsDialog({
      api,
      elements: versionsElements,
      onRestored: (record) => {
        this.#upsertRow(record);
        this.#updateListState();
      },
    });

    const { input, loadMore, rows, searchForm, searchInput } = elements;
    searchForm.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#applySearch();
    });
    searchInput.addEventListener('input', () => {
      clearTimeout(this.#searchTimer);
      this.#searchTimer = setTimeout(() => this.#applySearch(), SEARCH_DELAY_MS);
    });
    input.addEventListener('change', () => {
      const files = [...input.files];
      input.value = '';
      this.#uploadFiles(files, []);
    });
    loadMore.addEventListener('click', () => this.#loadMore());
    rows.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action]');
      if (button) {
        this.#runRowAction(button);
      }
    });
    this.#listenForDrops();
  }

  /** Sets the language and time zone for sizes and dates, and updates the rows shown. */
  setFormat({ language, timeZone }) {
    this.#format = { language, timeZone };
    this.#versions.setFormat(this.#format);
    for (const { row, record } of this.#rows.values()) {
      fillRow(row, record, this.#format);
    }
  }

  /** Sets the rows fetched per page, from 1 to 1000. Applies from the next page fetched. */
  setPageSize(pageSize) {
    const valid = Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1000;
    this.#pageSize = valid ? pageSize : DEFAULT_PAGE_SIZE;
  }

  /** Loads the first page of attachments into an empty table. */
  async load() {
    this.#clearRows();
    await this.#loadPage();
  }

  async #applySearch() {
    clearTimeout(this.#searchTimer);
    const search = this.#elements.searchInput.value.trim();
    if (search === this.#search) {
      return;
    }
    this.#search = search;
    this.#clearRows();
    await this.#loadPage();
    if (search === this.#search && search !== '') {
      const count = this.#rows.size;
      const more = this.#nextCursor === null ? '' : ' (more with Load more)';
      const noun = count === 1 ? 'attachment matches' : 'attachments match';
      this.#status.info(`${count} ${noun} "${search}"${more}.`);
    } else if (search === '') {
      this.#status.clear();
    }
  }

  /** Cancels requests and uploads in flight and empties the panel, for sign-out. */
  reset() {
    this.#controller.abort();
    this.#controller = new AbortController();
    this.#loadingPage = false;
    clearTimeout(this.#searchTimer);
    this.#search = '';
    this.#elements.searchInput.value = '';
    this.#versions.close();
    this.#clearRows();
    this.#elements.uploads.replaceChildren();
    this.#elements.empty.hidden = true;
    this.#status.clear();
  }

  async #loadPage() {
    const signal = this.#controller.signal;
    const { loadMore } = this.#elements;
    const generation = this.#listGeneration;
    this.#loadingPage = true;
    loadMore.setAttribute('aria-disabled', 'true');
    try {
      const query = {
        prefix: ATTACHMENTS_PREFIX,
        limit: this.#pageSize,
        cursor: this.#nextCursor,
        search: this.#search,
      };
      const page = await this.#api.listObjects(query, { signal });
      if (generation !== this.#listGeneration) {
        return [];
      }
      const added = [];
      for (const record of page.objects ?? []) {
        added.push(this.#upsertRow(record));
      }
      this.#nextCursor = page.next_cursor ?? null;
      this.#updateListState();
      return added;
    } catch (error) {
      if (!signal.aborted) {
        this.#status.error('Could not list your attachments', error);
      }
      return [];
    } finally {
      if (!signal.aborted) {
        this.#loadingPage = false;
        loadMore.setAttribute('aria-disabled', 'false');
      }
    }
  }

  async #loadMore() {
    if (this.#loadingPage) {
      return;
    }
    const { loadMore } = this.#elements;
    const hadFocus = document.activeElement === loadMore;
    const added = await this.#loadPage();
    // The button disappears after the last page, so focus moves to the first row it added.
    if (hadFocus && loadMore.hidden) {
      const target = added[0]?.querySelector('button') ?? this.#elements.input;
      target.focus();
    }
  }

  #updateListState() {
    const { tableRegion, empty, loadMore } = this.#elements;
    tableRegion.hidden = this.#rows.size === 0;
    empty.hidden = this.#rows.size > 0;
    empty.textContent = this.#search
      ? `No attachment name contains "${this.#search}".`
      : 'No attachments yet.';
    loadMore.hidden = this.#nextCursor === null;
  }

  #clearRows() {
    this.#listGeneration += 1;
    this.#loadingPage = false;
    this.#rows.clear();
    this.#nextCursor = null;
    this.#elements.rows.replaceChildren();
    this.#elements.tableRegion.hidden = true;
    this.#elements.loadMore.hidden = true;
  }

  // Updates the row of `record.name`, or inserts one in name order as the API lists them.
  // Returns the row.
  #upsertRow(record) {
    const { name } = record;
    let row = this.#rows.get(name)?.row;
    if (!row) {
      row = createRow(name);
      const next = [...this.#elements.rows.rows].find((other) => other.dataset.name > name);
      this.#elements.rows.insertBefore(row, next ?? null);
    }
    this.#rows.set(name, { row, record });
    fillRow(row, record, this.#format);
    return row;
  }

  async #runRowAction(button) {
    const row = button.closest('tr');
    const { name } = row.dataset;
    if (button.dataset.action === 'download') {
      await this.#download(name);
    } else if (button.dataset.action === 'versions') {
      await this.#versions.open(name, displayName(name));
    } else if (button.dataset.action === 'delete') {
      await this.#delete(name, row, button);
    }
  }

  async #download(name) {
    if (this.#downloading.has(name)) {
      return;
    }
    const fileName = displayName(name);
    const signal = this.#controller.signal;
    this.#downloading.add(name);
    this.#status.info(`Downloading ${fileName}…`);
    try {
      const { url } = await this.#api.createDownload(name, { signal });
      // NOTE: the whole file is held in memory until it is saved. Uploads are capped by the
      // server's max_upload_bytes (100 MB unless configured), which bounds that.
      const response = await fetchFromStore(url, { signal });
      saveFile(await response.blob(), fileName);
      this.#status.success(`Downloaded ${fileName}.`);
    } catch (error) {
      if (!signal.aborted) {
        this.#status.error(`Could not download ${fileName}`, error);
      }
    } finally {
      this.#downloading.delete(name);
    }
  }

  async #delete(name, row, button) {
    const fileName = displayName(name);
    if (!(await this.#confirmDelete(fileName))) {
      button.focus();
      return;
    }
    const signal = this.#controller.signal;
    try {
      await this.#api.deleteObject(name, { signal });
    } catch (error) {
      // Someone else deleted it already, which is the outcome the user asked for.
      const alreadyDeleted = error instanceof ApiError && error.status === 404;
      if (!alreadyDeleted) {
        if (!signal.aborted) {
          this.#status.error(`Could not delete ${fileName}`, error);
          button.focus();
        }
        return;
      }
    }
    const nextFocus = (row.nextElementSibling ?? row.previousElementSibling)?.querySelector(
      'button[data-action="delete"]',
    );
    row.remove();
    this.#rows.delete(name);
    this.#updateListState();
    (nextFocus ?? this.#elements.input).focus();
    this.#status.success(`Deleted ${fileName}.`);
  }

  // Resolves to true when the user confirms in the modal dialog. Escape and Cancel resolve false.
  #confirmDelete(fileName) {
    const { dialog, dialogText } = this.#elements;
    dialogText.textContent = `${fileName} will be deleted from your attachments.`;
    dialog.returnValue = '';
    dialog.showModal();
    return new Promise((resolve) => {
      const onClose = () => resolve(dialog.returnValue === 'delete');
      dialog.addEventListener('close', onClose, { once: true });
    });
  }

  /**
   * Uploads `files` to `attachments/<name>`, PARALLEL_UPLOADS at a time. `skippedFolders` are
   * the names of dropped folders, which are listed as failed.
   */
  async #uploadFiles(files, skippedFolders) {
    const { uploads } = this.#elements;
    // Items of failed uploads stay listed with their error until the next batch starts. Items of
    // a batch still running stay as well.
    for (const item of uploads.querySelectorAll('.upload--failed')) {
      item.remove();
    }
    const folderError = 'Folders cannot be uploaded. Choose or drop the files inside them instead.';
    for (const folder of skippedFolders) {
      const item = createUploadItem(folder);
      markUploadFailed(item, folderError);
      uploads.append(item);
    }
    if (files.length === 0) {
      if (skippedFolders.length > 0) {
        this.#status.error(`Could not upload ${skippedFolders.join(', ')}`, new Error(folderError));
      }
      return;
    }
    const signal = this.#controller.signal;
    const uploading = files.length === 1 ? files[0].name : `${files.length} files`;
    this.#status.info(`Uploading ${uploading}…`);

    const jobs = files.map((file) => ({ file, item: createUploadItem(file.name), error: null }));
    uploads.append(...jobs.map((job) => job.item));
    let next = 0;
    const worker = async () => {
      while (next < jobs.length && !signal.aborted) {
        const job = jobs[next];
        next += 1;
        job.error = await this.#uploadOne(job.file, job.item, signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, jobs.length) }, worker));
    if (!signal.aborted) {
      this.#reportBatch(jobs);
    }
  }

  // Uploads one file and returns null, or the error that stopped it.
  async #uploadOne(file, item, signal) {
    const progress = item.querySelector('progress');
    const state = item.querySelector('.upload__state');
    try {
      const record = await uploadObject(this.#api, {
        name: ATTACHMENTS_PREFIX + file.name,
        body: file,
        contentType: file.type || 'application/octet-stream',
        onProgress: (phase, fraction) => {
          progress.value = fraction;
          state.textContent = UPLOAD_PHASES[phase];
        },
        signal,
      });
      if (this.#matchesSearch(record.name)) {
        this.#upsertRow(record);
        this.#updateListState();
      }
      item.remove();
      return null;
    } catch (error) {
      if (!signal.aborted) {
        markUploadFailed(item, error.message);
      }
      return error;
    }
  }

  // Mirrors the API's search filter, which matches a part of the name in any letter case.
  #matchesSearch(name) {
    return name.toLowerCase().includes(this.#search.toLowerCase());
  }

  #reportBatch(jobs) {
    const failed = jobs.filter((job) => job.error !== null);
    if (failed.length === 0) {
      const uploaded = jobs.length === 1 ? jobs[0].file.name : `${jobs.length} files`;
      this.#status.success(`Uploaded ${uploaded}.`);
    } else if (failed.length === 1) {
      const [job] = failed;
      this.#status.error(`Could not upload ${job.file.name}`, job.error);
    } else {
      const summary =
        `${failed.length} of ${jobs.length} files failed. Each reason is listed with its file`;
      this.#status.error('Could not upload some files', new Error(summary));
    }
  }

  #listenForDrops() {
    const { dropzone } = this.#elements;
    dropzone.addEventListener('dragenter', (event) => {
      if (carriesFiles(event)) {
        event.preventDefault();
        dropzone.classList.add('dropzone--active');
      }
    });
    dropzone.addEventListener('dragover', (event) => {
      if (carriesFiles(event)) {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      }
    });
    dropzone.addEventListener('dragleave', (event) => {
      if (!dropzone.contains(event.relatedTarget)) {
        dropzone.classList.remove('dropzone--active');
      }
    });
    dropzone.addEventListener('drop', (event) => {
      if (!carriesFiles(event)) {
        return;
      }
      event.preventDefault();
      dropzone.classList.remove('dropzone--active');
      const { files, folders } = droppedFiles(event.dataTransfer);
      this.#uploadFiles(files, folders);
    });

    // A file dropped next to the drop zone would otherwise replace this page with the file.
    for (const type of ['dragover', 'drop']) {
      window.addEventListener(type, (event) => {
        if (carriesFiles(event) && !dropzone.contains(event.target)) {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'none';
        }
      });
    }
  }
}

const UPLOAD_PHASES = {
  presign: 'Preparing…',
  transfer: 'Uploading…',
  commit: 'Saving…',
};

function carriesFiles(event) {
  return event.dataTransfer?.types.includes('Files') ?? false;
}

// Splits a drop into files and folder names. A dropped folder arrives as a File that cannot be
// read, so it is recognised through its file system entry where the browser provides one.
function droppedFiles(dataTransfer) {
  const files = [];
  const folders = [];
  const items = [...dataTransfer.items].filter((item) => item.kind === 'file');
  if (items.length === 0 || typeof items[0].webkitGetAsEntry !== 'function') {
    return { files: [...dataTransfer.files], folders };
  }
  for (const item of items) {
    const entry = item.webkitGetAsEntry();
    const file = item.getAsFile();
    if (entry?.isDirectory) {
      folders.push(entry.name);
    } else if (file) {
      files.push(file);
    }
  }
  return { files, folders };
}

// Time a blob: URL stays valid after its link is clicked. The browser reads the blob after
// click() returns, so revoking the URL at once could cancel the download.
const SAVE_URL_LIFETIME_MS = 60_000;

/**
 * Saves `blob` through the browser's download manager under `fileName`. Browsers ignore the
 * download attribute on a link to another origin, such as the store's presigned URL, and open
 * the file in a tab instead, where an HTML or PDF attachment would render. A blob: URL has this
 * page's origin, so the attribute applies and every file type is saved the same way.
 */
function saveFile(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), SAVE_URL_LIFETIME_MS);
}

function displayName(name) {
  return name.startsWith(ATTACHMENTS_PREFIX) ? name.slice(ATTACHMENTS_PREFIX.length) : name;
}

function createUploadItem(fileName) {
  const item = document.createElement('li');
  item.className = 'upload';
  const name = document.createElement('span');
  name.className = 'upload__name';
  name.textContent = fileName;
  const progress = document.createElement('progress');
  progress.className = 'progress';
  progress.max = 1;
  progress.value = 0;
  progress.setAttribute('aria-label', `Upload progress of ${fileName}`);
  const state = document.createElement('span');
  state.className = 'upload__state';
  state.textContent = 'Waiting…';
  item.append(name, progress, state);
  return item;
}

function markUploadFailed(item, message) {
  item.classList.add('upload--failed');
  item.querySelector('progress').hidden = true;
  item.querySelector('.upload__state').textContent = `Failed: ${message}`;
}

// Builds an empty row with its buttons. fillRow writes the record's values into it.
function createRow(name) {
  const row = document.createElement('tr');
  row.dataset.name = name;
  const nameCell = document.createElement('th');
  nameCell.scope = 'row';
  nameCell.textContent = displayName(name);

  const sizeCell = document.createElement('td');
  sizeCell.className = 'numeric';
  const typeCell = document.createElement('td');
  const updatedCell = document.createElement('td');
  updatedCell.append(document.createElement('time'));

  const actions = document.createElement('div');
  actions.className = 'row-actions';
  actions.append(
    createRowButton('download', 'Download', displayName(name)),
    createRowButton('versions', 'Versions', displayName(name)),
    createRowButton('delete', 'Delete', displayName(name)),
  );
  const actionsCell = document.createElement('td');
  actionsCell.append(actions);

  row.append(nameCell, sizeCell, typeCell, updatedCell, actionsCell);
  return row;
}

// The file name is in the button's accessible name, so a list of buttons reads "Delete
// report.pdf" and not a row of identical "Delete" buttons.
function createRowButton(action, label, fileName) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button button--small';
  button.dataset.action = action;
  const hidden = document.createElement('span');
  hidden.className = 'visually-hidden';
  hidden.textContent = ` ${fileName}`;
  button.append(label, hidden);
  return button;
}

function fillRow(row, record, { language, timeZone }) {
  const [, sizeCell, typeCell, updatedCell] = row.cells;
  sizeCell.textContent = formatBytes(record.size, language);
  typeCell.textContent = record.content_type ?? '';
  const time = updatedCell.firstElementChild;
  time.dateTime = record.updated_at ?? '';
  time.textContent = formatDateTime(record.updated_at, language, timeZone);
}
