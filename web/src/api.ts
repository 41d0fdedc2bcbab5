// A small fetch wrapper for the Kaifang API: JSON in and out, the session
// cookie, the CSRF header on every non-GET request, and one error type.
import type {
  AppealCategory,
  AppealDetail,
  AppealEventBody,
  AppealList,
  AppealStats,
  AlertDetail,
  AlertEventBody,
  AlertFilter,
  AlertList,
  DrillList,
  DrillRequest,
  ForecastBands,
  SeriesForecast,
  RiskEvaluation,
  RiskRaised,
  RiskHistory,
  RiskRegistry,
  AssessParams,
  AssignmentReport,
  AuditList,
  BulletinList,
  BulletinRequest,
  CompareBody,
  EmailBody,
  FrameworkDoc,
  Inbox,
  Items,
  Job,
  JobList,
  LoginRequest,
  SetupRequest,
  Meeting,
  NewMeeting,
  Meta,
  NewAppeal,
  NewTask,
  NetworkCollection,
  NewUser,
  Org,
  OrgList,
  Cockpit,
  RegistryCounts,
  PlaceList,
  Roundtable,
  RoundtableBody,
  RouteAnswer,
  RouteBody,
  ScenarioComparison,
  ScenarioList,
  SessionInfo,
  StudyRun,
  TaskDetail,
  TaskEventBody,
  TaskList,
  TaskSummary,
  Upload,
  UserList,
  UserRow,
  ZoneAssessment,
  ZoneDataCheck,
  ZoneForm,
  SubmissionRow,
  ZoneReport,
  ZoneRow,
  ZoneSensitivity,
  EditionList,
  ImportReport,
  IndustryList,
  InvestProjectDetail,
  InvestProjectList,
  InvestStats,
  NegativeCheckQuery,
  NegativeListCheck,
  NegativeListEdition,
  NewInvestProject,
  ProjectFilter,
  ProjectStepBody,
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
  /** Sent as is (multipart uploads); the browser sets the content type. */
  form?: FormData
  /** false for calls whose 401 is an expected answer (login, restoring the session). */
  sessionExpected?: boolean
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (opts.body !== undefined && !opts.form) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken

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

/** `?a=1&b=2` from the values that are set; empty when none is. */
export function queryString(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** Where an uploaded file can be downloaded. */
export const uploadUrl = (id: number): string => `/api/uploads/${id}/content`

/** Where a zone's yearly form downloads as an Excel workbook. */
export const zoneTemplateUrl = (code: string, year: number): string =>
  `/api/zones/${encodeURIComponent(code)}/submissions/${year}/template`

/** Where an issued bulletin's file downloads, as it was issued. */
export const bulletinFileUrl = (id: number): string => `/api/bulletins/${id}/file`

/** Where the empty project sheet (the import template) downloads. */
export const investTemplateUrl = '/api/invest/projects/template'

/** The query string of `/api/invest/projects` (the list and its Excel export). */
export function projectQuery(filter: ProjectFilter): string {
  return queryString({ stage: filter.stage, city: filter.city, zone: filter.zone })
}

/** The query string of `/api/risk/alerts` (the board and its Excel export). */
export function alertQuery(filter: AlertFilter): string {
  return queryString({
    open: filter.open === null || filter.open === undefined ? null : String(filter.open),
    level: filter.level,
    owner_org_id: filter.owner_org_id,
    source: filter.source,
  })
}

/** Link that downloads a table as an Excel workbook. */
export function xlsxUrl(path: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}format=xlsx`
}

/** GET `/api/trade/<path>` with query parameters (foreign-trade statistics). */
export function tradeGet<T>(path: string, params: Record<string, string | number | null | undefined> = {}): Promise<T> {
  return request<T>('GET', `/api/trade/${path}${queryString(params)}`)
}

export const api = {
  meta: () => request<Meta>('GET', '/api/meta', { sessionExpected: false }),
  me: () => request<SessionInfo>('GET', '/api/auth/me', { sessionExpected: false }),
  login: (username: string, password: string) =>
    request<SessionInfo>('POST', '/api/auth/login', { body: { username, password } satisfies LoginRequest, sessionExpected: false }),
  logout: () => request<void>('POST', '/api/auth/logout', { sessionExpected: false }),
  setup: (body: SetupRequest) => request<UserRow>('POST', '/api/setup', { body, sessionExpected: false }),

  /** The cockpit; with `month` (YYYY-MM), trade and investment of that month. */
  overview: (month?: string) =>
    request<Cockpit>('GET', month ? `/api/overview?month=${encodeURIComponent(month)}` : '/api/overview'),
  registryCounts: () => request<RegistryCounts>('GET', '/api/registry/counts'),
  orgs: () => request<OrgList>('GET', '/api/orgs'),
  /** Records (or, with null, clears) an organisation's unified social credit code (administrators). */
  setOrgUscc: (id: number, uscc: string | null) => request<Org>('PUT', `/api/orgs/${id}/uscc`, { body: { uscc } }),

  users: () => request<UserList>('GET', '/api/users'),
  createUser: (user: NewUser) => request<UserRow>('POST', '/api/users', { body: user }),
  disableUser: (id: number) => request<UserRow>('POST', `/api/users/${id}/disable`),
  enableUser: (id: number) => request<UserRow>('POST', `/api/users/${id}/enable`),

  audit: (limit = 200) => request<AuditList>('GET', `/api/audit?limit=${limit}`),

  jobs: () => request<JobList>('GET', '/api/jobs'),
  job: (id: string) => request<Job>('GET', `/api/jobs/${encodeURIComponent(id)}`),
  cancelJob: (id: string) => request<Job>('POST', `/api/jobs/${encodeURIComponent(id)}/cancel`),
  startBackup: () => request<Job>('POST', '/api/backups'),

  upload: (file: File) => {
    const form = new FormData()
    form.append('file', file)
    return request<Upload>('POST', '/api/uploads', { form })
  },

  meetings: () => request<Meeting[]>('GET', '/api/meetings'),
  createMeeting: (m: NewMeeting) => request<Meeting>('POST', '/api/meetings', { body: m }),
  tasks: (filter: { org?: number | null; state?: string | null; light?: string | null; directive?: number | null } = {}) =>
    request<TaskList>('GET', `/api/tasks${queryString(filter)}`),
  taskSummary: () => request<TaskSummary>('GET', '/api/tasks/summary'),
  task: (id: number) => request<TaskDetail>('GET', `/api/tasks/${id}`),
  createTask: (task: NewTask) => request<TaskDetail>('POST', '/api/tasks', { body: task }),
  actOnTask: (id: number, event: TaskEventBody) =>
    request<TaskDetail>('POST', `/api/tasks/${id}/events`, { body: event }),

  appeals: () => request<AppealList>('GET', '/api/appeals'),
  appealCategories: () => request<AppealCategory[]>('GET', '/api/appeals/categories'),
  appealStats: () => request<AppealStats>('GET', '/api/appeals/stats'),
  riskIndicators: () => request<RiskRegistry>('GET', '/api/risk/indicators'),
  riskReadings: () => request<RiskEvaluation>('GET', '/api/risk/readings'),
  riskEvaluate: () => request<RiskRaised>('POST', '/api/risk/evaluate'),
  riskHistory: (indicator: string, subject: string) =>
    request<RiskHistory>('GET', `/api/risk/history${queryString({ indicator, subject })}`),
  riskAlerts: (filter: AlertFilter = {}) => request<AlertList>('GET', `/api/risk/alerts${alertQuery(filter)}`),
  riskAlert: (id: number) => request<AlertDetail>('GET', `/api/risk/alerts/${id}`),
  actOnAlert: (id: number, event: AlertEventBody) =>
    request<AlertDetail>('POST', `/api/risk/alerts/${id}/events`, { body: event }),
  riskForecasts: (period: string | null = null) => request<ForecastBands>('GET', `/api/risk/forecasts${queryString({ period })}`),
  riskForecast: (series: string, period: string | null = null) =>
    request<SeriesForecast>('GET', `/api/risk/forecasts/${encodeURIComponent(series)}${queryString({ period })}`),
  startBulletin: (body: BulletinRequest) => request<Job>('POST', '/api/bulletins', { body }),
  bulletins: () => request<BulletinList>('GET', '/api/bulletins'),
  startDrill: (body: DrillRequest) => request<Job>('POST', '/api/risk/drills', { body }),
  riskDrills: () => request<DrillList>('GET', '/api/risk/drills'),
  appeal: (id: number) => request<AppealDetail>('GET', `/api/appeals/${id}`),
  fileAppeal: (appeal: NewAppeal) => request<AppealDetail>('POST', '/api/appeals', { body: appeal }),
  actOnAppeal: (id: number, event: AppealEventBody) =>
    request<AppealDetail>('POST', `/api/appeals/${id}/events`, { body: event }),

  roundtables: () => request<Roundtable[]>('GET', '/api/roundtables'),
  roundtable: (id: number) => request<Roundtable>('GET', `/api/roundtables/${id}`),
  createRoundtable: (r: RoundtableBody) => request<Roundtable>('POST', '/api/roundtables', { body: r }),
  updateRoundtable: (id: number, r: RoundtableBody) =>
    request<Roundtable>('PUT', `/api/roundtables/${id}`, { body: r }),

  notifications: () => request<Inbox>('GET', '/api/notifications'),
  markRead: (id: number) => request<void>('POST', `/api/notifications/${id}/read`),
  markAllRead: () => request<void>('POST', '/api/notifications/read-all'),
  setEmail: (email: string | null) => request<void>('PUT', '/api/auth/email', { body: { email } satisfies EmailBody }),

  channelNetwork: () => request<NetworkCollection>('GET', '/api/channels/network'),
  channelPlaces: (q: string) => request<PlaceList>('GET', `/api/channels/places${queryString({ q })}`),
  channelScenarios: () => request<ScenarioList>('GET', '/api/channels/scenarios'),
  planRoute: (body: RouteBody) => request<RouteAnswer>('POST', '/api/channels/route', { body }),
  compareScenarios: (shipment: RouteBody, scenario_a: string, scenario_b: string) =>
    request<ScenarioComparison>('POST', '/api/channels/compare', { body: { request: shipment, scenario_a, scenario_b } satisfies CompareBody }),
  /** The document types this answer as any `StudyResult`; the base loads are always an assignment's. */
  freightBase: (scenario: string) =>
    request<AssignmentReport>('GET', `/api/assign/base${queryString({ scenario: scenario === 'base' ? null : scenario })}`),
  startStudy: (run: StudyRun) => request<Job>('POST', '/api/assign/runs', { body: run }),
  study: (id: string) => request<Job>('GET', `/api/assign/runs/${encodeURIComponent(id)}`),
  zones: () => request<Items<ZoneRow>>('GET', '/api/zones'),
  zoneFramework: () => request<FrameworkDoc>('GET', '/api/zones/framework'),
  zoneAssessment: (p: AssessParams = {}) =>
    request<ZoneAssessment>('GET', `/api/zones/assessment${queryString({ ...p })}`),
  zoneReport: (code: string, p: AssessParams = {}) =>
    request<ZoneReport>('GET', `/api/zones/${encodeURIComponent(code)}/report${queryString({ ...p })}`),
  zoneSensitivity: (p: AssessParams = {}) =>
    request<ZoneSensitivity>('GET', `/api/zones/sensitivity${queryString({ ...p })}`),
  checkZoneData: (csv: string) => request<ZoneDataCheck>('POST', '/api/zones/submissions/check', { body: { csv } }),
  zoneSubmissions: (p: { year?: number; state?: string; zone?: string } = {}) =>
    request<Items<SubmissionRow>>('GET', `/api/zones/submissions${queryString({ ...p })}`),
  zoneForm: (code: string, year: number) =>
    request<ZoneForm>('GET', `/api/zones/${encodeURIComponent(code)}/submissions/${year}`),
  saveZoneForm: (
    code: string,
    year: number,
    version: number,
    values: { indicator: string; value: number | null; note: string }[],
  ) => request<ZoneForm>('PUT', `/api/zones/${encodeURIComponent(code)}/submissions/${year}`, { body: { version, values } }),
  uploadZoneForm: (code: string, year: number, version: number, file: File) => {
    const form = new FormData()
    form.append('file', file)
    form.append('version', String(version))
    return request<ZoneForm>('POST', `/api/zones/${encodeURIComponent(code)}/submissions/${year}/upload`, { form })
  },
  investEditions: () => request<EditionList>('GET', '/api/invest/negative-lists'),
  investEdition: (id: string) => request<NegativeListEdition>('GET', `/api/invest/negative-lists/${encodeURIComponent(id)}`),
  investCheck: (q: NegativeCheckQuery) => request<NegativeListCheck>('GET', `/api/invest/negative-list/check${queryString({ ...q })}`),
  investIndustries: () => request<IndustryList>('GET', '/api/invest/industries'),
  investProjects: (filter: ProjectFilter = {}) => request<InvestProjectList>('GET', `/api/invest/projects${projectQuery(filter)}`),
  investProject: (id: number) => request<InvestProjectDetail>('GET', `/api/invest/projects/${id}`),
  createInvestProject: (body: NewInvestProject) => request<InvestProjectDetail>('POST', '/api/invest/projects', { body }),
  actOnProject: (id: number, step: ProjectStepBody) =>
    request<InvestProjectDetail>('POST', `/api/invest/projects/${id}/steps`, { body: step }),
  investStats: (p: { year?: number | null; month?: number | null } = {}) =>
    request<InvestStats>('GET', `/api/invest/stats${queryString({ ...p })}`),
  importProjects: (file: File) => {
    const form = new FormData()
    form.append('file', file)
    return request<ImportReport>('POST', '/api/invest/projects/import', { form })
  },
  zoneFormStep: (code: string, year: number, step: 'submit' | 'approve' | 'return', version: number, reason = '') =>
    request<ZoneForm>('POST', `/api/zones/${encodeURIComponent(code)}/submissions/${year}/${step}`, {
      body: { version, reason },
    }),
}
