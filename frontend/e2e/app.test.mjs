// The whole flow in a real browser against the local stack: sign in, call
// the API, keep a ToDo list, sign out, and prove another user sees nothing
// of the first one's list.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { accessibilityViolations, api, launch, signIn, signOut, stackFromEnv } from './browser.mjs';

const stack = stackFromEnv();
const titles = (page) => page.locator('.todo .title').allTextContents();

describe('Gatehouse in Chromium', { concurrency: false }, () => {
  let browser;
  let page;
  let aliceItemIDs = [];

  before(async () => {
    browser = await launch();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
  });

  test('the SPA loads same-origin under the BFF and shows the signed-out state', async () => {
    const response = await page.goto(stack.url + '/');
    assert.equal(response.status(), 200);
    const csp = response.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/, 'the SPA is served under a strict CSP');
    await page.getByText('You are not signed in.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Log in' }).count(), 1);
    assert.deepEqual(await accessibilityViolations(page), []);
  });

  test('user A signs in and sees their name and groups', async () => {
    await signIn(page, stack, stack.userA);
    assert.equal(await page.getByTestId('user-name').textContent(), stack.userA.name);
    assert.ok(stack.userA.groups.length > 0, 'user A must be in a group');
    assert.deepEqual(await page.getByTestId('user-groups').getByRole('listitem').allTextContents(), stack.userA.groups);
  });

  test('the browser holds only an HttpOnly, SameSite=Strict session cookie, and no token', async () => {
    const cookies = await browser.context.cookies(stack.url);
    const sessionCookie = cookies.find((c) => c.name.endsWith('gh_session'));
    assert.ok(sessionCookie, `no session cookie among ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(sessionCookie.httpOnly, true);
    assert.equal(sessionCookie.sameSite, 'Strict');
    assert.equal(sessionCookie.path, '/');
    const visible = await page.evaluate(() => ({
      cookies: document.cookie,
      storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    }));
    assert.doesNotMatch(visible.cookies, /gh_session/);
    assert.equal(visible.storage, '{}{}');
    for (const cookie of cookies) {
      assert.doesNotMatch(cookie.value, /^eyJ/, `cookie ${cookie.name} looks like a JWT`);
    }
  });

  test('user A fetches data through the BFF', async () => {
    await page.getByRole('button', { name: 'Fetch data' }).click();
    const greeting = page.getByTestId('greeting');
    await greeting.filter({ hasText: /^Hello, .+!$/ }).waitFor();
    const text = await greeting.textContent();
    assert.ok([`Hello, ${stack.userA.name}!`, `Hello, ${stack.userA.username}!`].includes(text), `greeting ${text}`);
  });

  test('user A adds, completes, edits and deletes todos', async () => {
    await page.getByTestId('todo-empty').waitFor();
    for (const title of ['Buy milk', 'Walk the dog', 'Write the report']) {
      await page.getByLabel('New item').fill(title);
      await page.getByRole('button', { name: 'Add' }).click();
      await page.locator('.todo .title', { hasText: title }).waitFor();
    }
    assert.deepEqual(await titles(page), ['Buy milk', 'Walk the dog', 'Write the report']);

    await page.getByRole('checkbox', { name: 'Buy milk', exact: true }).check();
    await page.locator('li.todo.done', { hasText: 'Buy milk' }).waitFor();

    await page.getByRole('button', { name: 'Edit “Walk the dog”' }).click();
    assert.deepEqual(await accessibilityViolations(page), [], 'while editing');
    await page.getByLabel('New title for “Walk the dog”').fill('Walk the cat');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.todo .title', { hasText: 'Walk the cat' }).waitFor();

    await page.getByRole('button', { name: 'Delete “Write the report”' }).click();
    await page.locator('.todo .title', { hasText: 'Write the report' }).waitFor({ state: 'detached' });

    // What the page shows is what the API kept.
    await page.reload();
    await page.locator('.todo .title', { hasText: 'Walk the cat' }).waitFor();
    assert.deepEqual(await titles(page), ['Buy milk', 'Walk the cat']);
    assert.equal(await page.getByRole('checkbox', { name: 'Buy milk', exact: true }).isChecked(), true);
    assert.equal(await page.getByRole('checkbox', { name: 'Walk the cat', exact: true }).isChecked(), false);
    assert.equal(await page.getByTestId('todo-summary').textContent(), '2 items, 1 done');

    const listed = await api(page, 'GET', '/api/todos');
    assert.equal(listed.status, 200);
    aliceItemIDs = listed.body.items.map((item) => item.id);
    assert.equal(aliceItemIDs.length, 2);
  });

  test('the BFF refuses API calls without the CSRF header', async () => {
    const refused = await api(page, 'GET', '/api/todos', { csrf: false });
    assert.equal(refused.status, 403);
    assert.equal(typeof refused.body?.error, 'string');
  });

  test('a screenshot of the signed-in page is saved, and the layout fits a phone', async () => {
    await page.getByRole('button', { name: 'Fetch data' }).click();
    await page.getByTestId('greeting').filter({ hasText: /^Hello, .+!$/ }).waitFor();
    await page.screenshot({ path: join(stack.artifacts, 'signed-in.png'), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), []);
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a phone`);
    assert.deepEqual(await accessibilityViolations(page), [], 'on a phone');
    await page.screenshot({ path: join(stack.artifacts, 'signed-in-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await accessibilityViolations(page), [], 'in dark mode');
    await page.screenshot({ path: join(stack.artifacts, 'signed-in-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('after logout the API answers 401 and the page offers login', async () => {
    await signOut(page, stack);
    for (const path of ['/api/todos', '/api/greeting', '/auth/user']) {
      const res = await api(page, 'GET', path);
      assert.equal(res.status, 401, `${path} after logout`);
    }
    await page.getByRole('button', { name: 'Fetch data' }).click();
    await page.getByTestId('session-ended').waitFor();
    assert.deepEqual(await accessibilityViolations(page), [], 'with the login prompt');
  });

  test('user B signs in and sees none of user A\'s items', async () => {
    await signIn(page, stack, stack.userB);
    assert.equal(await page.getByTestId('user-name').textContent(), stack.userB.name);
    assert.equal(await page.getByTestId('user-groups').textContent(), 'No groups');
    await page.getByTestId('todo-empty').waitFor();
    assert.deepEqual(await titles(page), []);
    for (const id of aliceItemIDs) {
      for (const [method, body] of [['GET'], ['PATCH', { completed: true }], ['DELETE']]) {
        const res = await api(page, method, `/api/todos/${id}`, { body });
        assert.equal(res.status, 404, `${method} of user A's item by user B`);
      }
    }
    // The greeting route needs a group user B lacks: the BFF answers 403 and
    // the page says so in its alert region.
    await page.getByRole('button', { name: 'Fetch data' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('Could not fetch data: you are not allowed to use this API').waitFor();
    assert.equal(await page.getByTestId('greeting').textContent(), '');

    await page.getByLabel('New item').fill('Only mine');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.locator('.todo .title', { hasText: 'Only mine' }).waitFor();
    const listed = await api(page, 'GET', '/api/todos');
    assert.deepEqual(listed.body.items.map((item) => item.title), ['Only mine']);
  });

  test('nothing broke the page on the way', () => {
    assert.deepEqual(browser.problems, []);
  });
});
