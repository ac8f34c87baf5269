// The preferences form, stored as the object `preferences.json`:
//   {"theme": "light" | "dark" | "system", "language": "<BCP 47 tag>",
//    "time_zone": "<IANA time zone>", "email_notifications": true | false}
// Fields that other apps added to the object are kept when this page saves it.

import { uploadObject } from './upload.js';
import { fetchFromStore } from './store.js';

export const PREFERENCES_NAME = 'preferences.json';
const THEME_CACHE_KEY = 'satchel.theme';
const THEMES = ['light', 'dark', 'system'];
// BCP 47 tags offered in the language select. A saved tag outside this list is added to it.
const LANGUAGES = [
  'de-DE',
  'en-GB',
  'en-US',
  'es-ES',
  'fr-FR',
  'it-IT',
  'ja-JP',
  'nl-NL',
  'pt-BR',
  'zh-CN',
];

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

/** Returns the preferences used when none are saved, based on the browser's settings. */
export function defaultPreferences() {
  const browserLanguages = navigator.languages?.length ? navigator.languages : [navigator.language];
  const language =
    browserLanguages.find((tag) => LANGUAGES.includes(tag)) ??
    LANGUAGES.find((tag) => browserLanguages.some((browser) => tag.startsWith(`${browser}-`))) ??
    'en-US';
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return {
    theme: 'system',
    language,
    time_zone: isValidTimeZone(timeZone) ? timeZone : 'UTC',
    email_notifications: false,
  };
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

/** Returns the known fields of `saved`, each replaced by its default when missing or invalid. */
function knownPreferences(saved) {
  const defaults = defaultPreferences();
  return {
    theme: THEMES.includes(saved.theme) ? saved.theme : defaults.theme,
    language: isLanguageTag(saved.language) ? saved.language : defaults.language,
    time_zone: isValidTimeZone(saved.time_zone) ? saved.time_zone : defaults.time_zone,
    email_notifications:
      typeof saved.email_notifications === 'boolean'
        ? saved.email_notifications
        : defaults.email_notifications,
  };
}

function isLanguageTag(tag) {
  if (typeof tag !== 'string' || tag === '') {
    return false;
  }
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

export class PreferencesPanel {
  #api;
  #form;
  #status;
  #onApply;
  #timeZoneControl;
  #saving = false;
  #otherFields = {};
  // Aborted by reset() at sign-out. A request that fails after that reports nothing, because its
  // panel is hidden and a 401 has already switched the page to the signed-out view.
  #controller = new AbortController();

  /**
   * @param {object} options
   * @param {import('./api.js').ApiClient} options.api
   * @param {HTMLFormElement} options.form
   * @param {HTMLElement} options.timeZoneField container that receives the time zone control
   * @param {import('./status.js').StatusRegion} options.status
   * @param {(preferences: object) => void} options.onApply called with the preferences in
   *     effect after each load and save
   */
  constructor({ api, form, timeZoneField, status, onApply }) {
    this.#api = api;
    this.#form = form;
    this.#status = status;
    this.#onApply = onApply;
    fillLanguageSelect(form.elements.language);
    this.#timeZoneControl = createTimeZoneControl(timeZoneField);

    form.addEventListener('change', (event) => {
      if (event.target.name === 'theme') {
        applyTheme(event.target.value);
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#save();
    });
  }

  /** Loads the saved preferences, or the defaults when there are none, into the form. */
  async load() {
    const signal = this.#controller.signal;
    this.#setLoading(true);
    try {
      const saved = await this.#fetchSaved(signal);
      if (saved === null) {
        this.#show(defaultPreferences(), {});
        this.#status.info(
          'No preferences saved yet. The form shows the defaults for this browser.',
        );
      } else {
        const known = knownPreferences(saved);
        this.#show(known, withoutKeys(saved, Object.keys(known)));
      }
    } catch (error) {
      if (signal.aborted) {
        return;
      }
      // The theme on screen, which may come from the cache of an earlier load, stays as it is.
      const theme = document.documentElement.dataset.theme ?? 'system';
      const fallback = { ...defaultPreferences(), theme };
      this.#otherFields = {};
      this.#writeForm(fallback);
      this.#onApply(fallback);
      this.#status.error('Could not load your preferences, so the form shows the defaults', error);
    } finally {
      if (!signal.aborted) {
        this.#setLoading(false);
      }
    }
  }

  /** Cancels requests in flight and puts the defaults back, for sign-out. */
  reset() {
    this.#controller.abort();
    this.#controller = new AbortController();
    this.#otherFields = {};
    this.#writeForm(defaultPreferences());
    this.#status.clear();
    this.#setLoading(false);
    this.#setSaving(false);
  }

  // Returns the parsed object, or null when the user has no preferences.json yet.
  async #fetchSaved(signal) {
    const record = await this.#api.findObject(PREFERENCES_NAME, { signal });
    if (record === null) {
      return null;
    }
    const { url } = await this.#api.createDownload(PREFERENCES_NAME, { signal });
    const response = await fetchFromStore(url, { signal });
    let saved;
    try {
      saved = JSON.parse(await response.text());
    } catch {
      throw new Error('The saved preferences.json is not valid JSON. Saving the form replaces it.');
    }
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) {
      throw new Error(
        'The saved preferences.json is not a JSON object. Saving the form replaces it.',
      );
    }
    return saved;
  }

  async #save() {
    if (this.#saving) {
      return;
    }
    const preferences = this.#readForm();
    if (!isValidTimeZone(preferences.time_zone)) {
      this.#timeZoneControl.setAttribute('aria-invalid', 'true');
      this.#timeZoneControl.focus();
      this.#status.error(
        'Could not save preferences',
        new Error(
          `"${preferences.time_zone}" is not a time zone. Enter a name such as Europe/Paris.`,
        ),
      );
      return;
    }
    this.#timeZoneControl.removeAttribute('aria-invalid');

    const signal = this.#controller.signal;
    const text = `${JSON.stringify({ ...this.#otherFields, ...preferences }, null, 2)}\n`;
    this.#setSaving(true);
    this.#status.info('Saving preferences…');
    try {
      const record = await uploadObject(this.#api, {
        name: PREFERENCES_NAME,
        body: new Blob([text], { type: 'application/json' }),
        contentType: 'application/json',
        signal,
      });
      applyTheme(preferences.theme, { remember: true });
      this.#onApply(preferences);
      this.#status.success(`Saved (revision ${record.revision}).`);
    } catch (error) {
      if (!signal.aborted) {
        this.#status.error('Could not save preferences', error);
      }
    } finally {
      if (!signal.aborted) {
        this.#setSaving(false);
      }
    }
  }

  #show(preferences, otherFields) {
    this.#otherFields = otherFields;
    this.#writeForm(preferences);
    applyTheme(preferences.theme, { remember: true });
    this.#onApply(preferences);
  }

  #writeForm(preferences) {
    const { elements } = this.#form;
    elements.theme.value = preferences.theme;
    const { language, time_zone: timeZone } = preferences;
    ensureOption(elements.language, language, () => languageOption(language));
    elements.language.value = language;
    if (this.#timeZoneControl instanceof HTMLSelectElement) {
      const createOption = () => new Option(timeZoneLabel(timeZone), timeZone);
      ensureOption(this.#timeZoneControl, timeZone, createOption);
    }
    this.#timeZoneControl.value = preferences.time_zone;
    this.#timeZoneControl.removeAttribute('aria-invalid');
    elements.email_notifications.checked = preferences.email_notifications;
  }

  #readForm() {
    const { elements } = this.#form;
    return {
      theme: elements.theme.value,
      language: elements.language.value,
      time_zone: this.#timeZoneControl.value.trim(),
      email_notifications: elements.email_notifications.checked,
    };
  }

  // Disables the controls, which is safe before the user has started editing.
  #setLoading(loading) {
    this.#form.setAttribute('aria-busy', String(loading));
    for (const element of this.#form.elements) {
      element.disabled = loading;
    }
  }

  // Blocks a second submit without disabling the button, because a disabled button loses focus.
  #setSaving(saving) {
    this.#saving = saving;
    this.#form.setAttribute('aria-busy', String(saving));
    this.#form.querySelector('[type="submit"]').setAttribute('aria-disabled', String(saving));
  }
}

