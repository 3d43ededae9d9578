import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './app';
import type { Fetch } from './api';
import type { Todo } from './todos';

// fakeBFF answers the routes the app calls, the way the BFF and the ToDo API do.
class FakeBFF {
  user: Record<string, unknown> | null = { name: 'Alice Example', email: 'alice@example.com', groups: ['staff'] };
  todos: Todo[] = [];
  failNext: { status: number; body: string; headers?: Record<string, string> } | null = null;
  calls: { method: string; url: string; csrf: string | undefined; body: unknown }[] = [];
  private next = 1;

  fetch: Fetch = async (url, init) => {
    const method = init.method ?? 'GET';
    const headers = init.headers as Record<string, string>;
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    this.calls.push({ method, url, csrf: headers['X-CSRF'], body });
    if (this.failNext) {
      const { status, body: text, headers: h } = this.failNext;
      this.failNext = null;
      return new Response(text, { status, headers: h ?? {} });
    }
    const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });
    const unauthenticated = () => json(401, { error: 'unauthenticated', message: 'sign in first' });
    if (url === '/auth/user') return this.user ? json(200, this.user) : unauthenticated();
    if (url === '/auth/logout' && method === 'POST') {
      this.user = null;
      return json(200, { logoutUrl: 'http://idp.example/session/end?client_id=gatehouse-bff' });
    }
    if (!this.user) return unauthenticated();
    if (url === '/api/greeting') return json(200, { id: 7, content: `Hello, ${String(this.user.name)}!` });
    if (url === '/api/todos' && method === 'GET') return json(200, { items: this.todos });
    if (url === '/api/todos' && method === 'POST') {
      const todo: Todo = { id: `id${this.next++}`, title: body.title, completed: false, createdAt: '', updatedAt: '' };
      this.todos.push(todo);
      return json(201, todo);
    }
    const id = url.replace('/api/todos/', '');
    const todo = this.todos.find((t) => t.id === id);
    if (!todo) return json(404, { error: 'not_found', message: 'no such item' });
    if (method === 'PATCH') {
      Object.assign(todo, body);
      return json(200, todo);
    }
    if (method === 'DELETE') {
      this.todos = this.todos.filter((t) => t.id !== id);
      return new Response(null, { status: 204 });
    }
    return json(405, { error: 'method_not_allowed', message: 'no' });
  };
}

let bff: FakeBFF;
let root: HTMLElement;
let navigate: ReturnType<typeof vi.fn<(url: string) => void>>;

async function startApp(): Promise<App> {
  const app = new App(root, { fetch: bff.fetch, navigate, location: { pathname: '/list', search: '?x=1' } });
  await app.start();
  return app;
}

const q = <T extends Element = HTMLElement>(selector: string) => root.querySelector<T & HTMLElement>(selector);
const button = (text: string) => [...root.querySelectorAll('button')].find((b) => b.textContent === text || b.getAttribute('aria-label') === text);
const titles = () => [...root.querySelectorAll('.todo .title')].map((el) => el.textContent);
const settle = () => vi.waitFor(() => expect(root.querySelector('button:disabled')).toBeNull());

function submitItem(title: string): void {
  const input = q<HTMLInputElement>('#new-todo')!;
  input.value = title;
  input.dispatchEvent(new Event('input'));
  q<HTMLFormElement>('form.add-form')!.requestSubmit();
}

async function addItem(title: string): Promise<void> {
  submitItem(title);
  await vi.waitFor(() => expect(titles()).toContain(title.trim()));
}

beforeEach(() => {
  bff = new FakeBFF();
  root = document.createElement('div');
  document.body.replaceChildren(root);
  navigate = vi.fn<(url: string) => void>();
});

afterEach(() => {
  document.body.replaceChildren();
});

