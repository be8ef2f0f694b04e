/**
 * A minimal browser-like HTTP client: keeps the `octo_session` cookie it is given and sends an
 * Origin header (its own unless told otherwise), as a browser on the server's page would.
 */
export interface RequestOptions {
  body?: unknown;
  /** Raw body text (sent as-is, for malformed JSON and size tests). */
  raw?: string | ReadableStream<Uint8Array>;
  /** Origin header to send; `null` sends none. Defaults to the client's origin. */
  origin?: string | null;
  headers?: Record<string, string>;
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
  /** The error code of an error body, for short assertions. */
  code: string | undefined;
}

export class Client {
  cookie: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly origin: string | null = baseUrl,
  ) {}

  async request<T = Record<string, unknown>>(method: string, path: string, opts: RequestOptions = {}) {
    const headers: Record<string, string> = { ...opts.headers };
    const origin = opts.origin === undefined ? this.origin : opts.origin;
    if (origin) headers.origin = origin;
    if (this.cookie) headers.cookie = `octo_session=${this.cookie}`;
    let body: BodyInit | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    this.remember(res.headers.get("set-cookie"));
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : {};
    return {
      status: res.status,
      body: parsed as T,
      headers: res.headers,
      code: parsed?.error?.code,
    } as Reply<T>;
  }

  get = <T = Record<string, unknown>>(path: string, opts?: RequestOptions) =>
    this.request<T>("GET", path, opts);
  post = <T = Record<string, unknown>>(path: string, body?: unknown, opts?: RequestOptions) =>
    this.request<T>("POST", path, { ...opts, body });
  put = <T = Record<string, unknown>>(path: string, body?: unknown, opts?: RequestOptions) =>
    this.request<T>("PUT", path, { ...opts, body });
  patch = <T = Record<string, unknown>>(path: string, body?: unknown, opts?: RequestOptions) =>
    this.request<T>("PATCH", path, { ...opts, body });
  delete = <T = Record<string, unknown>>(path: string, opts?: RequestOptions) =>
    this.request<T>("DELETE", path, opts);

  async login(username: string, password: string) {
    const r = await this.post("/api/auth/login", { username, password });
    if (r.status !== 200)
      throw new Error(`login as ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  }

  private remember(setCookie: string | null) {
    if (!setCookie) return;
    const m = /(?:^|,\s*)octo_session=([^;]*)/.exec(setCookie);
    if (m) this.cookie = m[1] || undefined;
  }
}
