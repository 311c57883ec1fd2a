import { CometError, wrapError } from '../../errors.js';

/**
 * Where clients find name servers (issue 3; the seed's methods, Java's system property aside):
 * 1. an explicit option, 2. the `NAMESRV_ADDR` environment variable, 3. an HTTP endpoint that
 * answers `host:port;host:port` (Java's TopAddressing). The first source that is set wins.
 */

export const NAMESRV_ADDR_ENV = 'NAMESRV_ADDR';
export const DEFAULT_LOOKUP_TIMEOUT_MS = 3000;

const HOST = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/;

/** Validate one `host:port` (IPv4 or host name: ali-ons splits on `:`, so no IPv6 literals, §1.1). */
export function parseNamesrvAddr(text: string): string {
  const addr = text.trim();
  const colon = addr.lastIndexOf(':');
  const host = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  const port = Number(portText);
  if (colon <= 0 || !HOST.test(host) || !/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
    throw new CometError('NAMESRV_ADDR_INVALID', `name server address ${JSON.stringify(addr)} is not host:port`);
  }
  return `${host}:${port}`;
}

/**
 * `a:9876;b:9876` (Java's separator), also `,` and whitespace, into validated, de-duplicated
 * addresses in the given order. Accepts a list whose items are themselves such strings.
 */
export function parseNamesrvAddrList(input: string | readonly string[]): string[] {
  const items = typeof input === 'string' ? [input] : input;
  const out: string[] = [];
  for (const item of items) {
    for (const part of item.split(/[;,\s]+/)) {
      if (part === '') continue;
      const addr = parseNamesrvAddr(part);
      if (!out.includes(addr)) out.push(addr);
    }
  }
  return out;
}

export type FetchLike = (url: string, init: { signal: AbortSignal; headers?: Record<string, string> }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface FetchNamesrvOptions {
  readonly timeoutMs?: number;
  /** Default: global fetch. */
  readonly fetch?: FetchLike;
}

/** GET `url` and parse its `host:port;host:port` body; bounded by `timeoutMs` (default 3000). */
export async function fetchNamesrvAddrs(url: string, options: FetchNamesrvOptions = {}): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
  const doFetch: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));
  const signal = AbortSignal.timeout(timeoutMs);
  let text: string;
  try {
    const res = await doFetch(url, { signal, headers: { accept: 'text/plain' } });
    if (!res.ok) throw new CometError('NAMESRV_ADDR_LOOKUP_FAILED', `name server endpoint ${url} answered HTTP ${res.status}`);
    text = await res.text();
  } catch (e) {
    if (signal.aborted) throw new CometError('NAMESRV_ADDR_LOOKUP_FAILED', `name server endpoint ${url} did not answer within ${timeoutMs} ms`, { cause: e });
    throw wrapError('NAMESRV_ADDR_LOOKUP_FAILED', `name server endpoint ${url} failed`, e);
  }
  const addrs = parseNamesrvAddrList(text);
  if (addrs.length === 0) throw new CometError('NAMESRV_ADDR_LOOKUP_FAILED', `name server endpoint ${url} answered no address`);
  return addrs;
}

export interface ResolveNamesrvOptions {
  /** Explicit addresses: `a:9876;b:9876` or a list. Wins over everything. */
  readonly namesrvAddr?: string | readonly string[];
  /** Environment to read NAMESRV_ADDR from. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** HTTP endpoint answering `host:port;host:port`, used when neither of the above is set. */
  readonly endpoint?: string;
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
}

export type NamesrvSource = 'option' | 'env' | 'endpoint';

/** The name server list and where it came from. Throws SDK_NAMESRV_UNAVAILABLE when no source is set. */
export async function resolveNamesrvAddrs(options: ResolveNamesrvOptions = {}): Promise<{ addrs: string[]; source: NamesrvSource }> {
  const explicit = options.namesrvAddr === undefined ? [] : parseNamesrvAddrList(options.namesrvAddr);
  if (explicit.length > 0) return { addrs: explicit, source: 'option' };
  const envText = (options.env ?? process.env)[NAMESRV_ADDR_ENV];
  if (envText !== undefined && envText.trim() !== '') return { addrs: parseNamesrvAddrList(envText), source: 'env' };
  if (options.endpoint !== undefined && options.endpoint !== '') {
    const lookup: FetchNamesrvOptions = { ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...(options.fetch === undefined ? {} : { fetch: options.fetch }) };
    return { addrs: await fetchNamesrvAddrs(options.endpoint, lookup), source: 'endpoint' };
  }
  throw new CometError('SDK_NAMESRV_UNAVAILABLE', `no name server address: pass one, set ${NAMESRV_ADDR_ENV}, or give an address endpoint`);
}