describe('App', () => {
  it('shows the signed-out state and logs in with a return path', async () => {
    bff.user = null;
    await startApp();
    expect(q('[data-testid="login-state"]')?.textContent).toBe('You are not signed in.');
    expect(q('section[aria-labelledby="todos-heading"]')?.hidden).toBe(true);
    button('Log in')!.click();
    expect(navigate).toHaveBeenCalledWith('/auth/login?returnTo=%2Flist%3Fx%3D1');
  });

  it('shows the user, their groups and their list', async () => {
    bff.todos = [{ id: 'a', title: 'existing', completed: true, createdAt: '', updatedAt: '' }];
    await startApp();
    expect(q('[data-testid="user-name"]')?.textContent).toBe('Alice Example');
    expect(q('[data-testid="user-groups"]')?.textContent).toBe('Groups: staff');
    await vi.waitFor(() => expect(titles()).toEqual(['existing']));
    expect(q<HTMLInputElement>('#todo-a')?.checked).toBe(true);
    expect(q('[data-testid="todo-summary"]')?.textContent).toBe('1 item, 1 done');
  });

  it('says when the user has no groups', async () => {
    bff.user = { name: 'Bob Example', groups: [] };
    await startApp();
    expect(q('[data-testid="user-groups"]')?.textContent).toBe('No groups');
  });

  it('fetches the greeting', async () => {
    await startApp();
    button('Fetch data')!.click();
    await vi.waitFor(() => expect(q('[data-testid="greeting"]')?.textContent).toBe('Hello, Alice Example!'));
    expect(q('[data-testid="status"]')?.textContent).toBe('Hello, Alice Example!');
    button('Fetch data')!.click();
    await vi.waitFor(() => expect(q('[data-testid="status"]')?.textContent).toBe('Hello, Alice Example!\u00A0'));
  });

  it('adds, completes, renames and deletes items', async () => {
    await startApp();
    await vi.waitFor(() => expect(q('[data-testid="todo-empty"]')).not.toBeNull());
    await addItem('  buy milk ');
    await addItem('walk the dog');
    expect(titles()).toEqual(['buy milk', 'walk the dog']);
    expect(q<HTMLInputElement>('#new-todo')?.value).toBe('');
    expect(document.activeElement?.id).toBe('new-todo');

    q<HTMLInputElement>('#todo-id1')!.click();
    await vi.waitFor(() => expect(q('li[data-id="id1"]')?.classList.contains('done')).toBe(true));
    expect(q('[data-testid="status"]')?.textContent).toBe('Completed “buy milk”.');

    button('Edit “walk the dog”')!.click();
    const edit = q<HTMLInputElement>('#edit-id2')!;
    expect(document.activeElement).toBe(edit);
    edit.value = 'walk the cat';
    edit.dispatchEvent(new Event('input'));
    q<HTMLFormElement>('form.edit-form')!.requestSubmit();
    await vi.waitFor(() => expect(titles()).toEqual(['buy milk', 'walk the cat']));
    expect(document.activeElement?.getAttribute('data-focus')).toBe('edit-button:id2');

    button('Delete “buy milk”')!.click();
    await vi.waitFor(() => expect(titles()).toEqual(['walk the cat']));
    expect(document.activeElement?.id).toBe('todo-id2');
    expect(bff.todos.map((t) => t.title)).toEqual(['walk the cat']);
    expect(bff.calls.every((c) => c.csrf === '1')).toBe(true);
  });

  it('cancels an edit with Escape and keeps the title', async () => {
    bff.todos = [{ id: 'a', title: 'keep me', completed: false, createdAt: '', updatedAt: '' }];
    await startApp();
    await vi.waitFor(() => expect(titles()).toEqual(['keep me']));
    button('Edit “keep me”')!.click();
    q<HTMLInputElement>('#edit-a')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    expect(titles()).toEqual(['keep me']);
    expect(document.activeElement?.getAttribute('data-focus')).toBe('edit-button:a');
  });

  it('refuses an empty title without calling the API', async () => {
    await startApp();
    await settle();
    const before = bff.calls.length;
    q<HTMLFormElement>('form.add-form')!.requestSubmit();
    expect(q('[data-testid="error"]')?.textContent).toContain('Type a title for the new item first.');
    expect(bff.calls.length).toBe(before);
  });

  it.each([
    { status: 403, body: '{"error":"forbidden","message":"you need the staff group"}', headers: {}, want: 'Could not fetch data: you need the staff group' },
    { status: 429, body: '{"error":"rate_limited","message":"Too many requests."}', headers: { 'Retry-After': '2' }, want: 'Could not fetch data: Too many requests. Try again in 2 seconds.' },
    { status: 503, body: '{"error":"upstream_unavailable","message":"the todos service is unavailable"}', headers: {}, want: 'Could not fetch data: the todos service is unavailable' },
    { status: 504, body: 'gateway timeout', headers: {}, want: 'Could not fetch data: A service behind the app took too long to answer. Try again shortly.' },
  ])('shows a $status in the alert region', async ({ status, body, headers, want }) => {
    await startApp();
    await settle();
    bff.failNext = { status, body, headers };
    button('Fetch data')!.click();
    await vi.waitFor(() => expect(q('[data-testid="error"] p')?.textContent).toBe(want));
    const region = q('[data-testid="error"]')!.parentElement!;
    expect(region.getAttribute('role')).toBe('alert');
    expect(region.getAttribute('aria-live')).toBe('assertive');
    button('Dismiss')!.click();
    expect(q('[data-testid="error"]')).toBeNull();
  });

  it('offers login when the session has ended', async () => {
    await startApp();
    await settle();
    bff.user = null;
    submitItem('lost');
    await vi.waitFor(() => expect(q('[data-testid="session-ended"]')).not.toBeNull());
    expect(q('[data-testid="session-ended"] p')?.textContent).toBe('Your session has ended. Log in again to continue.');
    expect(q('section[aria-labelledby="todos-heading"]')?.hidden).toBe(true);
    expect(q('[data-testid="login-state"]')?.textContent).toBe('You are not signed in.');
    q('[data-testid="session-ended"] button')!.click();
    expect(navigate).toHaveBeenCalledWith('/auth/login?returnTo=%2Flist%3Fx%3D1');
  });

  it('asks a signed-out user to log in when they fetch data', async () => {
    bff.user = null;
    await startApp();
    button('Fetch data')!.click();
    await vi.waitFor(() => expect(q('[data-testid="session-ended"] p')?.textContent).toBe('You need to log in first.'));
  });

  it('logs out through the BFF and goes to the IdP logout URL', async () => {
    await startApp();
    await settle();
    button('Log out')!.click();
    await vi.waitFor(() => expect(navigate).toHaveBeenCalledWith('http://idp.example/session/end?client_id=gatehouse-bff'));
    const logout = bff.calls.find((c) => c.url === '/auth/logout');
    expect(logout).toMatchObject({ method: 'POST', csrf: '1' });
  });

  it('renders titles as text, never as markup', async () => {
    await startApp();
    await settle();
    await addItem('<img src=x onerror=alert(1)>');
    expect(root.querySelector('img')).toBeNull();
    expect(titles()).toContain('<img src=x onerror=alert(1)>');
  });
});
