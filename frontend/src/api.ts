// Every call to the BFF goes through here: same-origin, with the session
// cookie, with the X-CSRF header the BFF requires, and with errors turned into
// ApiError carrying the BFF's JSON {error, message}.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get sessionEnded(): boolean {
    return this.status === 401;
  }
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

const fallbackMessages: Record<number, string> = {
  400: 'The request was not accepted.',
  401: 'You are not signed in.',
  403: 'You are not allowed to do that.',
  404: 'That was not found. It may have been deleted.',
  413: 'That is too large.',
  429: 'Too many requests. Wait a moment and try again.',
  502: 'A service behind the app did not answer properly. Try again shortly.',
  503: 'The service is unavailable right now. Try again shortly.',
  504: 'A service behind the app took too long to answer. Try again shortly.',
};

export class ApiClient {
  private readonly fetch: Fetch;

  constructor(fetchImpl: Fetch) {
    this.fetch = fetchImpl;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', 'X-CSRF': '1' };
    const init: RequestInit = { method, headers, credentials: 'same-origin', redirect: 'manual', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetch(path, init);
    } catch {
      throw new ApiError(0, 'network_error', 'The server cannot be reached. Check your connection and try again.');
    }
    // The BFF never redirects API calls; a redirect means something in
    // between (a proxy, a captive portal) answered instead.
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
      throw new ApiError(response.status, 'unexpected_redirect', 'The server answered with a redirect instead of data. Reload the page and try again.');
    }
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, 'invalid_response', 'The server sent a response the app cannot read.');
    }
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = fallbackMessages[response.status] ?? `The request failed (HTTP ${response.status}).`;
  try {
    const body: unknown = JSON.parse(await response.text());
    if (body && typeof body === 'object') {
      const { error, message: text } = body as { error?: unknown; message?: unknown };
      if (typeof error === 'string' && error !== '') code = error;
      if (typeof text === 'string' && text !== '') message = text;
    }
  } catch {
    // Not JSON (a proxy's error page): keep the fallback message.
  }
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  const seconds = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null;
  return new ApiError(response.status, code, message, seconds);
}
