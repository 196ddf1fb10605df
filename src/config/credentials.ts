/**
 * Masking credentials in what squall prints or serves: connection URLs in logs and errors, and configuration
 * values on the local UI. Beside the config it masks, below the runtime and the connectors that both use it.
 */

const MASK = '***';

/**
 * The URL with its password masked, whatever it looks like. It does not rely on `new URL`, which cannot parse a
 * password with an unencoded `#`, `/` or `@`, nor a typo such as `redis//…`: the credentials are everything between
 * the scheme and the LAST `@`; the user name (before the first `:`) stays, the rest becomes `***`. A userinfo
 * without `:` may be a password given alone (`redis://secret@host`), so it is masked whole. A `password=` query
 * parameter is masked too.
 */
export function redactUrl(url: string): string {
  let shown = url.replace(/([?&;](?:password|pass|pwd|secret|token)=)[^&;\s]*/gi, `$1${MASK}`);
  const at = shown.lastIndexOf('@');
  if (at < 0) return shown;
  const before = shown.slice(0, at);
  // `scheme://`, `scheme//` (a typo), or `scheme:` at the start; absent for `user:pass@host`.
  const scheme = /^[a-z][a-z0-9+.-]*(?::\/\/|\/\/)/i.exec(before)?.[0] ?? '';
  const userinfo = before.slice(scheme.length);
  if (userinfo.length === 0) return shown;
  const colon = userinfo.indexOf(':');
  const masked = colon < 0 ? MASK : `${userinfo.slice(0, colon)}:${MASK}`;
  shown = `${scheme}${masked}${shown.slice(at)}`;
  return shown;
}

/** Text (a log line, an error from a library) with every URL-like word that carries credentials masked. */
export function maskCredentials(text: string): string {
  return text.replace(/[^\s"'<>()]*@[^\s"'<>()]*/g, (word) => (/[:/]/.test(word.slice(0, word.lastIndexOf('@'))) ? redactUrl(word) : word));
}

/** Keys whose whole value is a secret, whatever it looks like (`…password`, `…secret`, `…token`, `…credentials`). */
const SECRET_KEY = /pass(word|wd)?$|secret|token|credential/i;

/**
 * A topology configuration as a UI may show it: values under secret-looking keys replaced by `***`, and URLs with
 * credentials masked in every other string (nested maps and lists included). Storm's own UI shows configuration
 * as it is; squall's local UI serves it through this.
 */
export function maskConfiguration<T>(value: T, key = ''): T {
  if (typeof value === 'string') return (SECRET_KEY.test(key) && value.length > 0 ? MASK : maskCredentials(value)) as T;
  if (Array.isArray(value)) return value.map((v) => maskConfiguration(v, key)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskConfiguration(v, k)])) as T;
  }
  return value;
}
