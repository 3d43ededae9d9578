import { ApiError, type ApiClient } from './api';

export interface User {
  name: string;
  email: string | null;
  groups: string[];
  expiresAt: Date | null;
}

type Claims = Record<string, unknown>;

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

// toUser reads the BFF's /auth/user answer: display claims either at the top
// level or under "claims", groups, and the session expiry.
export function toUser(body: unknown): User {
  const top = (body && typeof body === 'object' ? body : {}) as Claims;
  const claims = (top.claims && typeof top.claims === 'object' ? top.claims : {}) as Claims;
  const pick = (...keys: string[]): string | null => {
    for (const key of keys) {
      const value = text(top[key]) ?? text(claims[key]);
      if (value) return value;
    }
    return null;
  };
  const groups = Array.isArray(top.groups) ? top.groups : Array.isArray(claims.groups) ? claims.groups : [];
  const expiry = pick('expiresAt', 'expires_at');
  const expiresAt = expiry ? new Date(expiry) : null;
  return {
    name: pick('name', 'preferred_username', 'username', 'email', 'sub', 'subject') ?? 'Signed-in user',
    email: pick('email'),
    groups: groups.filter((g): g is string => typeof g === 'string' && g !== ''),
    expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : null,
  };
}

export class AuthClient {
  constructor(private readonly api: ApiClient) {}

  // currentUser returns null when there is no session.
  async currentUser(): Promise<User | null> {
    try {
      return toUser(await this.api.get('/auth/user'));
    } catch (err) {
      if (err instanceof ApiError && err.sessionEnded) return null;
      throw err;
    }
  }

  // logout ends the session at the BFF and returns where the browser goes
  // next to end the IdP session too.
  async logout(): Promise<string> {
    const body = await this.api.post<unknown>('/auth/logout');
    const fields = (body && typeof body === 'object' ? body : {}) as Claims;
    const next = text(fields.logoutUrl) ?? text(fields.logout_url) ?? text(fields.redirect) ?? text(fields.url);
    return safeNavigationTarget(next);
  }
}

// loginURL sends the user to the BFF's login with a same-origin return path.
export function loginURL(pathname: string, search: string): string {
  const returnTo = pathname.startsWith('/') && !pathname.startsWith('//') ? pathname + search : '/';
  return `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}

// safeNavigationTarget accepts only http(s) URLs or same-origin paths, so a
// bad answer cannot navigate to a javascript: URL.
export function safeNavigationTarget(target: string | null): string {
  if (!target) return '/';
  if (target.startsWith('/') && !target.startsWith('//')) return target;
  try {
    const url = new URL(target);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.href;
  } catch {
    // fall through
  }
  return '/';
}
