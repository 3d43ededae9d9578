import { describe, expect, it } from 'vitest';
import { loginURL, safeNavigationTarget, toUser } from './auth';

describe('toUser', () => {
  it.each([
    { name: 'top-level claims', body: { name: 'Alice Example', email: 'a@x', groups: ['staff'], expiresAt: '2030-01-01T00:00:00Z' }, want: { name: 'Alice Example', email: 'a@x', groups: ['staff'] } },
    { name: 'nested claims', body: { sub: 'bob', claims: { preferred_username: 'bob', email: 'b@x' }, groups: [] }, want: { name: 'bob', email: 'b@x', groups: [] } },
    { name: 'only a subject', body: { sub: 'u-1' }, want: { name: 'u-1', email: null, groups: [] } },
    { name: 'junk', body: 'nope', want: { name: 'Signed-in user', email: null, groups: [] } },
    { name: 'bad groups are dropped', body: { name: 'A', groups: ['ok', 3, '', null] }, want: { name: 'A', email: null, groups: ['ok'] } },
  ])('reads $name', ({ body, want }) => {
    const user = toUser(body);
    expect({ name: user.name, email: user.email, groups: user.groups }).toEqual(want);
  });

  it('parses the expiry', () => {
    expect(toUser({ name: 'A', expiresAt: '2030-01-01T00:00:00Z' }).expiresAt?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(toUser({ name: 'A', expiresAt: 'soon' }).expiresAt).toBeNull();
  });
});

describe('loginURL', () => {
  it.each([
    { path: '/', search: '', want: '/auth/login?returnTo=%2F' },
    { path: '/todos', search: '?filter=open', want: '/auth/login?returnTo=%2Ftodos%3Ffilter%3Dopen' },
    { path: '//evil.example/x', search: '', want: '/auth/login?returnTo=%2F' },
  ])('returns to $path$search', ({ path, search, want }) => {
    expect(loginURL(path, search)).toBe(want);
  });
});

describe('safeNavigationTarget', () => {
  it.each([
    { target: 'http://127.0.0.1:9000/session/end?client_id=x', want: 'http://127.0.0.1:9000/session/end?client_id=x' },
    { target: 'https://x.auth.us-east-1.amazoncognito.com/logout?client_id=c', want: 'https://x.auth.us-east-1.amazoncognito.com/logout?client_id=c' },
    { target: '/', want: '/' },
    { target: 'javascript:alert(1)', want: '/' },
    { target: '//evil.example', want: '/' },
    { target: null, want: '/' },
  ])('maps $target', ({ target, want }) => {
    expect(safeNavigationTarget(target)).toBe(want);
  });
});
