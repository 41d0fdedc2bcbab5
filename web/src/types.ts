// Shapes of the JSON documents exchanged with the Kaifang API.

export type Role = 'admin' | 'leader' | 'department' | 'local' | 'enterprise'
export const ROLES: readonly Role[] = ['admin', 'leader', 'department', 'local', 'enterprise']

export type OrgKind = 'department' | 'city' | 'zone' | 'enterprise'
export const ORG_KINDS: readonly OrgKind[] = ['department', 'city', 'zone', 'enterprise']

export type ZoneType = 'etdz' | 'hitech' | 'bonded' | 'border' | 'newarea' | 'pilot' | 'cbec'
export const ZONE_TYPES: readonly ZoneType[] = ['etdz', 'hitech', 'bonded', 'border', 'newarea', 'pilot', 'cbec']

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface Meta {
  name: string
  version: string
  demo: boolean
  /** The approval label of a configured base map; absent: Natural Earth, illustrative. */
  basemap_label?: string | null
}

export interface Org {
  id: number
  code: string
  kind: OrgKind
  name_zh: string
  name_en: string
  region_code: string | null
  zone_type: ZoneType | null
  /** Modules whose data this organisation owns (departments only). */
  modules?: string[]
  source: string
}

export interface Me {
  id: number
  username: string
  display_name: string
  role: Role
  org: Org
}

export interface SessionInfo {
  user: Me
  csrf_token: string
}

export interface Overview {
  demo: boolean
  organisations_by_kind: { kind: OrgKind; count: number }[]
  zones_by_type: { zone_type: ZoneType | null; count: number }[]
  users_by_role: { role: Role; count: number }[]
  audit_by_day: { day: string; count: number }[]
  jobs: { queued?: number; running: number; succeeded: number; failed: number; cancelled: number }
}

export interface UserRow {
  id: number
  username: string
  display_name: string
  role: Role
  org_id: number
  org_name_zh: string
  org_name_en: string
  disabled: boolean
  created_at: string
}

export interface NewUser {
  username: string
  display_name: string
  password: string
  role: Role
  org_id: number
}

export interface AuditEntry {
  id: number
  at: string
  actor: string | null
  action: string
  target: string | null
  details: unknown
}

export interface Job {
  id: string
  kind: string
  status: JobStatus
  progress: number
  message: string | null
  created_at: string
  finished_at: string | null
  result: unknown
}

export interface Items<T> {
  items: T[]
}

// Directives supervision (督查督办).

export type TaskState = 'issued' | 'signed_for' | 'in_progress' | 'submitted' | 'returned' | 'closed'
export const TASK_STATES: readonly TaskState[] = ['issued', 'signed_for', 'in_progress', 'submitted', 'returned', 'closed']

export type Light = 'green' | 'yellow' | 'red' | 'grey'
export const LIGHTS: readonly Light[] = ['green', 'yellow', 'red', 'grey']

export interface OrgRef {
  id: number
  code: string
  name_zh: string
  name_en: string
}

export interface Directive {
  id: number
  meeting_id: number
  code: string
  title: string
  quote: string
  tasks: number
}

export interface Meeting {
  id: number
  title: string
  held_on: string
  chair: string
  source: string
  directives: Directive[]
}

export interface NewMeeting {
  title: string
  held_on: string
  chair: string
  source: string
  directives: { code: string; title: string; quote: string }[]
}

export interface TaskItem {
  id: number
  directive_id: number
  directive_code: string
  directive_title: string
  title: string
  lead: OrgRef
  co_orgs: OrgRef[]
  issued_on: string
  deadline: string
  state: TaskState
  extension_until: string | null
  closed_on: string | null
  light: Light
  overdue_working_days: number
  deadline_provisional: boolean
  version: number
  updated_at: string
}

export interface Milestone {
  id: number
  title: string
  due_on: string
  done_on: string | null
}

export interface TimelineEvent {
  id: number
  at: string
  actor: string
  org: OrgRef | null
  kind: string
  body: string
  data: Record<string, unknown> | null
  attachments: number[]
}

export interface TaskDetail extends TaskItem {
  description: string
  extension_reason: string | null
  meeting_title: string
  quote: string
  milestones: Milestone[]
  events: TimelineEvent[]
}

export interface NewTask {
  directive_id: number
  title: string
  description: string
  lead_org_id: number
  co_org_ids: number[]
  deadline?: string
  working_days?: number
  milestones: { title: string; due_on: string }[]
}

