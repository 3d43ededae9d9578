import type { User } from './auth';
import type { Todo } from './todos';

export type Phase = 'loading' | 'signedIn' | 'signedOut';

export interface Message {
  kind: 'error' | 'sessionEnded';
  text: string;
}

export interface State {
  phase: Phase;
  user: User | null;
  greeting: string | null;
  // null until the first list arrives.
  todos: Todo[] | null;
  draft: string;
  editing: { id: string; title: string } | null;
  // Keys of requests in flight ("add", "greeting", "logout", "item:<id>").
  busy: Set<string>;
  // Errors and the session-ended prompt, announced assertively.
  alert: Message | null;
  // Confirmations, announced politely.
  status: string;
}

export function initialState(): State {
  return {
    phase: 'loading',
    user: null,
    greeting: null,
    todos: null,
    draft: '',
    editing: null,
    busy: new Set(),
    alert: null,
    status: '',
  };
}

export function summary(todos: Todo[]): string {
  const done = todos.filter((t) => t.completed).length;
  const items = todos.length === 1 ? '1 item' : `${todos.length} items`;
  return `${items}, ${done} done`;
}
