// The web page in Chromium against a freshly started `satchel serve`, walked as a person would:
// sign in, preferences (schema form, validation, conflict), avatar, attachments, keyboard and
// zoom, sign out. The tests run in order and share one signed-in page. Each saves a
// screenshot under SATCHEL_TEST_OUTPUT, including when it fails.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { OUTPUT_DIR, launchChromium, saveScreenshot } from './browser.js';
import {
  dropFiles,
  makePng,
  makeText,
  readProgress,
  recordProgress,
  signIn,
  watchPage,
} from './helpers.js';
import { startSatchel } from './server.js';

// Uploads are slowed to this rate while progress is checked, so every bar is seen mid-way.
const THROTTLED_UPLOAD_BYTES_PER_SECOND = 512 * 1024;
const ATTACHMENT_BYTES = 256 * 1024;
const ACTION_TIMEOUT_MS = 10_000;
// --color-bg of the dark and light themes in web/css/app.css.
const DARK_BACKGROUND = 'rgb(15, 18, 22)';
const LIGHT_BACKGROUND = 'rgb(246, 247, 249)';

let server;
let browser;
let context;
let page;
let checkPage;

before(async () => {
  server = await startSatchel();
  browser = await launchChromium();
  context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  // Every action here takes well under a second, so a wait that lasts longer has failed.
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page = await context.newPage();
  checkPage = watchPage(page, 'the main page');
});

after(async () => {
  await browser?.close();
  if (server) {
    // The server's log lands beside the screenshots, for reading after a failure.
    await writeFile(path.join(OUTPUT_DIR, 'satchel.log'), server.log());
    await server.stop();
  }
});

// Set when signing in failed. Every later step needs a signed-in page, so they then fail at
// once with this reason instead of each waiting for its own timeout.
let signInFailure = null;

// Runs `body` as a test and saves a screenshot named after the test, also when it fails.
function step(name, body) {
  test(name, async () => {
    if (signInFailure !== null) {
      throw new Error(`Not run, because signing in failed: ${signInFailure.message}`);
    }
    try {
      await body();
    } finally {
      const file = name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      await saveScreenshot(page, file).catch(() => {});
    }
  });
}

const field = (label) => page.locator('#preferences-form').getByLabel(label, { exact: true });
const prefStatus = () => page.locator('#preferences-status');
const savePreferences = (target = page) =>
  target.getByRole('button', { name: 'Save preferences' }).click();

async function waitForForm(target = page) {
  await target.locator('#preferences-form[aria-busy="false"] select').first().waitFor();
}

step('signs in through the development provider', async () => {
  const response = await page.goto(server.origin);
  const headers = response.headers();
  assert.match(headers['content-security-policy'], /script-src 'self';/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'no-referrer');

  try {
    await signIn(page, server.origin, { user: 'alice', tenant: 'acme' });
  } catch (error) {
    signInFailure = error;
    throw error;
  }
  assert.equal(await page.locator('#account-user').textContent(), 'alice');
  assert.equal(await page.locator('#account-tenant').textContent(), 'acme');
  // The authorization response is removed from the address bar after sign-in.
  assert.equal(new URL(page.url()).search, '');
});

step('renders the preferences form from the schema', async () => {
  const [response] = await Promise.all([
    page.waitForResponse('**/v1/schemas/preferences'),
    page.reload(),
  ]);
  assert.equal(response.status(), 200, 'GET /v1/schemas/preferences answers 200');
  await waitForForm();

  const theme = field('Theme');
  assert.equal(await theme.evaluate((element) => element.tagName), 'SELECT');
  const themes = await theme
    .locator('option')
    .evaluateAll((options) => options.map((o) => o.value));
  assert.deepEqual(themes.sort(), ['dark', 'light', 'system']);
  assert.equal(await field('Language').evaluate((element) => element.tagName), 'SELECT');
  assert.equal(await field('Time zone').getAttribute('type'), 'text');
  assert.equal(await field('Email notifications').getAttribute('role'), 'switch');
  const pageSize = field('Items per page');
  assert.equal(await pageSize.getAttribute('type'), 'number');
  assert.equal(await pageSize.getAttribute('min'), '10');
  assert.equal(await pageSize.getAttribute('max'), '100');
});