export type TaskEventKind =
  | 'sign_for'
  | 'progress'
  | 'submit'
  | 'close'
  | 'return'
  | 'request_extension'
  | 'decide_extension'
  | 'comment'
  | 'milestone_done'

export interface TaskEventBody {
  version: number
  kind: TaskEventKind
  body?: string
  until?: string
  approve?: boolean
  milestone_id?: number
  attachments?: number[]
}

export interface OrgTaskSummary {
  org: OrgRef
  total: number
  green: number
  yellow: number
  overdue: number
  closed: number
  closed_late: number
}

export interface TaskSummary {
  today: string
  total: OrgTaskSummary
  by_org: OrgTaskSummary[]
}

// Enterprise appeals (企业诉求) and the roundtable.

export type AppealState = 'filed' | 'accepted' | 'rejected' | 'assigned' | 'answered' | 'rated'
export const APPEAL_STATES: readonly AppealState[] = ['filed', 'accepted', 'rejected', 'assigned', 'answered', 'rated']

export interface AppealCategory {
  key: string
  name_zh: string
  name_en: string
}

export interface AppealItem {
  id: number
  enterprise: OrgRef
  category: string
  title: string
  state: AppealState
  filed_on: string
  accepted_on: string | null
  assigned: OrgRef | null
  answered_on: string | null
  score: number | null
  deadline: string | null
  deadline_provisional: boolean
  escalated: boolean
  version: number
  updated_at: string
}

export interface RoundtableRef {
  id: number
  title: string
  held_on: string
}

export interface AppealDetail extends AppealItem {
  description: string
  answer: string | null
  reject_reason: string | null
  events: TimelineEvent[]
  roundtables: RoundtableRef[]
}

export interface NewAppeal {
  category: string
  title: string
  description: string
  attachments: number[]
}

export type AppealEventKind = 'accept' | 'reject' | 'assign' | 'answer' | 'rate' | 'comment'

export interface AppealEventBody {
  version: number
  kind: AppealEventKind
  body?: string
  org_id?: number
  score?: number
  attachments?: number[]
}

export interface StatRow {
  key: string
  name_zh: string
  name_en: string
  total: number
  open: number
  escalated: number
  rejected: number
  answered: number
  mean_days_to_accept: number | null
  mean_days_to_answer: number | null
  mean_satisfaction: number | null
  rated: number
}

export interface AppealStats {
  today: string
  limits: { accept_working_days: number; resolve_working_days: number }
  total: StatRow
  by_category: StatRow[]
  by_department: StatRow[]
  satisfaction: number[]
}

export interface AgendaItem {
  position?: number
  title: string
  appeal_id: number | null
  appeal_title?: string | null
  appeal_state?: AppealState | null
}

export interface Roundtable {
  id: number
  title: string
  held_on: string
  minutes: string
  items: AgendaItem[]
  version: number
  updated_at: string
}

export interface RoundtableBody {
  title: string
  held_on: string
  minutes: string
  items: { title: string; appeal_id: number | null }[]
  version?: number
}

// Notifications and uploads.

export interface Notification {
  id: number
  at: string
  kind: string
  title: string
  link: string
  read_at: string | null
}

export interface Inbox {
  unread: number
  items: Notification[]
}

export interface Upload {
  id: number
  sha256: string
  filename: string
  content_type: string
  size: number
}

// ---- Open channels

export interface ChannelPlace {
  id: string
  name: string
  name_zh: string
  kind: string
  country: string
  locode: string | null
  lon: number
  lat: number
}

export interface ChannelScenario {
  name: string
  description: string
  edits: number
}

/** A feature of the network GeoJSON: its properties are the columns of the network files, as text. */
export interface NetworkFeature {
  type: 'Feature'
  geometry: { type: 'Point'; coordinates: [number, number] } | { type: 'LineString'; coordinates: [number, number][] }
  properties: Record<string, string>
}

export interface NetworkCollection {
  type: 'FeatureCollection'
  features: NetworkFeature[]
}

export interface RouteBody {
  from: string
  to: string
  cargo?: string
  teu?: number
  tonnes?: number
  value?: string | number
  regime?: string
  modes?: string[]
  avoid?: string[]
  alternatives?: number
  pareto?: boolean
  scenario?: string
  month?: number
}

export interface RouteLeg {
  mode: string
  from: string
  to: string
  from_zh: string
  to_zh: string
  km: number
  hours: number
  cost_cny: number
  co2_kg: number
  links: string[]
}

