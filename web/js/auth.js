// OpenID Connect sign-in with the authorization code flow and PKCE (RFC 7636), for a public client
// that has no secret. The ID token lives in sessionStorage, so it is gone when the tab closes and
// other tabs never see it. The page decodes the token only to display who is signed in: the
// Satchel server verifies its signature and claims on every API call.

const PENDING_KEY = 'satchel.signin';
const SESSION_KEY = 'satchel.session';

// Parameters that the provider adds to the redirect URI (RFC 6749 section 4.1.2, RFC 9207, and
// OpenID Connect Session Management). They are removed from the address bar after sign-in.
const RESPONSE_PARAMS = [
  'code',
  'state',
  'error',
  'error_description',
  'error_uri',
  'iss',
  'session_state',
];

export class AuthError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AuthError';
  }
}

/**
 * Starts sign-in: stores a fresh PKCE verifier, state and nonce, then sends the browser to the
 * provider's authorization endpoint. The returned promise settles only if that fails.
 *
 * @param {{issuer: string, client_id: string, redirect_uri: string}} config from GET /v1/config
 */
export async function beginSignIn(config) {
  if (!window.crypto?.subtle) {
    throw new AuthError(
      'Sign-in needs a secure context. Open this page over HTTPS or on localhost.',
    );
  }
  const provider = await discoverProvider(config.issuer);
  const verifier = randomToken(32);
  const pending = { state: randomToken(16), nonce: randomToken(16), verifier };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));

  const url = new URL(provider.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: config.redirect_uri,
    scope: 'openid',
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.toString());
}

/** Returns whether `location` is the provider's redirect back to this page. */
export function isAuthorizationResponse(location) {
  const params = new URLSearchParams(location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
}

/**
 * Finishes sign-in from the provider's redirect: checks state, iss and nonce, and exchanges the
 * code for tokens. Returns the new session, which is also saved in sessionStorage.
 */
export async function completeSignIn(config, location) {
  const params = new URLSearchParams(location.search);
  const pending = readJson(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);

  if (!pending || params.get('state') !== pending.state) {
    throw new AuthError(
      'The sign-in response does not match a sign-in started in this tab. Sign in again.',
    );
  }
  if (params.has('error')) {
    const description = params.get('error_description');
    throw new AuthError(`The provider rejected the sign-in: ${description || params.get('error')}`);
  }
  if (params.has('iss') && params.get('iss') !== config.issuer) {
    const issuer = params.get('iss');
    throw new AuthError(`The sign-in response comes from an unexpected issuer: ${issuer}`);
  }

  const provider = await discoverProvider(config.issuer);
  const tokens = await exchangeCode(provider.token_endpoint, {
    grant_type: 'authorization_code',
    code: params.get('code'),
    redirect_uri: config.redirect_uri,
    client_id: config.client_id,
    code_verifier: pending.verifier,
  });
  if (typeof tokens.id_token !== 'string') {
    throw new AuthError('The token response has no id_token.');
  }

  const claims = decodeJwtClaims(tokens.id_token);
  // The nonce ties the ID token to this sign-in, so a token replayed from another one fails.
  if (claims.nonce !== pending.nonce) {
    throw new AuthError('The ID token was issued for another sign-in. Sign in again.');
  }
  const session = {
    idToken: tokens.id_token,
    expiresAt: tokenExpiry(claims, Number(tokens.expires_in)),
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return { ...session, claims };
}

/** Removes the authorization response parameters from the address bar, keeping any others. */
export function removeAuthorizationResponse() {
  const url = new URL(window.location.href);
  for (const name of RESPONSE_PARAMS) {
    url.searchParams.delete(name);
  }
  window.history.replaceState(window.history.state, '', url.toString());
}

/** Returns the saved session `{idToken, expiresAt, claims}`, expired or not, or null. */
export function loadSession() {
  const saved = readJson(SESSION_KEY);
  if (typeof saved?.idToken !== 'string' || typeof saved.expiresAt !== 'number') {
    return null;
  }
  try {
    return { ...saved, claims: decodeJwtClaims(saved.idToken) };
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(PENDING_KEY);
}

/**
 * Returns the user name, tenant and roles to display. Providers name these claims differently,
 * so the first claim present wins. The server maps claims with its own configuration, so this
 * display can differ from what the server checks.
 */
export function describeUser(claims) {
  const user = claims.preferred_username || claims.name || claims.email || claims.sub || 'unknown';
  const tenant = claims.tenant || claims.org || claims.org_id || claims.tid || null;
  let roles = claims.roles ?? claims.groups ?? claims.realm_access?.roles ?? [];
  if (typeof roles === 'string') {
    roles = roles.split(/[\s,]+/).filter(Boolean);
  }
  return { user, tenant, roles: Array.isArray(roles) ? roles.map(String) : [] };
}

/** Decodes the payload of a JWT without verifying it. Raises AuthError when it is malformed. */
export function decodeJwtClaims(token) {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new AuthError('The ID token is not a JWT.');
  }
  try {
    const claims = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[1])));
    if (claims === null || typeof claims !== 'object') {
      throw new TypeError('payload is not a JSON object');
    }
    return claims;
  } catch {
    throw new AuthError('The ID token payload is not valid JSON.');
  }
}

// The earlier of `exp` and `expires_in`, in milliseconds since the epoch.
function tokenExpiry(claims, expiresInSeconds) {
  const candidates = [];
  if (Number.isFinite(claims.exp)) {
    candidates.push(claims.exp * 1000);
  }
  if (Number.isFinite(expiresInSeconds) && expiresInSeconds > 0) {
    candidates.push(Date.now() + expiresInSeconds * 1000);
  }
  if (candidates.length === 0) {
    throw new AuthError('The token response states no expiry (no exp claim and no expires_in).');
  }
  return Math.min(...candidates);
}

async function discoverProvider(issuer) {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const metadata = await fetchJson(url, { cache: 'no-cache' }, 'the provider discovery document');
  // OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer it was fetched for.
  if (metadata.issuer !== issuer) {
    throw new AuthError(
      `The discovery document has issuer ${metadata.issuer}, but /v1/config returned ${issuer}.`,
    );
  }
  for (const field of ['authorization_endpoint', 'token_endpoint']) {
    if (typeof metadata[field] !== 'string') {
      throw new AuthError(`The discovery document at ${url} has no ${field}.`);
    }
  }
  return metadata;
}

async function exchangeCode(tokenEndpoint, fields) {
  const init = {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(fields),
    cache: 'no-store',
  };
  return fetchJson(tokenEndpoint, init, 'the token endpoint');
}

// Returns the JSON body. An OAuth error body (`{error, error_description}`) becomes the message.
async function fetchJson(url, init, endpointName) {
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new AuthError(
      `Could not reach ${endpointName} at ${url}. Check the connection and try again.`,
    );
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Handled below: a successful response must be JSON, and an error keeps its status line.
  }
  if (!response.ok) {
    const statusLine = `${response.status} ${response.statusText}`.trim();
    const reason = body?.error_description || body?.error || statusLine;
    throw new AuthError(`Sign-in failed at ${endpointName}: ${reason}`);
  }
  if (body === null || typeof body !== 'object') {
    throw new AuthError(`The response of ${endpointName} is not a JSON object.`);
  }
  return body;
}

async function pkceChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}

function randomToken(byteCount) {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(byteCount)));
}

function base64UrlEncode(bytes) {
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64UrlDecode(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function readJson(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}
