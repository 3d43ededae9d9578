// Shared setup for the end-to-end suite: the stack's address and demo users
// from the environment, a headless Debian Chromium with a fresh profile, and
// the sign-in and sign-out steps as a person does them.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

// Without the background-networking flags Chromium calls home, which a
// closed network answers with a flood of failures.
const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function required(name, hint) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: ${hint}. Run the suite through \`go test ./cmd/dev\` (or \`make test\`), which starts the stack and sets it.`);
  }
  return value;
}

export function stackFromEnv() {
  const url = required('GATEHOUSE_E2E_URL', 'the app origin, e.g. http://localhost:8080').replace(/\/$/, '');
  const users = JSON.parse(required('GATEHOUSE_E2E_USERS', 'a JSON array of {username, password, name, groups}'));
  if (!Array.isArray(users) || users.length < 2) throw new Error('GATEHOUSE_E2E_USERS must list at least two users');
  const artifacts = resolve(process.env.GATEHOUSE_E2E_ARTIFACTS || join(here, '..', '..', 'test-artifacts', 'e2e'));
  mkdirSync(artifacts, { recursive: true });
  return { url, userA: users[0], userB: users[1], artifacts };
}

export async function launch() {
  const executablePath = process.env.GATEHOUSE_E2E_CHROMIUM || '/usr/bin/chromium';
  const profile = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1024, height: 768 },
    // No transitions, so colour checks never catch a button mid-fade.
    reducedMotion: 'reduce',
  }).catch((err) => {
    throw new Error(`cannot start Chromium at ${executablePath} (install it with \`apt-get install chromium\`): ${err.message}`);
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content.Security.Policy/i.test(msg.text())) problems.push(`CSP violation: ${msg.text()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// api calls the BFF from inside the page, as the SPA does, and returns
// the status and JSON body.
export async function api(page, method, path, { body, csrf = true } = {}) {
  return page.evaluate(async ({ method, path, body, csrf }) => {
    const headers = { Accept: 'application/json' };
    if (csrf) headers['X-CSRF'] = '1';
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: json };
  }, { method, path, body, csrf });
}

export async function signIn(page, stack, user) {
  await page.getByRole('button', { name: 'Log in' }).first().click();
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.origin === new URL(stack.url).origin);
  await page.getByTestId('user-name').waitFor();
}

export async function signOut(page, stack) {
  const app = new URL(stack.url).origin;
  await page.getByRole('button', { name: 'Log out' }).click();
  // The BFF ends its session and sends the browser to the IdP, which asks
  // to confirm ending its own session and then sends the browser back.
  await page.waitForURL((u) => u.origin !== app);
  await page.getByRole('button', { name: /sign me out/i }).click();
  await page.waitForURL((u) => u.origin === app);
  await page.getByText('You are not signed in.').waitFor();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// accessibilityViolations runs axe-core's WCAG 2.1 A/AA rules on the page as
// it is now. The script goes in through the DevTools protocol, which the
// page's Content-Security-Policy does not govern, so the CSP stays strict.
export async function accessibilityViolations(page) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return violations;
}
