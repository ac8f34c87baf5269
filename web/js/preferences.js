// The preferences form, stored as the object `preferences.json`. The server publishes the JSON
// Schema that the object must match, and the form is built from it. A save is conditional on
// the ETag of the copy that was loaded, so a save from a stale copy gets a conflict and the
// user chooses between the server's copy and their own.

import { ApiError } from './api.js';
import { ConflictView } from './preferences-conflict.js';
import { SchemaForm } from './schema-form.js';
import { fetchFromStore } from './store.js';
import { uploadObject } from './upload.js';

export const PREFERENCES_NAME = 'preferences.json';
const THEME_CACHE_KEY = 'satchel.theme';
const THEMES = ['light', 'dark', 'system'];
const THEME_LABELS = { system: 'Same as system', light: 'Light', dark: 'Dark' };

/**
 * Sets the page theme. "system" follows the operating system's colour scheme. With `remember`,
 * the theme is also cached for js/theme-init.js, which applies it on the next page load before
 * the preferences arrive.
 */
export function applyTheme(theme, { remember = false } = {}) {
  const applied = THEMES.includes(theme) ? theme : 'system';
  document.documentElement.dataset.theme = applied;
  if (!remember) {
    return;
  }
  try {
    localStorage.setItem(THEME_CACHE_KEY, applied);
  } catch {
    // The browser can block storage. The next page load then starts with the system theme.
  }
}