step('shows client-side validation errors next to the field', async () => {
  const pageSize = field('Items per page');
  await pageSize.fill('5');
  await savePreferences();

  const error = page.locator('#pref-items_per_page-error');
  await error.waitFor();
  assert.match(await error.textContent(), /from 10 to 100/);
  assert.equal(await pageSize.getAttribute('aria-invalid'), 'true');
  assert.match(await pageSize.getAttribute('aria-describedby'), /pref-items_per_page-error/);
  assert.ok(await pageSize.evaluate((element) => element === document.activeElement));
  assert.match(await prefStatus().textContent(), /Fix the marked field/);

  await pageSize.fill('25');
});

step('shows server schema violations next to the named field', async () => {
  // The page is given a schema looser than the server's, so the browser accepts a value that
  // the server's validation then rejects with 422.
  await page.route('**/v1/schemas/preferences', async (route) => {
    const original = await route.fetch();
    const schema = await original.json();
    schema.properties.items_per_page.maximum = 1000;
    await route.fulfill({ response: original, json: schema });
  });
  try {
    await page.reload();
    await waitForForm();
    await field('Items per page').fill('500');
    const [response] = await Promise.all([
      page.waitForResponse((reply) => reply.url().includes('/complete')),
      savePreferences(),
    ]);
    assert.equal(response.status(), 422);
    const error = page.locator('#pref-items_per_page-error');
    await error.waitFor();
    assert.equal(await field('Items per page').getAttribute('aria-invalid'), 'true');
    assert.match(await prefStatus().textContent(), /server rejected/i);
  } finally {
    await page.unroute('**/v1/schemas/preferences');
  }
  await page.reload();
  await waitForForm();
});

step('saves preferences and shows them after a reload', async () => {
  await field('Theme').selectOption('dark');
  await field('Language').selectOption('de');
  await field('Time zone').fill('Europe/Paris');
  await field('Email notifications').check();
  await field('Items per page').fill('20');
  await savePreferences();
  await page.locator('#preferences-status[data-kind="success"]').waitFor();

  await page.reload();
  await waitForForm();
  assert.equal(await field('Theme').inputValue(), 'dark');
  assert.equal(await field('Language').inputValue(), 'de');
  assert.equal(await field('Time zone').inputValue(), 'Europe/Paris');
  assert.equal(await field('Email notifications').isChecked(), true);
  assert.equal(await field('Items per page').inputValue(), '20');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, DARK_BACKGROUND);
});

