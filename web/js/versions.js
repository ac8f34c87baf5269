// The version history of one attachment in a modal dialog, newest first, with a Restore button
// on each older version. Restoring copies the old bytes into a new revision, so the history only
// grows and a restore can itself be undone.

import { formatBytes, formatDateTime } from './format.js';

// Versions fetched per request. A longer history is read with "Show older versions".
const VERSIONS_PAGE_SIZE = 20;

export class VersionsDialog {
  #api;
  #elements;
  #onRestored;
  #format = { language: undefined, timeZone: undefined };
  #name = null;
  #displayName = '';
  #nextCursor = null;
  #busy = false;
  #controller = new AbortController();

  /**
   * @param {object} options
   * @param {import('./api.js').ApiClient} options.api
   * @param {Object<string, HTMLElement>} options.elements dialog, title, rows (tbody), status
   *     (a StatusRegion), more (button) and close (button)
   * @param {(record: object) => void} options.onRestored called with the new object record
   *     after a restore
   */
  constructor({ api, elements, onRestored }) {
    this.#api = api;
    this.#elements = elements;
    this.#onRestored = onRestored;
    elements.close.addEventListener('click', () => elements.dialog.close());
    elements.more.addEventListener('click', () => this.#loadPage());
    elements.rows.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-version-id]');
      if (button) {
        this.#restore(button);
      }
    });
    elements.dialog.addEventListener('close', () => {
      this.#controller.abort();
      this.#controller = new AbortController();
    });
  }

  setFormat(format) {
    this.#format = format;
  }

  /** Opens the dialog for the object `name`, shown to the user as `displayName`. */
  async open(name, displayName) {
    const { dialog, title, rows, status } = this.#elements;
    this.#name = name;
    this.#displayName = displayName;
    this.#nextCursor = null;
    title.textContent = `Versions of ${displayName}`;
    rows.replaceChildren();
    status.clear();
    dialog.showModal();
    await this.#loadPage();
  }

  close() {
    if (this.#elements.dialog.open) {
      this.#elements.dialog.close();
    }
  }

  async #loadPage() {
    const { rows, more, status } = this.#elements;
    const signal = this.#controller.signal;
    more.hidden = true;
    status.info('Loading versions…');
    try {
      const page = await this.#api.listVersions(
        this.#name,
        { cursor: this.#nextCursor, limit: VERSIONS_PAGE_SIZE },
        { signal },
      );
      const firstPage = this.#nextCursor === null;
      const versions = page.versions ?? [];
      rows.append(
        ...versions.map((version, index) => this.#createRow(version, firstPage && index === 0)),
      );
      this.#nextCursor = page.next_cursor ?? null;
      more.hidden = this.#nextCursor === null;
      status.clear();
    } catch (error) {
      if (!signal.aborted) {
        status.error('Could not list the versions', error);
      }
    }
  }

  // `current` marks the newest version, which is the one downloads return.
  #createRow(version, current) {
    const row = document.createElement('tr');
    row.dataset.versionId = version.version_id ?? '';
    const revision = document.createElement('th');
    revision.scope = 'row';
    revision.textContent = String(version.revision);

    const when = document.createElement('td');
    const time = document.createElement('time');
    time.dateTime = version.committed_at ?? '';
    time.textContent = formatDateTime(
      version.committed_at,
      this.#format.language,
      this.#format.timeZone,
    );
    when.append(time);

    const size = document.createElement('td');
    size.className = 'numeric';
    size.textContent = version.deleted ? '' : formatBytes(version.size, this.#format.language);

    const state = document.createElement('td');
    state.textContent = describeState(version, current);

    const action = document.createElement('td');
    if (!current && !version.deleted && version.version_id) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button--small';
      button.dataset.versionId = version.version_id;
      button.dataset.revision = String(version.revision);
      const hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ` revision ${version.revision} of ${this.#displayName}`;
      button.append('Restore', hidden);
      action.append(button);
    }
    row.append(revision, when, size, state, action);
    return row;
  }

  async #restore(button) {
    if (this.#busy) {
      return;
    }
    const { status, rows } = this.#elements;
    const signal = this.#controller.signal;
    const revision = button.dataset.revision;
    this.#busy = true;
    button.setAttribute('aria-disabled', 'true');
    status.info(`Restoring revision ${revision}…`);
    try {
      const record = await this.#api.restoreVersion(this.#name, button.dataset.versionId, {
        signal,
      });
      this.#onRestored(record);
      // The history gained a revision, so it is read again from the newest.
      this.#nextCursor = null;
      rows.replaceChildren();
      await this.#loadPage();
      status.success(
        `Restored revision ${revision} of ${this.#displayName} as revision ${record.revision}.`,
      );
      this.#elements.close.focus();
    } catch (error) {
      if (!signal.aborted) {
        status.error(`Could not restore revision ${revision}`, error);
        button.setAttribute('aria-disabled', 'false');
      }
    } finally {
      this.#busy = false;
    }
  }
}

function describeState(version, current) {
  if (version.deleted) {
    return 'Deleted';
  }
  const parts = [];
  if (current) {
    parts.push('Current');
  }
  if (version.restored_from) {
    parts.push('Restored');
  }
  return parts.join(', ');
}
