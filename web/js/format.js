// Sizes and dates for display, in the language and time zone of the user's preferences.

// Decimal units, as file managers on most systems show them (1 kB = 1000 bytes).
const SIZE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];

/** Formats a size in bytes, such as "12 kB" or "3.4 MB". */
export function formatBytes(bytes, language) {
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: SIZE_UNITS[unit],
    unitDisplay: unit === 0 ? 'long' : 'short',
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
}

/** Formats an ISO 8601 timestamp as a medium date and short time. Returns the input if invalid. */
export function formatDateTime(iso, language, timeZone) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return String(iso ?? '');
  }
  const options = { dateStyle: 'medium', timeStyle: 'short', timeZone };
  return new Intl.DateTimeFormat(language, options).format(date);
}