export interface RouteTotals {
  km: number
  hours: number
  cost_cny: number
  co2_kg: number
  generalized_cny: number
  wait_hours: number
  clearance_hours: number
}

export interface CrossingPassed {
  node: string
  name: string
  name_zh: string
  countries: [string, string]
  way: string
  clearance_hours: number
}

export interface PlannedRoute {
  legs: RouteLeg[]
  total: RouteTotals
  border_crossings: CrossingPassed[]
  corridor: string[]
  nodes: string[]
  countries: string[]
  geometry: { type: 'LineString'; coordinates: [number, number][] }
}

export interface RouteAnswer {
  from: { id: string; name: string; name_zh: string }
  to: { id: string; name: string; name_zh: string }
  scenario: string | null
  routes: PlannedRoute[]
  unreachable: { message: string; blocked_by: { restriction: string; elements: string[] }[] } | null
}

export interface ScenarioComparison {
  a: string
  b: string
  route_a: PlannedRoute | null
  route_b: PlannedRoute | null
  blocked_a: string | null
  blocked_b: string | null
  difference: { cost_cny: number; hours: number; co2_kg: number } | null
}

// ---------------------------------------------------------------- development zones

export type ZoneLevel = 'national' | 'provincial'

export interface ZoneRow {
  code: string
  name_zh: string
  name_en: string
  type: string
  level: ZoneLevel
  city: string
  approved: number | null
  source: string
  assessed: boolean
}

export interface FrameworkNode {
  code: string
  name: string
  name_en: string | null
  level: number
  parent: string | null
  weight: number
  share: number
  direction: 'positive' | 'negative'
  unit: string | null
  unit_en: string | null
  min: number | null
  max: number | null
  source: string | null
}

export interface FrameworkDoc {
  name: string | null
  index: string
  nodes: FrameworkNode[]
}

export interface ScoreColumn {
  code: string
  name: string
  name_en: string | null
  level: number
  weight: number
  median: number
}

export interface RankBand {
  p05: number
  median: number
  p95: number
}

export type Quadrant = 'leader' | 'mature' | 'rising' | 'catching_up'

export interface Placement {
  quadrant: Quadrant
  label_zh: string
  label_en: string
  strategy_zh: string
  strategy_en: string
  scale: number
  growth: number
}

export interface Standing {
  code: string
  name: string
  rank: number
  score: number
}

export interface Suggestion {
  pillar: string
  pillar_rank: number
  indicator: string
  indicator_rank: number
  zh: string
  en: string
}

export interface ZoneUnit {
  code: string
  name: string
  name_en: string
  rank: number | null
  rank_interval: RankBand | null
  previous_rank: number | null
  movement: number | null
  group: string | null
  group_rank: number | null
  scores: Record<string, number | null>
  placement: Placement | null
  strengths: Standing[]
  weaknesses: Standing[]
  suggestions: Suggestion[]
}

export interface Typology {
  scale: string
  growth: string
  scale_threshold: number
  growth_threshold: number
  rule_zh: string
  rule_en: string
}

export interface ZoneAssessment {
  title: string | null
  source: string
  synthetic: boolean
  year: number | null
  previous_year: number | null
  index: string
  columns: ScoreColumn[]
  units: ZoneUnit[]
  typology: Typology | null
  uncertainty: { runs: number; seed: number; mean_abs_rank_shift: number } | null
  notes: string[]
  years: number[]
  weights: Record<string, number>
}

export interface ZoneReport {
  synthetic: boolean
  source: string
  title: string | null
  year: number | null
  previous_year: number | null
  index: string
  n_units: number
  zone: Omit<ZoneRow, 'assessed'>
  columns: ScoreColumn[]
  unit: ZoneUnit
  typology: Typology | null
  history: { year: number; rank: number | null; index: number | null }[]
  weights: Record<string, number>
}

export interface SobolIndex {
  input: string
  first: number | null
  total: number | null
}

export interface ZoneSensitivity {
  synthetic: boolean
  year: number
  samples: number
  model_runs: number
  seed: number
  indices: SobolIndex[]
}

export interface AssessParams {
  year?: number | null
  uncertainty?: number | null
  /** `open:40,quality:30`; absent for the framework's weights. */
  weights?: string | null
  samples?: number | null
}

export interface ZoneDataFlag {
  zone: string
  indicator: string
  year: number
  previous_year: number
  previous: number
  value: number
  change: number | null
}

