import { h, type Child } from './dom';
import { maxTitleLength, type Todo } from './todos';
import { summary, type State } from './state';

// Actions are what the view can ask the app to do.
export interface Actions {
  login(): void;
  logout(): void;
  fetchGreeting(): void;
  dismissAlert(): void;
  setDraft(text: string): void;
  add(): void;
  toggle(todo: Todo): void;
  startEdit(todo: Todo): void;
  setEditDraft(text: string): void;
  saveEdit(): void;
  cancelEdit(): void;
  remove(todo: Todo): void;
}

export function accountView(state: State, act: Actions): Child {
  if (state.phase === 'loading') {
    return h('p', { class: 'account-state' }, 'Checking your session…');
  }
  if (state.phase === 'signedOut' || !state.user) {
    return [
      h('p', { class: 'account-state', 'data-testid': 'login-state' }, 'You are not signed in.'),
      h('button', { type: 'button', class: 'primary', 'data-focus': 'login', onclick: () => act.login() }, 'Log in'),
    ];
  }
  const user = state.user;
  return [
    h('div', { class: 'account-state', 'data-testid': 'login-state' },
      h('p', null, 'Signed in as ', h('strong', { 'data-testid': 'user-name' }, user.name)),
      h('div', { class: 'groups', 'data-testid': 'user-groups' },
        user.groups.length === 0
          ? 'No groups'
          : ['Groups: ', h('ul', { class: 'group-list' }, user.groups.map((g) => h('li', { class: 'group' }, g)))])),
    h('button', {
      type: 'button', 'data-focus': 'logout', disabled: state.busy.has('logout'), onclick: () => act.logout(),
    }, state.busy.has('logout') ? 'Logging out…' : 'Log out'),
  ];
}

export function alertView(state: State, act: Actions): Child {
  const alert = state.alert;
  if (!alert) return null;
  if (alert.kind === 'sessionEnded') {
    return h('div', { class: 'alert session-ended', 'data-testid': 'session-ended' },
      h('p', null, alert.text),
      h('button', { type: 'button', class: 'primary', 'data-focus': 'alert-login', onclick: () => act.login() }, 'Log in'));
  }
  return h('div', { class: 'alert error', 'data-testid': 'error' },
    h('p', null, alert.text),
    h('button', { type: 'button', class: 'link', 'data-focus': 'alert-dismiss', onclick: () => act.dismissAlert() }, 'Dismiss'));
}

export function greetingView(state: State, act: Actions): Child {
  const busy = state.busy.has('greeting');
  return [
    h('h2', { id: 'greeting-heading' }, 'Greeting'),
    h('p', { class: 'hint' }, 'Calls the sample API through the BFF with your session.'),
    h('div', { class: 'row' },
      h('button', { type: 'button', 'data-focus': 'fetch', disabled: busy, onclick: () => act.fetchGreeting() },
        busy ? 'Fetching…' : 'Fetch data'),
      h('output', { class: 'greeting', 'data-testid': 'greeting' }, state.greeting ?? '')),
  ];
}

export function todosView(state: State, act: Actions): Child {
  if (state.phase !== 'signedIn') return null;
  const todos = state.todos;
  const adding = state.busy.has('add');
  return [
    h('h2', { id: 'todos-heading', tabindex: -1, 'data-focus': 'todos-heading' }, 'Your ToDo list'),
    h('form', {
      class: 'add-form', 'aria-label': 'Add an item', novalidate: true,
      onsubmit: (e: Event) => { e.preventDefault(); act.add(); },
    },
    h('label', { for: 'new-todo' }, 'New item'),
    h('div', { class: 'row' },
      h('input', {
        id: 'new-todo', type: 'text', name: 'title', autocomplete: 'off', maxlength: maxTitleLength,
        required: true, 'data-focus': 'new-todo', value: state.draft,
        oninput: (e: Event) => act.setDraft((e.target as HTMLInputElement).value),
      }),
      h('button', { type: 'submit', class: 'primary', disabled: adding }, adding ? 'Adding…' : 'Add'))),
    todos === null
      ? h('p', { class: 'hint' }, 'Loading your list…')
      : [
        h('p', { class: 'hint', 'data-testid': 'todo-summary' }, summary(todos)),
        todos.length === 0
          ? h('p', { class: 'empty', 'data-testid': 'todo-empty' }, 'Nothing here yet. Add your first item above.')
          : h('ul', { class: 'todos', 'aria-labelledby': 'todos-heading', 'data-testid': 'todo-list' },
            todos.map((todo) => todoItem(todo, state, act))),
      ],
  ];
}

function todoItem(todo: Todo, state: State, act: Actions): HTMLLIElement {
  const busy = state.busy.has(`item:${todo.id}`);
  const checkboxId = `todo-${todo.id}`;
  if (state.editing?.id === todo.id) {
    const inputId = `edit-${todo.id}`;
    return h('li', { class: 'todo editing', 'data-id': todo.id },
      h('form', {
        class: 'edit-form', 'aria-label': `Edit “${todo.title}”`, novalidate: true,
        onsubmit: (e: Event) => { e.preventDefault(); act.saveEdit(); },
      },
      h('label', { for: inputId, class: 'visually-hidden' }, `New title for “${todo.title}”`),
      h('input', {
        id: inputId, type: 'text', autocomplete: 'off', maxlength: maxTitleLength, required: true,
        'data-focus': `edit:${todo.id}`, value: state.editing.title,
        oninput: (e: Event) => act.setEditDraft((e.target as HTMLInputElement).value),
        onkeydown: (e: Event) => { if ((e as KeyboardEvent).key === 'Escape') act.cancelEdit(); },
      }),
      h('button', { type: 'submit', class: 'primary', disabled: busy }, 'Save'),
      h('button', { type: 'button', disabled: busy, onclick: () => act.cancelEdit() }, 'Cancel')));
  }
  return h('li', { class: todo.completed ? 'todo done' : 'todo', 'data-id': todo.id },
    h('input', {
      id: checkboxId, type: 'checkbox', checked: todo.completed, disabled: busy,
      'data-focus': `toggle:${todo.id}`, onchange: () => act.toggle(todo),
    }),
    h('label', { for: checkboxId, class: 'title' }, todo.title),
    h('span', { class: 'actions' },
      h('button', {
        type: 'button', class: 'small', disabled: busy, 'data-focus': `edit-button:${todo.id}`,
        'aria-label': `Edit “${todo.title}”`, onclick: () => act.startEdit(todo),
      }, 'Edit'),
      h('button', {
        type: 'button', class: 'small danger', disabled: busy, 'data-focus': `delete:${todo.id}`,
        'aria-label': `Delete “${todo.title}”`, onclick: () => act.remove(todo),
      }, 'Delete')));
}
