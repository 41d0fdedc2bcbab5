// A small fetch wrapper for the Kaifang API: JSON in and out, the session
// cookie, the CSRF header on every non-GET request, and one error type.
import type {
  AuditEntry,
  Items,
  Job,
  Meta,
  NewUser,
  Org,
  Overview,
  SessionInfo,
  UserRow,
} from './types'

/** An error answered by the server (`{ code, message, details }`) or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: unknown

  constructor(status: number, code: string, message: string, details: unknown = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }
}

let csrfToken: string | null = null
let onUnauthorized: (() => void) | null = null

export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

/** Called when a request made with a session answers 401 (the session ended or expired). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler
}

interface RequestOptions {
  body?: unknown
  /** false for calls whose 401 is an expected answer (login, restoring the session). */
  sessionExpected?: boolean
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken

  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    })
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e))
  }

  if (res.status === 204) return undefined as T

  const text = await res.text()
  let data: unknown = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }

  if (!res.ok) {
    if (res.status === 401 && opts.sessionExpected !== false) onUnauthorized?.()
    const err = (data ?? {}) as { code?: unknown; message?: unknown; details?: unknown }
    throw new ApiError(
      res.status,
      typeof err.code === 'string' ? err.code : `http_${res.status}`,
      typeof err.message === 'string' ? err.message : res.statusText || `HTTP ${res.status}`,
      err.details ?? null,
    )
  }
  if (data === null && text) throw new ApiError(res.status, 'bad_response', 'Response is not JSON')
  return data as T
}

/** Link that downloads a table as an Excel workbook. */
export function xlsxUrl(path: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}format=xlsx`
}

export const api = {
  meta: () => request<Meta>('GET', '/api/meta', { sessionExpected: false }),
  me: () => request<SessionInfo>('GET', '/api/auth/me', { sessionExpected: false }),
  login: (username: string, password: string) =>
    request<SessionInfo>('POST', '/api/auth/login', { body: { username, password }, sessionExpected: false }),
  logout: () => request<void>('POST', '/api/auth/logout', { sessionExpected: false }),

  overview: () => request<Overview>('GET', '/api/overview'),
  orgs: () => request<Items<Org>>('GET', '/api/orgs'),

  users: () => request<Items<UserRow>>('GET', '/api/users'),
  createUser: (user: NewUser) => request<UserRow>('POST', '/api/users', { body: user }),
  disableUser: (id: number) => request<UserRow>('POST', `/api/users/${id}/disable`),
  enableUser: (id: number) => request<UserRow>('POST', `/api/users/${id}/enable`),

  audit: (limit = 200) => request<Items<AuditEntry>>('GET', `/api/audit?limit=${limit}`),

  jobs: () => request<Items<Job>>('GET', '/api/jobs'),
  job: (id: string) => request<Job>('GET', `/api/jobs/${encodeURIComponent(id)}`),
  cancelJob: (id: string) => request<Job>('POST', `/api/jobs/${encodeURIComponent(id)}/cancel`),
  startBackup: () => request<Job>('POST', '/api/backups'),
}
