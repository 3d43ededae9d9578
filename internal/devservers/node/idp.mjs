// The local OpenID Provider: a real oidc-provider instance seeded with demo
// users and one confidential client, for tests and the local stack.
//
// Usage: node idp.mjs <config.json>
//
// config.json:
// {
//   "issuer": "http://127.0.0.1:9000",         // the provider listens on the issuer's port
//   "clients": [{ "client_id", "client_secret", "redirect_uris": [],
//                 "post_logout_redirect_uris": [], "backchannel_logout_uri" }],
//   "users": [{ "username", "password", "sub", "email", "name", "groups": [] }],
//   "accessTokenTTL": 300, "idTokenTTL": 3600, "refreshTokenTTL": 86400,
//   "apiAudience": "",        // when set, access tokens are JWTs for this audience
//   "testEndpoints": false    // test-only endpoints, see below
// }
//
// Test-only endpoints (testEndpoints: true), for negative tests of relying parties:
//   GET  /__test/stats   grant, refresh, revocation and back-channel counters
//   POST /__test/tamper  {"claims": {...}, "alg": "RS256"|"none"}: the next token
//                        response carries an ID token with these claims overridden,
//                        signed with the provider's key (or unsigned for "none")
//   POST /__test/sign    {"header": {...}, "claims": {...}}: a JWT signed with the
//                        provider's key (e.g. crafted logout tokens)
//
// Every grant, refresh and back-channel event is logged as one JSON line
// without token values.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = new URL(cfg.issuer);
const users = new Map(cfg.users.map((u) => [u.username, { sub: u.username, groups: [], ...u }]));
const usersBySub = new Map([...users.values()].map((u) => [u.sub, u]));
const stats = { authorizationCode: 0, refresh: 0, refreshErrors: 0, backchannelSuccess: 0, backchannelErrors: 0, revocations: 0, endSessions: 0 };

function log(event, fields = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
}

function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

const resourceIndicators = cfg.apiAudience
  ? {
    enabled: true,
    defaultResource: async () => cfg.apiAudience,
    useGrantedResource: async () => true,
    getResourceServerInfo: async (ctx, indicator) => {
      if (indicator !== cfg.apiAudience) throw new Provider.errors.InvalidTarget();
      return { scope: 'api', audience: cfg.apiAudience, accessTokenTTL: cfg.accessTokenTTL ?? 300, accessTokenFormat: 'jwt' };
    },
  }
  : { enabled: false };

const provider = new Provider(issuer.href.replace(/\/$/, ''), {
  clients: cfg.clients.map((c) => ({
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    backchannel_logout_session_required: Boolean(c.backchannel_logout_uri),
    ...c,
  })),
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'groups'],
  },
  // The ID token carries the profile claims (groups) because the BFF reads
  // them from there instead of calling userinfo.
  conformIdTokenClaims: false,
  findAccount: async (ctx, sub) => {
    const u = usersBySub.get(sub);
    if (!u) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub, email: u.email, email_verified: true, name: u.name, preferred_username: u.username, groups: u.groups,
      }),
    };
  },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign out</title></head><body>
<h1>Sign out of ${escapeHTML(issuer.host)}?</h1>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></body></html>`;
      },
    },
    resourceIndicators,
  },
  pkce: { required: () => true },
  // Refresh tokens without offline_access, as Cognito does; rotated on every use
  // so that racing refreshes with a stale token are caught.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: cfg.accessTokenTTL ?? 300,
    IdToken: cfg.idTokenTTL ?? 3600,
    RefreshToken: cfg.refreshTokenTTL ?? 86400,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 86400,
    Grant: 86400,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign-in error</title></head><body>
<h1>Sign-in error</h1><p>${escapeHTML(out.error)}: ${escapeHTML(out.error_description ?? '')}</p></body></html>`;
  },
});
provider.proxy = false;

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

