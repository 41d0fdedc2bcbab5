// The cooperation API (对外合作). The shapes are the generated schema's; the requests go
// through the same rules as `api.ts` (session cookie, CSRF header on writes, `ApiError`).
// The shared request helper is private to `api.ts`, so the CSRF token is read back from
// `/api/auth/me` (the session's own token) and read again once if the server refuses it.
import { ApiError, api, queryString } from '@/api'
import type { components } from '@/api/schema'
import { forget, session } from '@/session'

type Schemas = components['schemas']

export type Partner = Schemas['PartnerItem']
export type PartnerDetail = Schemas['PartnerDetail']
export type PartnerRequest = Schemas['PartnerRequest']
export type PartnerChange = Schemas['PartnerChangeRequest']
export type Contact = Schemas['Contact']
export type LinkedProject = Schemas['LinkedProject']
export type Exchange = Schemas['ExchangeItem']
export type ExchangeRequest = Schemas['ExchangeRequest']
export type ExchangeSummary = Schemas['ExchangeSummary']
export type TourismAnswer = Schemas['TourismAnswer']
export type TourismImportReport = Schemas['TourismImportReport']
export type EntryFacilitation = Schemas['EntryFacilitation']
export type PortOfEntry = Schemas['PortOfEntry']
export type PolicyInForce = Schemas['PolicyInForce']
export type ProjectItem = Schemas['ProjectItem']

/**
 * A gap in the document (error details are untyped there): one problem of an imported table,
 * in the 422 answer's `details.problems`.
 */
export interface ImportProblem {
  /** 1 is the header row; 0 for the file as a whole. */
  row: number
  /** The column's letter; empty for the file or a whole row. */
  column: string
  field: string
  message: string
}

let token: { user: unknown; value: string | null } | null = null

async function csrfToken(fresh = false): Promise<string | null> {
  // A new sign-in replaces the user object, and with it the session's token.
  if (fresh || !token || token.user !== session.user) {
    const me = await api.me()
    token = { user: session.user, value: me.csrf_token ?? null }
  }
  return token.value
}

async function sessionEnded(): Promise<void> {
  if (!session.user) return
  forget()
  // Loaded late: the router loads this page, so a static import would be circular.
  const { router } = await import('@/router')
  const current = router.currentRoute.value
  if (!current.meta.public) {
    void router.replace({ name: 'login', query: { redirect: current.fullPath, expired: '1' } })
  }
}

interface Options {
  body?: unknown
  form?: FormData
}

async function call<T>(method: string, path: string, opts: Options = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (opts.body !== undefined && !opts.form) headers['Content-Type'] = 'application/json'
  if (method !== 'GET') {
    const csrf = await csrfToken()
    if (csrf) headers['X-CSRF-Token'] = csrf
  }
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.form ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    })
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e))
  }
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
    const err = (data ?? {}) as { code?: unknown; message?: unknown; details?: unknown }
    const code = typeof err.code === 'string' ? err.code : `http_${res.status}`
    if (res.status === 403 && code === 'csrf_failed' && !retried) {
      await csrfToken(true)
      return call<T>(method, path, opts, true)
    }
    if (res.status === 401) void sessionEnded()
    throw new ApiError(
      res.status,
      code,
      typeof err.message === 'string' ? err.message : res.statusText || `HTTP ${res.status}`,
      err.details ?? null,
    )
  }
  if (data === null) throw new ApiError(res.status, 'bad_response', 'Response is not JSON')
  return data as T
}

export const PARTNERS_PATH = '/api/cooperation/partners'

export const coopApi = {
  partners: () => call<Schemas['Items_PartnerItem']>('GET', PARTNERS_PATH),
  partner: (id: number) => call<PartnerDetail>('GET', `${PARTNERS_PATH}/${id}`),
  createPartner: (body: PartnerRequest) => call<PartnerDetail>('POST', PARTNERS_PATH, { body }),
  changePartner: (id: number, body: PartnerChange) => call<PartnerDetail>('PATCH', `${PARTNERS_PATH}/${id}`, { body }),
  linkProject: (id: number, projectId: number) =>
    call<PartnerDetail>('POST', `${PARTNERS_PATH}/${id}/projects`, { body: { project_id: projectId } satisfies Schemas['LinkRequest'] }),

  activities: (p: { year?: number | null; partner?: number | null; kind?: string | null } = {}) =>
    call<Schemas['Items_ExchangeItem']>('GET', `/api/cooperation/activities${queryString(p)}`),
  createActivity: (body: ExchangeRequest) => call<Exchange>('POST', '/api/cooperation/activities', { body }),
  summary: (year: number) => call<ExchangeSummary>('GET', `/api/cooperation/activities/summary${queryString({ year })}`),

  tourism: (year: number | null = null) => call<TourismAnswer>('GET', `/api/cooperation/tourism${queryString({ year })}`),
  importTourism: (file: File) => {
    const form = new FormData()
    form.append('file', file)
    return call<TourismImportReport>('POST', '/api/cooperation/tourism/import', { form })
  },

  entry: () => call<EntryFacilitation>('GET', '/api/cooperation/entry'),

  /** Investment projects, to link to a partner or an exchange. */
  projects: () => call<Schemas['Items_ProjectItem']>('GET', '/api/invest/projects'),
}