step('resolves a conflict from a second page', async () => {
  // A second tab has its own sessionStorage, so it signs in again as the same user.
  const other = await context.newPage();
  const checkOther = watchPage(other, 'the second page');
  try {
    await signIn(other, server.origin, { user: 'alice', tenant: 'acme' });
    await waitForForm(other);
    const otherField = (label) =>
      other.locator('#preferences-form').getByLabel(label, { exact: true });

    // The second page saves first, so the first page's copy is stale.
    await otherField('Theme').selectOption('light');
    await savePreferences(other);
    await other.locator('#preferences-status[data-kind="success"]').waitFor();

    // Chromium throttles animation frames in a background tab, which slows every action there.
    await page.bringToFront();
    await field('Items per page').fill('30');
    await savePreferences();
    const conflict = page.locator('#preferences-conflict');
    await conflict.waitFor();
    const themeRow = conflict.locator('tr[data-field="theme"] td');
    assert.deepEqual(await themeRow.allTextContents(), ['Dark', 'Light']);
    const sizeRow = conflict.locator('tr[data-field="items_per_page"] td');
    assert.deepEqual(await sizeRow.allTextContents(), ['30', '20']);
    assert.ok(await page.locator('#conflict-title').evaluate((e) => e === document.activeElement));

    // Overwrite on purpose: the first page's copy wins.
    await page.getByRole('button', { name: 'Overwrite with mine' }).click();
    await page.locator('#preferences-status[data-kind="success"]').waitFor();
    assert.equal(await conflict.isHidden(), true);
    await other.bringToFront();
    await other.reload();
    await waitForForm(other);
    assert.equal(await otherField('Theme').inputValue(), 'dark');
    assert.equal(await otherField('Items per page').inputValue(), '30');

    // Another stale save, resolved the other way: the server copy replaces the form.
    await other.bringToFront();
    await otherField('Email notifications').uncheck();
    await savePreferences(other);
    await other.locator('#preferences-status[data-kind="success"]').waitFor();
    await page.bringToFront();
    await field('Time zone').fill('Asia/Tokyo');
    await savePreferences();
    await conflict.waitFor();
    const rows = await conflict
      .locator('tbody tr')
      .evaluateAll((all) => all.map((r) => r.dataset.field));
    assert.deepEqual(rows.sort(), ['email_notifications', 'time_zone']);
    await page.getByRole('button', { name: 'Reload theirs' }).click();
    assert.equal(await conflict.isHidden(), true);
    assert.equal(await field('Email notifications').isChecked(), false);
    assert.equal(await field('Time zone').inputValue(), 'Europe/Paris');

    // The reloaded copy is current, so the next save goes through.
    await field('Items per page').fill('40');
    await savePreferences();
    await page.locator('#preferences-status[data-kind="success"]').waitFor();
    checkOther();
  } finally {
    await saveScreenshot(other, 'second-page').catch(() => {});
    await other.close();
    await page.bringToFront();
  }
});

step('uploads an avatar with preview and progress, and shows the thumbnail', async () => {
  const png = await makePng(page, 640, 480);
  const image = page.locator('#avatar-image');
  await page
    .locator('#avatar-input')
    .setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });

  // The preview comes from the chosen file before anything is uploaded.
  assert.match(await image.getAttribute('src'), /^blob:/);
  assert.equal(await page.locator('#avatar-caption').textContent(), 'Preview, not uploaded yet');
  await page.waitForFunction(() => document.querySelector('#avatar-image').naturalWidth === 640);

  await recordProgress(page, '#avatar-form');
  await page.getByRole('button', { name: 'Upload avatar' }).click();
  await page.locator('#avatar-status[data-kind="success"]').waitFor();
  const progress = await readProgress(page);
  assert.ok(
    progress.some((record) => !record.hidden),
    'the progress bar was shown',
  );
  assert.ok(
    progress.some((record) => record.value === 1),
    'the progress bar reached the end',
  );

  // The stored avatar is the server's 256 x 256 thumbnail, read through a presigned GET URL.
  const src = await image.getAttribute('src');
  assert.match(src, /X-Amz-Signature=/);
  await page.waitForFunction(() => {
    const element = document.querySelector('#avatar-image');
    return element.complete && element.naturalWidth > 0 && !element.src.startsWith('blob:');
  });
  const size = await image.evaluate((element) => [element.naturalWidth, element.naturalHeight]);
  assert.deepEqual(size, [256, 256]);
});

step('reports an avatar whose bytes are not its type', async () => {
  const png = await makePng(page, 64, 64);
  await page.locator('#avatar-input').setInputFiles({
    name: 'renamed.jpg',
    mimeType: 'image/jpeg',
    buffer: png,
  });
  const [response] = await Promise.all([
    page.waitForResponse((reply) => reply.url().includes('/complete')),
    page.getByRole('button', { name: 'Upload avatar' }).click(),
  ]);
  assert.equal(response.status(), 415);
  const status = page.locator('#avatar-status[data-kind="error"]');
  await status.waitFor();
  assert.match(await status.textContent(), /not really image\/jpeg/);
  await page.getByRole('button', { name: 'Discard preview' }).click();
  await page.waitForFunction(() => document.querySelector('#avatar-image').naturalWidth === 256);
});