function signJWT(header, claims) {
  if (header.alg === 'none') return `${b64url(header)}.${b64url(claims)}.`;
  const h = { alg: 'RS256', kid: signingKey.kid, ...header };
  const input = `${b64url(h)}.${b64url(claims)}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

let tamper = null;
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token/revocation' && ctx.status === 200) {
    stats.revocations += 1;
    log('revocation.success');
  }
  if (tamper && ctx.path === '/token' && ctx.body && typeof ctx.body.id_token === 'string') {
    const t = tamper;
    tamper = null;
    const [rawHeader, rawPayload] = ctx.body.id_token.split('.');
    const header = JSON.parse(Buffer.from(rawHeader, 'base64url'));
    const claims = { ...JSON.parse(Buffer.from(rawPayload, 'base64url')), ...t.claims };
    ctx.body = { ...ctx.body, id_token: signJWT({ ...header, alg: t.alg || header.alg }, claims) };
    log('test.tampered_id_token', { alg: t.alg || header.alg, claims: Object.keys(t.claims ?? {}) });
  }
});

provider.on('grant.success', (ctx) => {
  const grantType = ctx.oidc.params.grant_type;
  if (grantType === 'refresh_token') stats.refresh += 1;
  if (grantType === 'authorization_code') stats.authorizationCode += 1;
  log('grant.success', { grant_type: grantType, client_id: ctx.oidc.client?.clientId });
});
provider.on('grant.error', (ctx, err) => {
  if (ctx.oidc.params?.grant_type === 'refresh_token') stats.refreshErrors += 1;
  log('grant.error', { grant_type: ctx.oidc.params?.grant_type, error: err.error, description: err.error_description });
});
provider.on('grant.revoked', () => log('grant.revoked'));
provider.on('end_session.success', () => { stats.endSessions += 1; log('end_session.success'); });
provider.on('backchannel.success', (ctx, client) => { stats.backchannelSuccess += 1; log('backchannel.success', { client_id: client.clientId }); });
provider.on('backchannel.error', (ctx, err, client) => { stats.backchannelErrors += 1; log('backchannel.error', { client_id: client?.clientId, error: err.message }); });
provider.on('server_error', (ctx, err) => log('server_error', { error: err.message }));

function loginPage(uid, message = '') {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign in</title></head><body>
<h1>Sign in to ${escapeHTML(issuer.host)}</h1>${message ? `<p role="alert">${escapeHTML(message)}</p>` : ''}
<form method="post" action="/interaction/${escapeHTML(uid)}/login">
<label>Username <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16384) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function grantConsent(details) {
  const { prompt: { details: missing }, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

// First-party client: consent is granted on the user's behalf, so the only
// interaction is the login form.
async function interaction(req, res, path) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') {
    const grantId = await grantConsent(details);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (req.method === 'GET') {
    send(res, 200, 'text/html; charset=utf-8', loginPage(details.uid));
    return;
  }
  if (req.method === 'POST' && path.endsWith('/login')) {
    const form = await readForm(req);
    const user = users.get(form.get('username') ?? '');
    if (!user || user.password !== form.get('password')) {
      log('login.failed', { username: form.get('username') });
      send(res, 401, 'text/html; charset=utf-8', loginPage(details.uid, 'Wrong username or password.'));
      return;
    }
    log('login.success', { sub: user.sub });
    await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
    return;
  }
  send(res, 405, 'text/plain', 'method not allowed');
}

const callback = provider.callback();
const server = createServer(async (req, res) => {
  const path = new URL(req.url, issuer).pathname;
  try {
    if (path.startsWith('/interaction/')) {
      await interaction(req, res, path);
      return;
    }
    if (cfg.testEndpoints && path === '/__test/stats') {
      send(res, 200, 'application/json', JSON.stringify(stats));
      return;
    }
    if (cfg.testEndpoints && req.method === 'POST' && (path === '/__test/tamper' || path === '/__test/sign')) {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (path === '/__test/tamper') {
        tamper = { claims: body.claims ?? {}, alg: body.alg };
        send(res, 204, 'text/plain', '');
      } else {
        send(res, 200, 'application/json', JSON.stringify({ jwt: signJWT(body.header ?? {}, body.claims ?? {}) }));
      }
      return;
    }
    callback(req, res);
  } catch (err) {
    log('interaction.error', { error: err.message });
    if (!res.headersSent) send(res, 400, 'text/html; charset=utf-8', `<!DOCTYPE html><p>${escapeHTML(err.message)}</p>`);
  }
});

const port = Number(cfg.port || issuer.port || 80);
server.listen(port, cfg.host ?? '127.0.0.1', () => log('listening', { issuer: cfg.issuer, port }));
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
}
