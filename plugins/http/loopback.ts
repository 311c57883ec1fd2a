/**
 * Admin writes are accepted only from the broker host until the auth issue adds credentials. Only
 * the socket's remote address counts (never X-Forwarded-For): behind a reverse proxy on the same
 * host every request looks local, so do not expose the admin routes through one.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
