// Wiring of the page: sign-in state, the three panels and the session expiry.

import { ApiClient } from './api.js';
import {
  beginSignIn,
  clearSession,
  completeSignIn,
  describeUser,
  isAuthorizationResponse,
  loadSession,
  removeAuthorizationResponse,
} from './auth.js';
import { AttachmentsPanel } from './attachments.js';
import { AvatarPanel } from './avatar.js';
import { PreferencesPanel } from './preferences.js';
import { StatusRegion } from './status.js';

// The page treats the session as expired this long before the token's expiry, so that a request
// started just before it does not fail halfway. Tokens that live less than ten times this margin
// get a tenth of their lifetime instead.
const EXPIRY_MARGIN_MS = 30_000;
// setTimeout fires at once for longer delays, so a later expiry is checked again at this interval.
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

const SIGNED_OUT_TEXT = {
  welcome: {
    title: 'Your preferences and files, kept safe',
    text:
      'Satchel stores your settings, your avatar and small attachments in your own space. ' +
      'Sign in with your company account to see them.',
  },
  'signed-out': {
    title: 'You are signed out',
    text: 'Sign in again to see your preferences and files.',
  },
  expired: {
    title: 'Session expired, sign in again',
    text: 'Your sign-in has ended. Changes that were not saved before it ended are lost.',
  },
};

const byId = (id) => document.getElementById(id);

/** The current session `{idToken, expiresAt, claims}`, or null when signed out. */
let session = null;
let expiryTimer = null;
let configPromise = null;
let redirecting = false;

const appStatus = new StatusRegion(byId('app-status'));
const api = new ApiClient({
  getToken: () => session?.idToken ?? null,
  onUnauthorized: () => endSession('expired'),
});

const attachments = new AttachmentsPanel({
  api,
  status: new StatusRegion(byId('attachments-status')),
  elements: {
    input: byId('attachments-input'),
    dropzone: byId('attachments-dropzone'),
    uploads: byId('attachments-uploads'),
    tableRegion: byId('attachments-table-region'),
    rows: byId('attachments-rows'),
    empty: byId('attachments-empty'),
    loadMore: byId('attachments-more'),
    dialog: byId('delete-dialog'),
    dialogText: byId('delete-dialog-text'),
    searchForm: byId('attachments-search'),
    searchInput: byId('attachments-search-input'),
  },
  versionsElements: {
    dialog: byId('versions-dialog'),
    title: byId('versions-title'),
    rows: byId('versions-rows'),
    status: new StatusRegion(byId('versions-status')),
    more: byId('versions-more'),
    close: byId('versions-close'),
  },
});

const preferences = new PreferencesPanel({
  api,
  form: byId('preferences-form'),
  fields: byId('preferences-fields'),
  status: new StatusRegion(byId('preferences-status')),
  conflictElements: {
    region: byId('preferences-conflict'),
    heading: byId('conflict-title'),
    rows: byId('conflict-rows'),
    reloadButton: byId('conflict-reload'),
    overwriteButton: byId('conflict-overwrite'),
  },
  onApply: ({ language, time_zone: timeZone, items_per_page: pageSize }) => {
    attachments.setFormat({ language, timeZone });
    attachments.setPageSize(pageSize);
  },
});

const avatar = new AvatarPanel({
  api,
  status: new StatusRegion(byId('avatar-status')),
  elements: {
    form: byId('avatar-form'),
    input: byId('avatar-input'),
    image: byId('avatar-image'),
    placeholder: byId('avatar-placeholder'),
    caption: byId('avatar-caption'),
    progress: byId('avatar-progress'),
    uploadButton: byId('avatar-upload'),
    discardButton: byId('avatar-discard'),
  },
});

// The configuration is fetched once per page load. A failed fetch is retried on the next call.
function loadConfig() {
  configPromise ??= api.getConfig().catch((error) => {
    configPromise = null;
    throw error;
  });
  return configPromise;
}

async function signIn() {
  const button = byId('sign-in');
  if (redirecting) {
    return;
  }
  redirecting = true;
  button.setAttribute('aria-disabled', 'true');
  appStatus.info('Opening the sign-in page…');
  try {
    await beginSignIn(await loadConfig());
  } catch (error) {
    redirecting = false;
    button.setAttribute('aria-disabled', 'false');
    appStatus.error('Could not start sign-in', error);
  }
}

/** Shows the signed-out view. `reason` is a key of SIGNED_OUT_TEXT. */
function showSignedOut(reason, { moveFocus = false } = {}) {
  const { title, text } = SIGNED_OUT_TEXT[reason];
  byId('signed-out-title').textContent = title;
  byId('signed-out-text').textContent = text;
  byId('account').hidden = true;
  byId('signed-in').hidden = true;
  byId('signed-out').hidden = false;
  document.title = reason === 'expired' ? 'Session expired - Satchel' : 'Satchel';
  if (moveFocus) {
    byId('signed-out-title').focus();
  }
}

function showSignedIn() {
  const { user, tenant, roles } = describeUser(session.claims);
  byId('account-user').textContent = user;
  byId('account-tenant').textContent = tenant ?? 'none';
  byId('account-role').textContent = roles.length > 0 ? roles.join(', ') : 'user';
  byId('signed-out').hidden = true;
  byId('account').hidden = false;
  byId('signed-in').hidden = false;
  document.title = 'Satchel';
  scheduleExpiry();

  // The panels load independently and each reports its own errors.
  preferences.load();
  avatar.load();
  attachments.load();
}

/** Signs out locally. `reason` is "signed-out" or "expired". Later calls do nothing. */
function endSession(reason) {
  if (session === null) {
    return;
  }
  session = null;
  clearTimeout(expiryTimer);
  clearSession();
  preferences.reset();
  avatar.reset();
  attachments.reset();
  appStatus.clear();
  showSignedOut(reason, { moveFocus: true });
}

function expiryMargin({ expiresAt, claims }) {
  if (Number.isFinite(claims.iat)) {
    return Math.min(EXPIRY_MARGIN_MS, (expiresAt - claims.iat * 1000) / 10);
  }
  return EXPIRY_MARGIN_MS;
}

function isExpiring(current) {
  return Date.now() >= current.expiresAt - expiryMargin(current);
}

function scheduleExpiry() {
  clearTimeout(expiryTimer);
  const delay = session.expiresAt - expiryMargin(session) - Date.now();
  expiryTimer = setTimeout(checkExpiry, Math.max(0, Math.min(delay, MAX_TIMER_DELAY_MS)));
}

// Timers pause while a computer sleeps, so the expiry is also checked when the tab is shown again.
function checkExpiry() {
  if (session === null) {
    return;
  }
  if (isExpiring(session)) {
    endSession('expired');
  } else {
    scheduleExpiry();
  }
}

async function start() {
  byId('sign-in').addEventListener('click', signIn);
  byId('sign-out').addEventListener('click', () => endSession('signed-out'));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      checkExpiry();
    }
  });

  if (isAuthorizationResponse(window.location)) {
    appStatus.info('Finishing sign-in…');
    try {
      session = await completeSignIn(await loadConfig(), window.location);
      appStatus.clear();
    } catch (error) {
      appStatus.error('Could not sign in', error);
    } finally {
      removeAuthorizationResponse();
    }
  } else {
    session = loadSession();
  }

  if (session === null) {
    showSignedOut('welcome');
  } else if (isExpiring(session)) {
    session = null;
    clearSession();
    showSignedOut('expired');
  } else {
    showSignedIn();
  }
}

start();
