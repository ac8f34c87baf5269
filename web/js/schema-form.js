// Form fields generated from the JSON Schema of a flat object, and the checks the browser runs
// before a save. The server validates again against the same schema, so these checks only give
// earlier and clearer messages. The supported keywords are type, enum, minimum, maximum,
// exclusiveMinimum, exclusiveMaximum (the number form of draft-06 and later), minLength,
// maxLength, pattern, required, title, description and default. Properties of another type
// (object, array) get no field, and their saved values are kept as they are.

/**
 * A violation of the schema: `path` is a JSON Pointer (RFC 6901) such as "/theme", or "" for
 * the whole document.
 * @typedef {{path: string, message: string}} Violation
 */

/**
 * Per-property additions that a schema cannot express.
 * @typedef {object} FieldOptions
 * @property {(value: *) => string} [optionLabel] text of an enum option
 * @property {(value: *) => (string|undefined)} [optionLang] BCP 47 tag of an option's text
 * @property {string[]} [suggestions] values offered in a datalist of a text field
 * @property {(value: *) => (string|null)} [validate] extra check, returns a message or null
 */

export class SchemaForm {
  #container;
  #schema;
  #idPrefix;
  #fieldOptions;
  // Property name to {control, kind, errorElement, hintId}.
  #fields = new Map();

  /**
   * @param {HTMLElement} container element that receives the fields
   * @param {object} schema JSON Schema whose type is "object"
   * @param {object} options
   * @param {string} options.idPrefix prefix of the element ids, unique in the page
   * @param {Object<string, FieldOptions>} [options.fieldOptions]
   */
  constructor(container, schema, { idPrefix, fieldOptions = {} }) {
    this.#container = container;
    this.#schema = schema;
    this.#idPrefix = idPrefix;
    this.#fieldOptions = fieldOptions;
    this.#render();
  }