export interface ZoneDataCheck {
  valid: boolean
  years: number[]
  zones: string[]
  values: number
  missing: number
  jumps: ZoneDataFlag[]
  compared_with_synthetic: boolean
}

/** A zone's yearly data: `draft` → `submitted` → `approved`, or `returned` and submitted again. */
export type SubmissionState = 'draft' | 'submitted' | 'approved' | 'returned'
export const SUBMISSION_STATES: readonly SubmissionState[] = ['draft', 'submitted', 'approved', 'returned']

export interface SubmissionItem {
  id: number
  zone_code: string
  year: number
  state: SubmissionState
  version: number
  created_by: string
  submitted_by: string | null
  submitted_at: string | null
  reviewed_by: string | null
  reviewed_at: string | null
  reason: string | null
  created_at: string
  updated_at: string
  values: number
}

export interface SubmissionRow extends SubmissionItem {
  zone_name: string
  zone_name_en: string
  /** Values that moved more than ±50% against last year. */
  warnings: number
}

export interface SubmissionEvent {
  id: number
  at: string
  actor: string
  kind: 'save' | 'submit' | 'approve' | 'return'
  from_state: SubmissionState | null
  to_state: SubmissionState
  body: string
  version: number
}

export interface Submission extends Omit<SubmissionItem, 'values'> {
  values: { indicator: string; value: number; note: string }[]
  history: SubmissionEvent[]
}

export interface ZoneFormRow {
  indicator: string
  name: string
  name_en: string | null
  pillar: string | null
  unit: string | null
  unit_en: string | null
  min: number | null
  max: number | null
  previous_year: number | null
  previous: number | null
  previous_source: 'synthetic demo' | 'approved submission' | null
  value: number | null
  note: string
  change: number | null
  jump: boolean
}

export interface ZoneForm {
  zone: ZoneRow
  year: number
  submission: Submission | null
  rows: ZoneFormRow[]
  warnings: number
  max_change: number
  compared_with_synthetic: boolean
}

/** One problem of an uploaded workbook, where a spreadsheet shows it. */
export interface FormProblem {
  sheet: string
  row: number
  column: string
  field: string
  message: string
}

// Freight studies (货运通道分析): loads, criticality ranking, project appraisal.
export interface PlaceNames {
  name: string
  name_zh: string
}

export interface LinkLoad {
  id: string
  name: string
  mode: string
  from: string
  to: string
  volume_forward: number
  volume_backward: number
  /** TEU per year per direction; null when the link has no capacity. */
  capacity: number | null
  utilisation: number | null
  free_hours: number
  delay_hours: number
  geometry: [number, number][]
}

export interface NodeLoad {
  id: string
  name: string
  name_zh: string
  kind: string
  volume: number
  capacity: number | null
  utilisation: number
  delay_hours: number
  position: [number, number]
}

interface StudyLabels {
  kind: string
  demand: string
  synthetic: boolean
  places: Record<string, PlaceNames>
}

export interface AssignmentReport extends StudyLabels {
  scenario: string
  total_cost: number
  relative_gap: number
  iterations: number
  seconds: number
  links: LinkLoad[]
  nodes: NodeLoad[]
  unserved: { origin: string; destination: string; class: string; amount: number }[]
}

export interface Impact {
  element: { kind: 'link' | 'node'; id: string; name: string }
  cost_change: number
  unserved: number
  rerouted: number
  relative_gap: number
  iterations: number
}

export interface CriticalResult extends StudyLabels {
  scenario: string
  which: string
  ranking: Impact[]
}

export interface ProjectResult {
  id: string
  name: string
  name_zh: string
  capex_cny: number
  opening_year: number
  lifetime_years: number
  source: string
  annual_saving: number
  served_change: number
  pv_benefits: number
  pv_capex: number
  npv: number
  bcr: number
}

export interface AppraisalResult extends StudyLabels {
  economics: { discount_rate: number; base_year: number }
  budget: number | null
  base_total_cost: number
  projects: ProjectResult[]
  portfolio: { chosen: number[]; capex: number; npv: number; exact: boolean; method: string }
  portfolio_together: ProjectResult | null
}

export interface StudyRun {
  kind: 'assignment' | 'critical' | 'appraisal'
  scenario?: string
  which?: 'all' | 'links' | 'nodes'
  only?: string[]
  budget_cny?: number
  discount_rate?: number
  base_year?: number
}
