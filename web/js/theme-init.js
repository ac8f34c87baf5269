// Applies the theme cached by preferences.js before the first paint, so a page whose saved theme
// differs from the system one does not flash. This is a classic script because module scripts
// are deferred. The preferences object in the store stays the source of truth.
(() => {
  let theme = null;
  try {
    theme = window.localStorage.getItem('satchel.theme');
  } catch {
    // The browser can block storage. The page then follows the system theme.
  }
  if (theme === 'light' || theme === 'dark' || theme === 'system') {
    document.documentElement.dataset.theme = theme;
  }
})();