const attachments = [
  {
    name: 'notes.txt',
    type: 'text/plain',
    buffer: makeText('notes, first version', ATTACHMENT_BYTES),
  },
  { name: 'report.csv', type: 'text/csv', buffer: makeText('report', ATTACHMENT_BYTES) },
  { name: 'scratch.txt', type: 'text/plain', buffer: makeText('scratch', ATTACHMENT_BYTES) },
];
const row = (name) =>
  page
    .locator('#attachments-rows tr')
    .filter({ has: page.getByRole('rowheader', { name, exact: true }) });

step('uploads three dropped attachments with one progress bar each', async () => {
  // DevTools network throttling slows the uploads, so the bars are seen moving.
  const devtools = await context.newCDPSession(page);
  await devtools.send('Network.enable');
  await devtools.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: THROTTLED_UPLOAD_BYTES_PER_SECOND,
  });
  try {
    await recordProgress(page, '#attachments-uploads');
    await dropFiles(page, '#attachments-dropzone', attachments);
    const status = page.locator('#attachments-status[data-kind="success"]');
    await status.waitFor();
    assert.equal(await status.textContent(), 'Uploaded 3 files.');
  } finally {
    await devtools.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await devtools.detach();
  }

  const progress = await readProgress(page);
  const labels = new Set(progress.map((record) => record.label));
  assert.deepEqual(
    [...labels].sort(),
    attachments.map((a) => `Upload progress of ${a.name}`).sort(),
  );
  assert.ok(
    progress.some((record) => record.value > 0 && record.value < 1),
    'a bar was seen mid-way',
  );
  assert.ok(Math.max(...progress.map((record) => record.visibleBars)) >= 3, 'three bars at once');

  for (const { name, type } of attachments) {
    const cells = await row(name).locator('td').allTextContents();
    // 256 KiB shown in decimal units.
    assert.match(cells[0], /262\s*kB/, `size of ${name}`);
    assert.equal(cells[1], type, `type of ${name}`);
    assert.notEqual(cells[2], '', `date of ${name}`);
  }
});

step('searches attachments by name', async () => {
  const search = page.getByRole('searchbox', { name: 'Search by name' });
  await search.fill('REPORT');
  await search.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('#attachments-rows tr').length === 1);
  assert.deepEqual(await page.locator('#attachments-rows th').allTextContents(), ['report.csv']);

  await search.fill('');
  await search.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('#attachments-rows tr').length === 3);
});

step('downloads an attachment with the same bytes', async () => {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row('report.csv').getByRole('button', { name: 'Download report.csv' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'report.csv');
  const bytes = await readFile(await download.path());
  assert.ok(bytes.equals(attachments[1].buffer), 'the downloaded bytes equal the uploaded ones');
});

step('restores an earlier version of an attachment', async () => {
  // A second version of notes.txt, chosen with the file input as a keyboard user would.
  const second = makeText('notes, second version', 1000);
  await page
    .locator('#attachments-input')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: second });
  await page.locator('#attachments-status[data-kind="success"]').waitFor();
  const sizeOfNotes = row('notes.txt').locator('td').first();
  await page.waitForFunction(
    (cell) => /^1\s*kB$/.test(cell.textContent),
    await sizeOfNotes.elementHandle(),
  );

  await row('notes.txt').getByRole('button', { name: 'Versions notes.txt' }).click();
  const dialog = page.locator('#versions-dialog');
  await dialog.locator('#versions-rows tr').nth(1).waitFor();
  assert.deepEqual(await dialog.locator('#versions-rows th').allTextContents(), ['2', '1']);
  await dialog.getByRole('button', { name: 'Restore revision 1 of notes.txt' }).click();
  await dialog.locator('#versions-status[data-kind="success"]').waitFor();
  assert.match(await dialog.locator('#versions-status').textContent(), /as revision 3/);
  assert.deepEqual(await dialog.locator('#versions-rows th').allTextContents(), ['3', '2', '1']);
  await page.keyboard.press('Escape');
  assert.equal(await dialog.isVisible(), false);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row('notes.txt').getByRole('button', { name: 'Download notes.txt' }).click(),
  ]);
  const bytes = await readFile(await download.path());
  assert.ok(bytes.equals(attachments[0].buffer), 'the restored bytes are the first version');
});

