import { ApiClient, ApiError, type Fetch } from './api';
import { AuthClient, loginURL } from './auth';
import { focusKey, h, replaceChildren } from './dom';
import { initialState, type State } from './state';
import { fetchGreeting, TodoClient, type Todo } from './todos';
import { accountView, alertView, greetingView, todosView, type Actions } from './view';

export interface AppDeps {
  fetch: Fetch;
  // navigate leaves the page (login, IdP logout).
  navigate(url: string): void;
  location: { pathname: string; search: string };
}

const sessionEndedText = 'Your session has ended. Log in again to continue.';
const notSignedInText = 'You need to log in first.';

// App owns the page: it keeps the state, renders it into fixed regions, and
// turns user actions into API calls. The live regions are created once and
// only their text changes, so screen readers announce each message once.
export class App implements Actions {
  private readonly state: State = initialState();
  private readonly api: ApiClient;
  private readonly auth: AuthClient;
  private readonly todos: TodoClient;
  private readonly regions: {
    account: HTMLElement;
    alert: HTMLElement;
    status: HTMLElement;
    greeting: HTMLElement;
    todos: HTMLElement;
  };

  constructor(root: HTMLElement, private readonly deps: AppDeps) {
    this.api = new ApiClient(deps.fetch);
    this.auth = new AuthClient(this.api);
    this.todos = new TodoClient(this.api);
    this.regions = {
      account: h('div', { class: 'account', 'aria-label': 'Account' }),
      alert: h('div', { class: 'alerts', role: 'alert', 'aria-live': 'assertive', 'aria-atomic': 'true' }),
      status: h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-testid': 'status' }),
      greeting: h('section', { class: 'card', 'aria-labelledby': 'greeting-heading' }),
      todos: h('section', { class: 'card', 'aria-labelledby': 'todos-heading', hidden: true }),
    };
    replaceChildren(root,
      h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
      h('header', { class: 'site-header' },
        h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('h1', null, 'Gatehouse')),
        this.regions.account),
      h('main', { id: 'main', tabindex: -1 },
        this.regions.alert, this.regions.status, this.regions.greeting, this.regions.todos),
      h('footer', { class: 'site-footer' },
        h('p', null, 'Your session lives in the BFF; this page never sees a token.')));
    this.render();
  }

  async start(): Promise<void> {
    try {
      const user = await this.auth.currentUser();
      this.state.user = user;
      this.state.phase = user ? 'signedIn' : 'signedOut';
    } catch (err) {
      this.state.phase = 'signedOut';
      this.fail('Could not check your session', err);
    }
    this.render();
    if (this.state.phase === 'signedIn') await this.loadTodos();
  }

  private async loadTodos(): Promise<void> {
    try {
      this.state.todos = await this.todos.list();
    } catch (err) {
      this.fail('Could not load your list', err);
    }
    this.render();
  }

  // ---- actions ----

  login(): void {
    this.deps.navigate(loginURL(this.deps.location.pathname, this.deps.location.search));
  }

  logout(): void {
    void this.run('logout', async () => {
      const next = await this.auth.logout();
      this.state.user = null;
      this.state.phase = 'signedOut';
      this.state.todos = null;
      this.deps.navigate(next);
    }, 'Could not log out');
  }

  fetchGreeting(): void {
    void this.run('greeting', async () => {
      const greeting = await fetchGreeting(this.api);
      this.state.greeting = greeting.content;
      this.announce(greeting.content);
    }, 'Could not fetch data');
  }

  dismissAlert(): void {
    this.state.alert = null;
    this.render();
    focusKey(document, 'fetch');
  }

  setDraft(text: string): void {
    this.state.draft = text;
  }

  add(): void {
    const title = this.state.draft.trim();
    if (title === '') {
      this.state.alert = { kind: 'error', text: 'Type a title for the new item first.' };
      this.render();
      focusKey(document, 'new-todo');
      return;
    }
    void this.run('add', async () => {
      const todo = await this.todos.add(title);
      this.state.todos = [...(this.state.todos ?? []), todo];
      this.state.draft = '';
      this.announce(`Added “${todo.title}”.`);
    }, 'Could not add the item', 'new-todo');
  }

  toggle(todo: Todo): void {
    void this.run(`item:${todo.id}`, async () => {
      const updated = await this.todos.setCompleted(todo.id, !todo.completed);
      this.replaceTodo(updated);
      this.announce(updated.completed ? `Completed “${updated.title}”.` : `Reopened “${updated.title}”.`);
    }, 'Could not update the item', `toggle:${todo.id}`);
  }

  startEdit(todo: Todo): void {
    this.state.editing = { id: todo.id, title: todo.title };
    this.render();
    focusKey(document, `edit:${todo.id}`);
  }

  setEditDraft(text: string): void {
    if (this.state.editing) this.state.editing.title = text;
  }

  saveEdit(): void {
    const editing = this.state.editing;
    if (!editing) return;
    const title = editing.title.trim();
    if (title === '') {
      this.state.alert = { kind: 'error', text: 'A title cannot be empty.' };
      this.render();
      focusKey(document, `edit:${editing.id}`);
      return;
    }
    void this.run(`item:${editing.id}`, async () => {
      const updated = await this.todos.rename(editing.id, title);
      this.replaceTodo(updated);
      this.state.editing = null;
      this.announce(`Renamed to “${updated.title}”.`);
    }, 'Could not rename the item', `edit-button:${editing.id}`);
  }

  cancelEdit(): void {
    const id = this.state.editing?.id;
    this.state.editing = null;
    this.render();
    if (id) focusKey(document, `edit-button:${id}`);
  }

  remove(todo: Todo): void {
    void this.run(`item:${todo.id}`, async () => {
      await this.todos.remove(todo.id);
      const list = this.state.todos ?? [];
      const index = list.findIndex((t) => t.id === todo.id);
      this.state.todos = list.filter((t) => t.id !== todo.id);
      this.announce(`Deleted “${todo.title}”.`);
      const next = this.state.todos[Math.min(index, this.state.todos.length - 1)];
      return next ? `toggle:${next.id}` : 'new-todo';
    }, 'Could not delete the item');
  }

  // ---- plumbing ----

  // announce sets the polite status text. Repeating the same message toggles
  // a trailing no-break space, so the live region changes and is read again.
  private announce(text: string): void {
    this.state.status = this.state.status === text ? `${text}\u00A0` : text;
  }

  private replaceTodo(updated: Todo): void {
    this.state.todos = (this.state.todos ?? []).map((t) => (t.id === updated.id ? updated : t));
  }

  // run marks key busy while work runs, reports failures in the page, and
  // moves focus to the key work returns (or focusAfter) when it succeeds.
  private async run(key: string, work: () => Promise<string | void>, failure: string, focusAfter?: string): Promise<void> {
    if (this.state.busy.has(key)) return;
    this.state.busy.add(key);
    this.state.alert = null;
    this.render();
    let focus: string | undefined;
    try {
      focus = (await work()) ?? focusAfter;
    } catch (err) {
      this.fail(failure, err);
    } finally {
      this.state.busy.delete(key);
    }
    this.render();
    if (focus) focusKey(document, focus);
  }

  private fail(what: string, err: unknown): void {
    if (err instanceof ApiError && err.sessionEnded) {
      const text = this.state.phase === 'signedIn' ? sessionEndedText : notSignedInText;
      this.state.phase = 'signedOut';
      this.state.user = null;
      this.state.todos = null;
      this.state.editing = null;
      this.state.alert = { kind: 'sessionEnded', text };
      return;
    }
    let text = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    if (err instanceof ApiError && err.retryAfterSeconds !== null) {
      text += ` Try again in ${err.retryAfterSeconds} second${err.retryAfterSeconds === 1 ? '' : 's'}.`;
    }
    this.state.alert = { kind: 'error', text };
  }

  private render(): void {
    const { account, alert, status, greeting, todos } = this.regions;
    replaceChildren(account, accountView(this.state, this));
    replaceChildren(greeting, greetingView(this.state, this));
    replaceChildren(todos, todosView(this.state, this));
    todos.hidden = this.state.phase !== 'signedIn';
    const alertKey = this.state.alert ? `${this.state.alert.kind}:${this.state.alert.text}` : '';
    if (alert.dataset.key !== alertKey) {
      alert.dataset.key = alertKey;
      replaceChildren(alert, alertView(this.state, this));
    }
    if (status.textContent !== this.state.status) status.textContent = this.state.status;
  }
}
