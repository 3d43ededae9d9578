import type { ApiClient } from './api';

export interface Todo {
  id: string;
  title: string;
  completed: boolean;
  createdAt: string;
  updatedAt: string;
}

export const maxTitleLength = 200;

// TodoClient talks to the ToDo API through the BFF's /api/todos route.
export class TodoClient {
  constructor(private readonly api: ApiClient) {}

  async list(): Promise<Todo[]> {
    const body = await this.api.get<{ items?: Todo[] }>('/api/todos');
    return body?.items ?? [];
  }

  add(title: string): Promise<Todo> {
    return this.api.post<Todo>('/api/todos', { title });
  }

  rename(id: string, title: string): Promise<Todo> {
    return this.api.patch<Todo>(`/api/todos/${encodeURIComponent(id)}`, { title });
  }

  setCompleted(id: string, completed: boolean): Promise<Todo> {
    return this.api.patch<Todo>(`/api/todos/${encodeURIComponent(id)}`, { completed });
  }

  remove(id: string): Promise<void> {
    return this.api.delete(`/api/todos/${encodeURIComponent(id)}`);
  }
}

export interface Greeting {
  id: number;
  content: string;
}

export function fetchGreeting(api: ApiClient): Promise<Greeting> {
  return api.get<Greeting>('/api/greeting');
}