export function isValidTimeZone(zone) {
  if (typeof zone !== 'string' || zone === '') {
    return false;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// A language's name in that language, such as "Deutsch (Deutschland)", so that people find
// their own language whatever the current one is.
function languageLabel(tag) {
  try {
    const names = new Intl.DisplayNames([tag], { type: 'language', languageDisplay: 'standard' });
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

function timeZones() {
  return typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
}

// What the schema cannot express about the known fields: readable option labels, time zone
// suggestions and the check that a time zone exists.
const FIELD_OPTIONS = {
  theme: { optionLabel: (value) => THEME_LABELS[value] ?? String(value) },
  language: { optionLabel: languageLabel, optionLang: (value) => String(value) },
  time_zone: {
    get suggestions() {
      return timeZones();
    },
    validate: (value) =>
      isValidTimeZone(value)
        ? null
        : `"${value}" is not a time zone. Enter a name such as Europe/Paris.`,
  },
};

/**
 * Returns the values the form starts with when nothing is saved: the schema's defaults, with the
 * browser's language and time zone where the schema allows them.
 */
function startingValues(form, schema) {
  const values = form.defaults();
  const languages = schema.properties?.language?.enum;
  const browserLanguages = navigator.languages?.length ? navigator.languages : [navigator.language];
  if (Array.isArray(languages)) {
    const match =
      browserLanguages.find((tag) => languages.includes(tag)) ??
      languages.find((tag) => browserLanguages.some((browser) => tag.startsWith(`${browser}-`)));
    if (match) {
      values.language = match;
    }
  }
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (schema.properties?.time_zone && isValidTimeZone(zone)) {
    values.time_zone = zone;
  }
  if (schema.properties?.theme) {
    values.theme ??= 'system';
  }
  return values;
}

export class PreferencesPanel {
  #api;
  #formElement;
  #fieldsElement;
  #status;
  #onApply;
  #conflict;
  /** @type {SchemaForm | null} */
  #form = null;
  #schema = null;
  // The document as the server had it when it was loaded or saved, and its ETag. A save is
  // conditional on this ETag, or on the object not existing when `etag` is null.
  #saved = { document: null, etag: null };
  #saving = false;
  // The server copy `{document, etag}` found by the last conflict, which "Reload theirs" puts
  // into the form.
  #pendingTheirs = null;
  // Aborted by reset() at sign-out. A request that fails after that reports nothing, because its
  // panel is hidden and a 401 has already switched the page to the signed-out view.
  #controller = new AbortController();

  /**
   * @param {object} options
   * @param {import('./api.js').ApiClient} options.api
   * @param {HTMLFormElement} options.form
   * @param {HTMLElement} options.fields container that receives the generated fields
   * @param {import('./status.js').StatusRegion} options.status
   * @param {Object<string, HTMLElement>} options.conflictElements see ConflictView
   * @param {(preferences: object) => void} options.onApply called with the preferences in
   *     effect after each load and save
   */
  constructor({ api, form, fields, status, conflictElements, onApply }) {
    this.#api = api;
    this.#formElement = form;
    this.#fieldsElement = fields;
    this.#status = status;
    this.#onApply = onApply;
    this.#conflict = new ConflictView(conflictElements, {
      onReload: () => this.#reloadTheirs(),
      onOverwrite: () => this.#overwrite(),
    });

    form.addEventListener('change', (event) => {
      if (event.target.name === 'theme') {
        applyTheme(event.target.value);
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#save({ overwrite: false });
    });
  }

  /** Loads the schema and the saved preferences, or the defaults when none are saved. */
  async load() {
    const signal = this.#controller.signal;
    this.#setLoading(true);
    this.#conflict.hide();
    try {
      const [schema, saved] = await Promise.all([
        this.#api.getPreferencesSchema({ signal }),
        this.#fetchSaved(signal),
      ]);
      this.#buildForm(schema);
      this.#saved = saved;
      if (saved.document === null) {
        this.#show(startingValues(this.#form, schema));
        this.#status.info(
          'No preferences saved yet. The form shows the defaults for this browser.',
        );
      } else {
        this.#show(saved.document);
        this.#status.clear();
      }
    } catch (error) {
      if (!signal.aborted) {
        this.#status.error('Could not load your preferences', error);
      }
    } finally {
      if (!signal.aborted) {
        this.#setLoading(false);
      }
    }
  }

  /** Cancels requests in flight and empties the form, for sign-out. */
  reset() {
    this.#controller.abort();
    this.#controller = new AbortController();
    this.#saved = { document: null, etag: null };
    this.#form = null;
    this.#schema = null;
    this.#fieldsElement.replaceChildren();
    this.#conflict.hide();
    this.#status.clear();
    this.#setLoading(false);
    this.#setSaving(false);
  }

  #buildForm(schema) {
    if (this.#schema !== null && JSON.stringify(schema) === JSON.stringify(this.#schema)) {
      return;
    }
    this.#schema = schema;
    this.#form = new SchemaForm(this.#fieldsElement, schema, {
      idPrefix: 'pref',
      fieldOptions: FIELD_OPTIONS,
    });
  }

  // Returns `{document, etag}` of the saved preferences, or nulls when there are none.
  async #fetchSaved(signal) {
    const record = await this.#api.findObject(PREFERENCES_NAME, { signal });
    if (record === null) {
      return { document: null, etag: null };
    }
    const { url } = await this.#api.createDownload(PREFERENCES_NAME, { signal });
    const response = await fetchFromStore(url, { signal });
    // The ETag of the bytes read is the one a save must match. The record's ETag can be older
    // when another save commits between the two requests.
    const etag = response.headers.get('ETag') ?? record.etag;
    let document;
    try {
      document = JSON.parse(await response.text());
    } catch {
      throw new Error('The saved preferences.json is not valid JSON. Saving the form replaces it.');
    }
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      throw new Error(
        'The saved preferences.json is not a JSON object. Saving the form replaces it.',
      );
    }
    return { document, etag };
  }

  // Returns the document to save: the form's values over the saved properties that have no
  // field. Those are dropped when the schema forbids properties it does not list.
  #documentToSave() {
    const kept = {};
    const base = this.#saved.document ?? {};
    const closed = this.#schema.additionalProperties === false;
    for (const [name, value] of Object.entries(base)) {
      const hasField = this.#form.names.includes(name);
      const listed = Object.hasOwn(this.#schema.properties ?? {}, name);
      if (!hasField && (listed || !closed)) {
        kept[name] = value;
      }
    }
    return { ...kept, ...this.#form.read() };
  }

  async #save({ overwrite }) {
    if (this.#saving || this.#form === null) {
      return;
    }
    const document = this.#documentToSave();
    const violations = this.#form.validate(document);
    this.#form.clearErrors();
    if (violations.length > 0) {
      this.#reportViolations(violations, 'Could not save preferences');
      return;
    }

    const signal = this.#controller.signal;
    this.#setSaving(true);
    this.#status.info(overwrite ? 'Overwriting the server copy…' : 'Saving preferences…');
    try {
      if (overwrite) {
        // Overwriting on purpose: the save is made conditional on the copy the server has now,
        // so a third change made meanwhile is still caught.
        const current = await this.#api.findObject(PREFERENCES_NAME, { signal });
        this.#saved = { document: this.#saved.document, etag: current?.etag ?? null };
      }
      const text = `${JSON.stringify(document, null, 2)}\n`;
      const record = await uploadObject(this.#api, {
        name: PREFERENCES_NAME,
        body: new Blob([text], { type: 'application/json' }),
        contentType: 'application/json',
        ifMatch: this.#saved.etag ?? undefined,
        ifNoneMatch: this.#saved.etag === null ? '*' : undefined,
        signal,
      });
      this.#saved = { document, etag: record.etag };
      this.#conflict.hide();
      this.#show(document);
      this.#status.success(`Saved (revision ${record.revision}).`);
    } catch (error) {
      if (!signal.aborted) {
        await this.#handleSaveError(error, document, signal);
      }
    } finally {
      if (!signal.aborted) {
        this.#setSaving(false);
      }
    }
  }

  async #handleSaveError(error, mine, signal) {
    if (isSchemaViolation(error)) {
      this.#reportViolations(violationsOf(error), 'The server rejected the preferences');
      return;
    }
    if (!isStaleCopy(error)) {
      this.#status.error('Could not save preferences', error);
      return;
    }
    let theirs;
    try {
      theirs = await this.#fetchSaved(signal);
    } catch (fetchError) {
      if (!signal.aborted) {
        const context = 'Your copy is out of date, and the server copy could not be read';
        this.#status.error(context, fetchError);
      }
      return;
    }
    this.#pendingTheirs = theirs;
    this.#status.error(
      'Could not save preferences',
      new Error('They were changed on the server since this page loaded them. Compare below'),
    );
    this.#conflict.show(this.#describeChanges(mine, theirs.document ?? {}));
  }

  #describeChanges(mine, theirs) {
    const names = new Set([...Object.keys(mine), ...Object.keys(theirs)]);
    const changes = [];
    for (const name of names) {
      if (JSON.stringify(mine[name]) === JSON.stringify(theirs[name])) {
        continue;
      }
      const listed = this.#form.names.includes(name);
      changes.push({
        name,
        label: listed ? this.#form.labelOf(name) : name,
        mine: this.#form.displayValue(name, mine[name]),
        theirs: this.#form.displayValue(name, theirs[name]),
      });
    }
    return changes;
  }

  #reloadTheirs() {
    const theirs = this.#pendingTheirs;
    if (theirs === null) {
      return;
    }
    this.#pendingTheirs = null;
    this.#saved = theirs;
    this.#conflict.hide();
    this.#form.clearErrors();
    const shown = theirs.document ?? startingValues(this.#form, this.#schema);
    this.#show(shown);
    this.#status.success('Loaded the preferences saved on the server.');
    this.#focusFirstField();
  }

  async #overwrite() {
    this.#pendingTheirs = null;
    this.#conflict.hide();
    await this.#save({ overwrite: true });
    this.#focusFirstField();
  }

  #focusFirstField() {
    this.#formElement.querySelector('input, select')?.focus();
  }

  #reportViolations(violations, context) {
    const unplaced = this.#form.showErrors(violations);
    const placed = violations.length - unplaced.length;
    const parts = [];
    if (placed > 0) {
      parts.push(placed === 1 ? 'Fix the marked field' : `Fix the ${placed} marked fields`);
    }
    for (const violation of unplaced) {
      parts.push(violation.path ? `${violation.path}: ${violation.message}` : violation.message);
    }
    this.#status.error(context, new Error(parts.join('. ')));
    this.#form.focusFirstError(violations);
  }

  #show(preferences) {
    this.#form.write(preferences);
    applyTheme(preferences.theme, { remember: true });
    this.#onApply(preferences);
  }

  // Disables the controls, which is safe before the user has started editing.
  #setLoading(loading) {
    this.#formElement.setAttribute('aria-busy', String(loading));
    this.#form?.setDisabled(loading);
    this.#submitButton().disabled = loading;
  }

  // Blocks a second submit without disabling the button, because a disabled button loses focus.
  #setSaving(saving) {
    this.#saving = saving;
    this.#formElement.setAttribute('aria-busy', String(saving));
    this.#submitButton().setAttribute('aria-disabled', String(saving));
  }

  #submitButton() {
    return this.#formElement.querySelector('[type="submit"]');
  }
}

function isSchemaViolation(error) {
  return error instanceof ApiError && error.status === 422;
}

// The server reports a stale if_match with 409 "conflict", and 412 when the object was deleted.
function isStaleCopy(error) {
  if (!(error instanceof ApiError)) {
    return false;
  }
  return error.status === 412 || (error.status === 409 && error.code === 'conflict');
}

// The violations of a 422 body. A body with only `path` and `message` counts as one violation.
function violationsOf(error) {
  const details = error.body?.error ?? {};
  if (Array.isArray(details.violations) && details.violations.length > 0) {
    return details.violations.map((violation) => ({
      path: typeof violation.path === 'string' ? violation.path : '',
      message: String(violation.message ?? 'invalid value'),
    }));
  }
  return [{ path: typeof details.path === 'string' ? details.path : '', message: error.message }];
}