  /** Names of the properties that have a field, in schema order. */
  get names() {
    return [...this.#fields.keys()];
  }

  /** Returns the defaults that the schema declares, by property name. */
  defaults() {
    const values = {};
    for (const [name, property] of Object.entries(this.#schema.properties ?? {})) {
      if (property.default !== undefined) {
        values[name] = property.default;
      }
    }
    return values;
  }

  /**
   * Returns the values in the fields, with text trimmed. An empty text or number field leaves
   * its property out, and a number field whose text is not a number returns NaN, which
   * validate() reports.
   */
  read() {
    const values = {};
    for (const [name, field] of this.#fields) {
      const value = readControl(field);
      if (value !== undefined) {
        values[name] = value;
      }
    }
    return values;
  }

  /** Writes `values` into the fields. A property missing from `values` empties its field. */
  write(values) {
    for (const [name, field] of this.#fields) {
      writeControl(field, values[name]);
    }
  }

  /** Returns the violations of `values` against the schema, in field order. */
  validate(values) {
    const violations = [];
    const required = new Set(this.#schema.required ?? []);
    for (const [name, property] of Object.entries(this.#schema.properties ?? {})) {
      const value = values[name];
      let message = null;
      if (value === undefined) {
        message = required.has(name) ? 'Enter a value, because this field is required.' : null;
      } else {
        message =
          checkValue(property, value) ?? this.#fieldOptions[name]?.validate?.(value) ?? null;
      }
      if (message !== null) {
        violations.push({ path: `/${escapePointer(name)}`, message });
      }
    }
    return violations;
  }

  /**
   * Shows each violation next to its field, linked through aria-describedby and marked with
   * aria-invalid. Returns the violations that name no field, which the caller shows elsewhere.
   */
  showErrors(violations) {
    const unplaced = [];
    const messages = new Map();
    for (const violation of violations) {
      const name = fieldNameOf(violation.path);
      if (name === null || !this.#fields.has(name)) {
        unplaced.push(violation);
      } else if (!messages.has(name)) {
        messages.set(name, violation.message);
      }
    }
    for (const [name, field] of this.#fields) {
      setFieldError(field, messages.get(name) ?? null);
    }
    return unplaced;
  }

  clearErrors() {
    for (const field of this.#fields.values()) {
      setFieldError(field, null);
    }
  }

  /** Moves focus to the field of the first violation that names one. Returns whether it did. */
  focusFirstError(violations) {
    for (const violation of violations) {
      const field = this.#fields.get(fieldNameOf(violation.path));
      if (field) {
        field.control.focus();
        return true;
      }
    }
    return false;
  }

  /** Returns the label text of a property, for messages that name a field. */
  labelOf(name) {
    return this.#schema.properties?.[name]?.title ?? humanize(name);
  }

  /** Returns a value as its field shows it: an enum's option label, On or Off, or the text. */
  displayValue(name, value) {
    if (value === undefined || value === null) {
      return 'not set';
    }
    const property = this.#schema.properties?.[name] ?? {};
    if (Array.isArray(property.enum)) {
      return this.#fieldOptions[name]?.optionLabel?.(value) ?? String(value);
    }
    if (typeof value === 'boolean') {
      return value ? 'On' : 'Off';
    }
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }

  setDisabled(disabled) {
    for (const field of this.#fields.values()) {
      field.control.disabled = disabled;
    }
  }

  #render() {
    const elements = [];
    for (const [name, property] of Object.entries(this.#schema.properties ?? {})) {
      const kind = fieldKind(property);
      if (kind === null) {
        continue;
      }
      const field = this.#renderField(name, property, kind);
      this.#fields.set(name, field);
      elements.push(field.wrapper);
    }
    this.#container.replaceChildren(...elements);
  }

  #renderField(name, property, kind) {
    const id = `${this.#idPrefix}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    const options = this.#fieldOptions[name] ?? {};
    const wrapper = document.createElement('div');
    wrapper.className = kind === 'switch' ? 'field field--inline' : 'field';

    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = property.title ?? humanize(name);

    const { control, datalist } = createControl(kind, property, options, `${id}-options`);
    control.id = id;
    control.name = name;

    const describedBy = [];
    const hint = createHint(property, kind, `${id}-hint`);
    if (hint) {
      describedBy.push(hint.id);
    }
    const errorElement = document.createElement('p');
    errorElement.className = 'field-error';
    errorElement.id = `${id}-error`;
    errorElement.hidden = true;
    if (describedBy.length > 0) {
      control.setAttribute('aria-describedby', describedBy.join(' '));
    }

    // A switch reads best with the control before its label, as in system settings.
    const parts = kind === 'switch' ? [control, label] : [label, control];
    if (datalist) {
      parts.push(datalist);
    }
    wrapper.append(...parts);
    if (hint) {
      wrapper.append(hint);
    }
    wrapper.append(errorElement);
    return { control, kind, property, errorElement, hintId: hint?.id ?? null, wrapper };
  }
}

function fieldKind(property) {
  const type = primaryType(property);
  if (Array.isArray(property.enum)) {
    return 'select';
  }
  switch (type) {
    case 'boolean':
      return 'switch';
    case 'integer':
    case 'number':
      return 'number';
    case 'string':
      return 'text';
    default:
      return null;
  }
}

// The type that decides the control. A nullable type such as ["string", "null"] is its first
// non-null member.
function primaryType(property) {
  if (Array.isArray(property.type)) {
    return property.type.find((type) => type !== 'null') ?? 'null';
  }
  if (property.type === undefined && Array.isArray(property.enum) && property.enum.length > 0) {
    return typeof property.enum[0];
  }
  return property.type;
}

// Returns the control and, for a text field with suggestions, its datalist.
function createControl(kind, property, options, listId) {
  switch (kind) {
    case 'select': {
      const select = document.createElement('select');
      for (const value of property.enum) {
        const option = new Option(options.optionLabel?.(value) ?? String(value), String(value));
        const lang = options.optionLang?.(value);
        if (lang) {
          // Each name is written in its own language, so screen readers need its tag.
          option.lang = lang;
        }
        select.add(option);
      }
      return { control: select, datalist: null };
    }
    case 'switch': {
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.setAttribute('role', 'switch');
      return { control: input, datalist: null };
    }
    case 'number': {
      const input = document.createElement('input');
      input.type = 'number';
      input.inputMode = primaryType(property) === 'integer' ? 'numeric' : 'decimal';
      input.step = primaryType(property) === 'integer' ? '1' : 'any';
      if (Number.isFinite(property.minimum)) {
        input.min = String(property.minimum);
      }
      if (Number.isFinite(property.maximum)) {
        input.max = String(property.maximum);
      }
      return { control: input, datalist: null };
    }
    default: {
      const input = document.createElement('input');
      input.type = 'text';
      input.autocomplete = 'off';
      input.spellcheck = false;
      if (!options.suggestions?.length) {
        return { control: input, datalist: null };
      }
      const datalist = document.createElement('datalist');
      datalist.id = listId;
      for (const value of options.suggestions) {
        datalist.append(new Option(value.replaceAll('_', ' '), value));
      }
      input.setAttribute('list', listId);
      return { control: input, datalist };
    }
  }
}

// The description, plus the bounds of a number, as a hint under the field.
function createHint(property, kind, id) {
  const parts = [];
  if (property.description) {
    parts.push(property.description);
  }
  if (kind === 'number') {
    const range = describeRange(property);
    if (range) {
      parts.push(range);
    }
  }
  if (parts.length === 0) {
    return null;
  }
  const hint = document.createElement('p');
  hint.className = 'hint';
  hint.id = id;
  hint.textContent = parts.map((part) => (/[.!?]$/.test(part) ? part : `${part}.`)).join(' ');
  return hint;
}

function describeRange(property) {
  const noun = primaryType(property) === 'integer' ? 'A whole number' : 'A number';
  const { minimum, maximum } = property;
  if (Number.isFinite(minimum) && Number.isFinite(maximum)) {
    return `${noun} from ${minimum} to ${maximum}`;
  }
  if (Number.isFinite(minimum)) {
    return `${noun} of at least ${minimum}`;
  }
  if (Number.isFinite(maximum)) {
    return `${noun} of at most ${maximum}`;
  }
  return null;
}

function readControl({ control, kind, property }) {
  switch (kind) {
    case 'switch':
      return control.checked;
    case 'number':
      if (control.validity.badInput) {
        return Number.NaN;
      }
      return control.value === '' ? undefined : Number(control.value);
    case 'select': {
      const value = property.enum.find((candidate) => String(candidate) === control.value);
      return value === undefined ? control.value : value;
    }
    default: {
      const text = control.value.trim();
      return text === '' ? undefined : text;
    }
  }
}

function writeControl({ control, kind }, value) {
  if (kind === 'switch') {
    control.checked = value === true;
    return;
  }
  if (kind === 'select' && value !== undefined) {
    // A saved value outside the enum is added, so loading never drops it. Saving it again gets
    // the schema's message.
    const text = String(value);
    if (![...control.options].some((option) => option.value === text)) {
      control.add(new Option(text, text));
    }
  }
  control.value = value === undefined || value === null ? '' : String(value);
}

/** Returns the message for the first keyword that `value` violates, or null. */
function checkValue(property, value) {
  const type = primaryType(property);
  if (Array.isArray(property.enum)) {
    return property.enum.includes(value) ? null : 'Choose one of the listed values.';
  }
  if (type === 'integer' || type === 'number') {
    return checkNumber(property, value, type);
  }
  if (type === 'string') {
    return checkString(property, value);
  }
  if (type === 'boolean' && typeof value !== 'boolean') {
    return 'Choose on or off.';
  }
  return null;
}

function checkNumber(property, value, type) {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    return type === 'integer' ? 'Enter a whole number.' : 'Enter a number.';
  }
  if (type === 'integer' && !Number.isInteger(value)) {
    return 'Enter a whole number.';
  }
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = property;
  const range = describeRange(property);
  const tooSmall =
    (Number.isFinite(minimum) && value < minimum) ||
    (Number.isFinite(exclusiveMinimum) && value <= exclusiveMinimum);
  const tooLarge =
    (Number.isFinite(maximum) && value > maximum) ||
    (Number.isFinite(exclusiveMaximum) && value >= exclusiveMaximum);
  if (tooSmall || tooLarge) {
    return range ? `Enter ${range.charAt(0).toLowerCase()}${range.slice(1)}.` : 'Out of range.';
  }
  return null;
}

function checkString(property, value) {
  if (typeof value !== 'string') {
    return 'Enter text.';
  }
  // JSON Schema counts Unicode code points, not UTF-16 units.
  const length = [...value].length;
  if (Number.isFinite(property.minLength) && length < property.minLength) {
    return `Enter at least ${property.minLength} characters.`;
  }
  if (Number.isFinite(property.maxLength) && length > property.maxLength) {
    return `Enter at most ${property.maxLength} characters.`;
  }
  if (typeof property.pattern === 'string') {
    let pattern = null;
    try {
      pattern = new RegExp(property.pattern, 'u');
    } catch {
      // A pattern in a syntax that JavaScript lacks is left to the server.
    }
    if (pattern && !pattern.test(value)) {
      return 'Enter a value in the expected format.';
    }
  }
  return null;
}

function setFieldError(field, message) {
  const { control, errorElement, hintId } = field;
  const describedBy = hintId ? [hintId] : [];
  if (message === null) {
    errorElement.hidden = true;
    errorElement.textContent = '';
    control.removeAttribute('aria-invalid');
  } else {
    errorElement.hidden = false;
    errorElement.textContent = message;
    control.setAttribute('aria-invalid', 'true');
    describedBy.push(errorElement.id);
  }
  if (describedBy.length > 0) {
    control.setAttribute('aria-describedby', describedBy.join(' '));
  } else {
    control.removeAttribute('aria-describedby');
  }
}

// The top-level property that a JSON Pointer names, or null for the whole document.
function fieldNameOf(path) {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    return null;
  }
  const [first] = path.slice(1).split('/');
  return first.replaceAll('~1', '/').replaceAll('~0', '~');
}

function escapePointer(name) {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

// "email_notifications" becomes "Email notifications".
function humanize(name) {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
