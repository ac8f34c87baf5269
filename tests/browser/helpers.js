// Steps that several browser tests share: signing in through the development provider, making
// test files, and watching a page for script errors and Content-Security-Policy violations.
import assert from 'node:assert/strict';

/** Signs in as `user` of `tenant` on the development provider's login page. */
export async function signIn(page, origin, { user = 'alice', tenant = 'acme' } = {}) {
  await page.goto(origin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The provider's page also has an "Administrator of this organization" checkbox, so the
  // fields are found by role as well as name.
  await page.getByRole('textbox', { name: 'User name' }).fill(user);
  await page.getByRole('textbox', { name: 'Organization' }).fill(tenant);
  await page.getByRole('button', { name: 'Sign in' }).click();
  try {
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  } catch (error) {
    // The page the browser ended on, such as the provider's JSON error, names the cause.
    const shown = await page
      .locator('body')
      .innerText()
      .catch(() => '');
    throw new Error(`Sign-in did not finish. The browser is at ${page.url()} showing: ${shown}`, {
      cause: error,
    });
  }
}

/**
 * Records what would go unnoticed in a headless run: uncaught exceptions, console errors and
 * CSP violations. Returns a function that asserts there were none.
 */
export function watchPage(page, label) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`uncaught ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console error: ${message.text()}`);
    }
  });
  return (allowed = []) => {
    const unexpected = problems.filter((text) => !allowed.some((pattern) => pattern.test(text)));
    assert.deepEqual(unexpected, [], `${label} reported problems`);
  };
}

/** Returns a PNG of `width` x `height` pixels drawn by the browser itself. */
export async function makePng(page, width, height) {
  const base64 = await page.evaluate(
    async ([w, h]) => {
      const canvas = new OffscreenCanvas(w, h);
      const context = canvas.getContext('2d');
      const gradient = context.createLinearGradient(0, 0, w, h);
      gradient.addColorStop(0, '#0b5cad');
      gradient.addColorStop(1, '#f2b705');
      context.fillStyle = gradient;
      context.fillRect(0, 0, w, h);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let binary = '';
      for (const byte of bytes) {
        binary += String.fromCharCode(byte);
      }
      return btoa(binary);
    },
    [width, height],
  );
  return Buffer.from(base64, 'base64');
}

/** Returns `size` bytes of readable text that start with `label`, so files differ. */
export function makeText(label, size) {
  const line = `${label} `.padEnd(63, '.') + '\n';
  return Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size));
}

/**
 * Drops `files` ({name, type, buffer}) on the element matching `selector`, as a user dragging
 * them from a file manager would.
 */
export async function dropFiles(page, selector, files) {
  const payload = files.map(({ name, type, buffer }) => ({
    name,
    type,
    base64: buffer.toString('base64'),
  }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const transfer = new DataTransfer();
    for (const { name, type, base64 } of items) {
      const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      transfer.items.add(new File([bytes], name, { type }));
    }
    return transfer;
  }, payload);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await page.dispatchEvent(selector, type, { dataTransfer });
  }
  await dataTransfer.dispose();
}

/**
 * Records every value and visibility change of the progress bars under `selector`, so a test
 * can check afterwards that they moved. Read the records with readProgress().
 */
export async function recordProgress(page, selector) {
  await page.evaluate((rootSelector) => {
    const records = [];
    window.progressRecords = records;
    const root = document.querySelector(rootSelector);
    const observer = new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        const target = mutation.target;
        if (target instanceof HTMLProgressElement) {
          records.push({
            label: target.getAttribute('aria-label'),
            value: target.value,
            hidden: target.hidden,
            visibleBars: root.querySelectorAll('progress:not([hidden])').length,
          });
        }
      }
    });
    observer.observe(root, {
      subtree: true,
      attributes: true,
      attributeFilter: ['value', 'hidden'],
    });
  }, selector);
}

export function readProgress(page) {
  return page.evaluate(() => window.progressRecords ?? []);
}