function fillLanguageSelect(select) {
  for (const tag of LANGUAGES) {
    select.add(languageOption(tag));
  }
}

function languageOption(tag) {
  const option = new Option(languageLabel(tag), tag);
  // Each name is written in its own language, so screen readers need the tag to pronounce it.
  option.lang = tag;
  return option;
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

function timeZoneLabel(zone) {
  return zone.replaceAll('_', ' ');
}

// Adds an option for a saved value that the built-in list lacks, so loading never drops it.
function ensureOption(select, value, createOption) {
  if (![...select.options].some((option) => option.value === value)) {
    select.add(createOption());
  }
}

/**
 * Adds the time zone control to `field` and returns it: a select of the zones that the browser
 * supports, or a text input where Intl.supportedValuesOf is missing (Safari before 15.4, for
 * example).
 */
function createTimeZoneControl(field) {
  let control;
  if (typeof Intl.supportedValuesOf === 'function') {
    control = document.createElement('select');
    const zones = Intl.supportedValuesOf('timeZone');
    // Some browsers leave UTC out of the list, but it is the usual choice for servers and logs.
    if (!zones.includes('UTC')) {
      control.add(new Option('UTC', 'UTC'));
    }
    for (const zone of zones) {
      control.add(new Option(timeZoneLabel(zone), zone));
    }
    field.append(control);
  } else {
    control = document.createElement('input');
    control.type = 'text';
    control.autocomplete = 'off';
    control.spellcheck = false;
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.id = 'pref-time-zone-hint';
    hint.textContent = 'An IANA time zone name, such as Europe/Paris or America/New_York.';
    control.setAttribute('aria-describedby', hint.id);
    field.append(control, hint);
  }
  control.id = 'pref-time-zone';
  control.name = 'time_zone';
  return control;
}

function withoutKeys(object, keys) {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}
