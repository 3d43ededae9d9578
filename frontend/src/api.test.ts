import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, type Fetch } from './api';

function respond(status: number, body: string, headers: Record<string, string> = {}): Fetch {
  return async () => new Response(status === 204 ? null : body, { status, headers });
}

describe('ApiClient', () => {
  it('sends X-CSRF, same-origin credentials, JSON and no redirects on every call', async () => {
    const seen: RequestInit[] = [];
    const api = new ApiClient(async (_url, init) => {
      seen.push(init);
      return new Response('{}', { status: 200 });
    });
    await api.get('/a');
    await api.post('/b', { x: 1 });
    await api.patch('/c', { y: 2 });
    await api.delete('/d');
    expect(seen.map((i) => i.method)).toEqual(['GET', 'POST', 'PATCH', 'DELETE']);
    for (const init of seen) {
      const headers = init.headers as Record<string, string>;
      expect(headers['X-CSRF']).toBe('1');
      expect(init.credentials).toBe('same-origin');
      expect(init.redirect).toBe('manual');
    }
    expect(seen[1]?.body).toBe('{"x":1}');
    expect((seen[1]?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(seen[0]?.body).toBeUndefined();
  });

  it.each([
    { name: 'JSON error with message', fetch: respond(403, '{"error":"csrf_failed","message":"the X-CSRF: 1 header is required"}'), status: 403, code: 'csrf_failed', message: 'the X-CSRF: 1 header is required', retry: null },
    { name: 'rate limited', fetch: respond(429, '{"error":"rate_limited","message":"slow down"}', { 'Retry-After': '3' }), status: 429, code: 'rate_limited', message: 'slow down', retry: 3 },
    { name: 'proxy HTML page', fetch: respond(502, '<html>bad gateway</html>'), status: 502, code: 'http_502', message: 'A service behind the app did not answer properly. Try again shortly.', retry: null },
    { name: 'unknown status', fetch: respond(418, ''), status: 418, code: 'http_418', message: 'The request failed (HTTP 418).', retry: null },
    { name: 'network down', fetch: (async () => { throw new TypeError('Failed to fetch'); }) as Fetch, status: 0, code: 'network_error', message: 'The server cannot be reached. Check your connection and try again.', retry: null },
    { name: 'redirect', fetch: respond(302, '', { Location: 'https://idp.example/' }), status: 302, code: 'unexpected_redirect', message: 'The server answered with a redirect instead of data. Reload the page and try again.', retry: null },
    { name: 'unreadable success', fetch: respond(200, 'not json'), status: 200, code: 'invalid_response', message: 'The server sent a response the app cannot read.', retry: null },
  ])('turns $name into an ApiError', async ({ fetch, status, code, message, retry }) => {
    const err = await new ApiClient(fetch).get('/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const apiErr = err as ApiError;
    expect([apiErr.status, apiErr.code, apiErr.message, apiErr.retryAfterSeconds]).toEqual([status, code, message, retry]);
  });

  it('marks 401 as an ended session', async () => {
    const err = (await new ApiClient(respond(401, '{"error":"unauthenticated","message":"no session"}')).get('/x').catch((e: unknown) => e)) as ApiError;
    expect(err.sessionEnded).toBe(true);
  });

  it('returns undefined for 204', async () => {
    await expect(new ApiClient(respond(204, '')).delete('/x')).resolves.toBeUndefined();
  });
});