step('deletes an attachment after confirmation', async () => {
  await row('scratch.txt').getByRole('button', { name: 'Delete scratch.txt' }).click();
  const dialog = page.locator('#delete-dialog');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await page.locator('#attachments-status', { hasText: 'Deleted scratch.txt.' }).waitFor();
  assert.equal(await row('scratch.txt').count(), 0);
  assert.deepEqual(await page.locator('#attachments-rows th').allTextContents(), [
    'notes.txt',
    'report.csv',
  ]);
});

step('works with the keyboard and labels every control', async () => {
  const unlabelled = await page.evaluate(() => {
    const controls = document.querySelectorAll(
      'main input, main select, main button, main textarea',
    );
    const names = [];
    for (const control of controls) {
      if (control.closest('[hidden]') || control.type === 'hidden') {
        continue;
      }
      const labelled =
        control.labels?.length > 0 ||
        control.getAttribute('aria-label') ||
        control.getAttribute('aria-labelledby') ||
        (control.tagName === 'BUTTON' && control.textContent.trim() !== '');
      if (!labelled) {
        names.push(control.outerHTML.slice(0, 80));
      }
    }
    return names;
  });
  assert.deepEqual(unlabelled, []);

  // Tab through the page from the top, and check that each stop shows a focus outline.
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  const stops = [];
  for (let press = 0; press < 60; press += 1) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const element = document.activeElement;
      if (element === document.body || element === null) {
        return null;
      }
      const style = getComputedStyle(element);
      return {
        id: element.id || element.textContent.trim().slice(0, 30),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
      };
    });
    if (stop === null) {
      // Focus left the page after its last control.
      break;
    }
    stops.push(stop);
  }
  const ids = stops.map((stop) => stop.id);
  for (const expected of [
    'sign-out',
    'pref-theme',
    'pref-email_notifications',
    'avatar-input',
    'attachments-input',
    'attachments-search-input',
  ]) {
    assert.ok(ids.includes(expected), `Tab reaches ${expected}`);
  }
  const noOutline = stops.filter((stop) => !stop.outline).map((stop) => stop.id);
  assert.deepEqual(noOutline, [], 'every focused control shows an outline');

  // The switch toggles with the space bar.
  const toggle = field('Email notifications');
  const before = await toggle.isChecked();
  await toggle.focus();
  await page.keyboard.press('Space');
  assert.equal(await toggle.isChecked(), !before);
  await page.keyboard.press('Space');
});

step('stays readable at 200 % zoom', async () => {
  // A 1280 px wide window at 200 % zoom lays the page out in 640 CSS pixels.
  await page.setViewportSize({ width: 640, height: 900 });
  try {
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
    const fontSize = await page.evaluate(() =>
      parseFloat(getComputedStyle(document.body).fontSize),
    );
    assert.ok(fontSize >= 16);
    await saveScreenshot(page, 'zoom-200');
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
});

step('follows the system colour scheme', async () => {
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  // Choosing a theme applies it at once. Saving is only needed to keep it.
  await field('Theme').selectOption('system');
  try {
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await background(), DARK_BACKGROUND);
    await page.emulateMedia({ colorScheme: 'light' });
    assert.equal(await background(), LIGHT_BACKGROUND);
  } finally {
    await page.emulateMedia({ colorScheme: null });
    await field('Theme').selectOption('dark');
  }
  assert.equal(await background(), DARK_BACKGROUND);
});

step('signs out', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('satchel.session')), null);
  // The 422 and 415 responses above are expected, and Chromium logs every failed response.
  checkPage([/status of 4(09|12|15|22)/]);
});
