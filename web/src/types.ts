// Names for the JSON documents exchanged with the Kaifang API.
//
// The shapes come from `./api/schema.ts`, generated from the API's OpenAPI document: a type
// here is an alias of a generated schema, so a change on the server shows up as a type error
// in the pages that read it. What is written by hand below is marked: UI-only (constant
// lists, unions of values the API sends as plain strings, view models, query parameters) or
// a gap in the document (named in its comment).

import type { components } from './api/schema'

type Schemas = components['schemas']

// ---------------------------------------------------------------- accounts and organisations

export type Role = Schemas['Role']
/** UI-only: every role, in the order the pages list them. */
export const ROLES: readonly Role[] = ['admin', 'leader', 'department', 'local', 'enterprise']

export type OrgKind = Schemas['OrgKind']
/** UI-only: every kind of organisation, in the order the pages list them. */
export const ORG_KINDS: readonly OrgKind[] = ['department', 'city', 'zone', 'enterprise']

export type ZoneType = Schemas['ZoneType']
/** UI-only: every zone type, in the order the pages list them. */
export const ZONE_TYPES: readonly ZoneType[] = ['etdz', 'hitech', 'bonded', 'border', 'newarea', 'pilot', 'cbec']

export type Module = Schemas['Module']

export type JobStatus = Schemas['JobStatus']

export type Meta = Schemas['Meta']
export type Org = Schemas['Org']
export type OrgList = Schemas['Items_Org']
/** The signed-in user with the organisation they act for. */
export type Me = Schemas['Principal']
export type SessionInfo = Schemas['SessionInfo']
export type LoginRequest = Schemas['LoginRequest']
export type SetupRequest = Schemas['SetupRequest']
export type EmailBody = Schemas['EmailBody']
/** `/api/overview`: the leaders' cockpit, every module's headline card as the caller may see it. */
export type Cockpit = Schemas['Cockpit']
export type CockpitScope = Schemas['ScopeName']
export type CockpitFigure = Schemas['Figure']
export type CockpitTrade = Schemas['TradeCard']
export type CockpitPartner = Schemas['PartnerFigure']
export type CockpitChannels = Schemas['ChannelsCard']
export type CockpitGateway = Schemas['Gateway']
export type CockpitZones = Schemas['ZonesCard']
export type CockpitZoneRank = Schemas['ZoneRank']
export type CockpitDirectives = Schemas['DirectivesCard']
export type CockpitAppeals = Schemas['AppealsCard']
export type CockpitRisk = Schemas['RiskCard']
export type CockpitAlert = Schemas['AlertBrief']
export type CockpitInvest = Schemas['InvestCard']
export type CockpitChange = Schemas['Change']
export type CockpitUnavailable = Schemas['Unavailable']
/** UI-only: the cards of the cockpit (`unavailable[].card` and `changes[].kind` are plain strings in the API). */
export type CockpitCardName = 'trade' | 'channels' | 'zones' | 'directives' | 'appeals' | 'risk' | 'invest'
export type CockpitChangeKind = 'alert' | 'overdue' | 'partner' | 'zone'
/** `/api/registry/counts`: the registry's counts, for those who read the whole registry. */
export type RegistryCounts = Schemas['RegistryCounts']
export type UserRow = Schemas['User']
export type UserList = Schemas['Items_User']
export type NewUser = Schemas['CreateUser']
export type AuditEntry = Schemas['AuditEntry']
export type AuditList = Schemas['Items_AuditEntry']
export type Job = Schemas['Job']
export type JobList = Schemas['Items_Job']
/** The error body of every failed request. */
export type ErrorBody = Schemas['ErrorBody']
/**
 * `details` of a 409 `stale` answer: the record as it now is. Hand-written: the document
 * leaves error details untyped.
 */
export interface StaleDetails<T> {
  current?: T
}
/** `details` of a 429 `rate_limited` answer to a login. Hand-written, as `StaleDetails`. */
export interface RateLimitDetails {
  retry_after_secs?: number
}

// ---------------------------------------------------------------- directives supervision (督查督办)

/** UI-only: the states a task's `state` (a string in the API) takes, in workflow order. */
export type TaskState = 'issued' | 'signed_for' | 'in_progress' | 'submitted' | 'returned' | 'closed'
export const TASK_STATES: readonly TaskState[] = ['issued', 'signed_for', 'in_progress', 'submitted', 'returned', 'closed']

/** UI-only: the traffic lights a task's `light` (a string in the API) takes. */
export type Light = 'green' | 'yellow' | 'red' | 'grey'
export const LIGHTS: readonly Light[] = ['green', 'yellow', 'red', 'grey']
/** Whether a light sent by the API is one the UI knows how to draw. */
export const isLight = (s: string): s is Light => (LIGHTS as readonly string[]).includes(s)

export type OrgRef = Schemas['OrgRef']
export type Directive = Schemas['Directive']
export type Meeting = Schemas['Meeting']
export type NewMeeting = Schemas['MeetingBody']
export type TaskItem = Schemas['TaskItem']
export type TaskList = Schemas['Items_TaskItem']
export type Milestone = Schemas['Milestone']
export type TimelineEvent = Schemas['TimelineEvent']
export type TaskDetail = Schemas['TaskDetail']
export type NewTask = Schemas['TaskBody']
export type TaskEventKind = Schemas['TaskEventKind']
export type TaskEventBody = Schemas['TaskEventBody']
export type OrgTaskSummary = Schemas['OrgTaskSummary']
export type TaskSummary = Schemas['TaskSummary']

// ---------------------------------------------------------------- enterprise appeals (企业诉求) and the roundtable

/** UI-only: the states an appeal's `state` (a string in the API) takes, in workflow order. */
export type AppealState = 'filed' | 'accepted' | 'rejected' | 'assigned' | 'answered' | 'rated'
export const APPEAL_STATES: readonly AppealState[] = ['filed', 'accepted', 'rejected', 'assigned', 'answered', 'rated']

export type AppealCategory = Schemas['Category']
export type AppealItem = Schemas['AppealItem']
export type AppealList = Schemas['Items_AppealItem']
export type RoundtableRef = Schemas['RoundtableRef']
export type AppealDetail = Schemas['AppealDetail']
export type NewAppeal = Schemas['AppealBody']
export type AppealEventKind = Schemas['AppealEventKind']
export type AppealEventBody = Schemas['AppealEventBody']
export type StatRow = Schemas['StatRow']
export type StatLimits = Schemas['StatLimits']
export type AppealStats = Schemas['AppealStats']
export type RiskRegistry = Schemas['Registry']
export type RiskIndicator = Schemas['Indicator']
export type RiskEvaluation = Schemas['Evaluation']
export type RiskReading = Schemas['Reading']
export type RiskLevel = Schemas['Level']
export type RiskRule = Schemas['Rule']
/** `POST /api/risk/evaluate`: the evaluation and what it did to the alerts. */
export type RiskRaised = Schemas['Raised']
export type RiskHistory = Schemas['History']
export type AlertItem = Schemas['AlertItem']
export type AlertList = Schemas['Items_AlertItem']
export type AlertDetail = Schemas['AlertDetail']
export type AlertEventKind = Schemas['AlertEventKind']
export type AlertEventBody = Schemas['AlertEventBody']
/** UI-only: the states an alert's `state` (a string in the API) takes, in the order of its life. */
export type AlertState = 'raised' | 'acknowledged' | 'handling' | 'closed' | 'dismissed'
export const ALERT_STATES: readonly AlertState[] = ['raised', 'acknowledged', 'handling', 'closed', 'dismissed']
/** UI-only: the states in which an alert is still open. */
export const OPEN_ALERT_STATES: readonly AlertState[] = ['raised', 'acknowledged', 'handling']
/** UI-only: the levels an alert can have, most serious first (the API sends them as strings). */
export const ALERT_LEVELS = ['red', 'orange', 'yellow', 'blue'] as const
/** UI-only: the query parameters of `/api/risk/alerts`. */
export interface AlertFilter {
  open?: boolean | null
  level?: string | null
  owner_org_id?: number | null
  /** `trade`, `channels` or `governance`: the module the alert's indicator measures. */
  source?: string | null
}
/** `/api/risk/forecasts`: every series' band for one month, and the series skipped. */
export type ForecastBands = Schemas['Bands']
/** One series' month against its forecast band. */
export type SeriesBand = Schemas['SeriesBand']
/** `/api/risk/forecasts/{series}`: history, the next 12 months' forecast and its accuracy. */
export type SeriesForecast = Schemas['SeriesForecast']
export type ForecastAccuracy = NonNullable<SeriesForecast['accuracy']>
/** The body of `POST /api/risk/drills`. */
export type DrillRequest = Schemas['DrillRequest']
/** A saved drill with its headline figures (`/api/risk/drills`). */
export type DrillSummary = Schemas['DrillSummary']
export type DrillList = Schemas['Items_DrillSummary']

/** One flow of the demand before and after a drill's closure. Hand-written, as `DrillResult`. */
export interface DrillFlow {
  /** `container export`, `container import`. */
  class: string
  /** Network node ids. */
  origin: string
  destination: string
  /** Per year, TEU. */
  amount: number
  base_cost: number
  base_hours: number
  /** None when no route is left. */
  drill_cost: number | null
  drill_hours: number | null
  /** Gateways (node ids) the cheapest route passes, before and after: the alternative. */
  base_via: string[]
  drill_via: string[]
}

/**
 * A drill's result: the `result` of its job (`/api/jobs/{id}`). Hand-written: the document
 * types a job's result as a bare object.
 */
export interface DrillResult {
  name: string | null
  close: string[]
  weeks: number
  year: number
  synthetic: boolean
  teu_affected: number
  teu_stranded: number
  value_affected_cny: number
  value_stranded_cny: number
  extra_cost_cny: number
  bulk_not_tested_cny: number
  by_enterprise: { uscc: string | null; name: string; cities: string[]; value_cny: number; stranded_cny: number }[]
  by_city: { key: string; value_cny: number }[]
  by_chapter: { key: string; value_cny: number }[]
  report: {
    closed: { kind: 'node' | 'link'; id: string; name: string }[]
    base_total_cost: number
    drill_total_cost: number
    unserved: number
    rerouted: number
    flows: DrillFlow[]
  }
  places: Record<string, { name: string; name_zh: string }>
}
export type AgendaItem = Schemas['AgendaItem']
export type Roundtable = Schemas['Roundtable']
export type RoundtableBody = Schemas['RoundtableBody']

// ---------------------------------------------------------------- notifications and uploads

export type Notification = Schemas['Notification']
export type Inbox = Schemas['Inbox']
export type Upload = Schemas['Upload']
export type UploadList = Schemas['Items_Upload']

// ---------------------------------------------------------------- foreign trade (外贸)

export type Flow = Schemas['Flow']
export type Kpi = Schemas['Kpi']
/** One row of a breakdown (a partner, chapter, city, enterprise, ...). */
export type TradeRow = Schemas['Row']
export type Period = Schemas['Period']
export type TradeFilter = Schemas['Filter']
/** `/api/trade/summary`: the month's and the year-to-date figures. */
export type SummaryOut = Schemas['SummaryOut']
/** `/api/trade/breakdown`: totals by a dimension, within a drill-down slice. */
export type BreakdownOut = Schemas['BreakdownOut']
/** `/api/trade/trend`: monthly figures. */
export type TrendOut = Schemas['TrendOut']
export type TrendPoint = Schemas['TrendPoint']
/** `/api/trade/dynamics`: entrants, exits and the largest enterprises, by flow. */
export type Dynamics = Schemas['Dynamics']
/** `/api/trade/concentration`: HHI and top-5 share by partner and by product. */
export type Concentration = Schemas['Concentration']
/** `/api/trade/rca`: revealed comparative advantage by HS chapter. */
export type Rca = Schemas['Rca']
/** `/api/trade/price-volume`: the change in value split into price and volume. */
export type PriceVolume = Schemas['PriceVolume']
export type SqlResult = Schemas['SqlResult']

// ---------------------------------------------------------------- open channels (开放通道)

export type ChannelPlace = Schemas['PlaceItem']
export type PlaceList = Schemas['PlaceList']
export type ChannelScenario = Schemas['ScenarioItem']
export type ScenarioList = Schemas['ScenarioList']

/**
 * A feature of the network GeoJSON (`/api/channels/network`): its properties are the columns
 * of the network files, as text. Hand-written: the document describes that answer as GeoJSON
 * without a schema.
 */
export interface NetworkFeature {
  type: 'Feature'
  geometry: { type: 'Point'; coordinates: [number, number] } | { type: 'LineString'; coordinates: [number, number][] }
  properties: Record<string, string>
}

/** Hand-written, as `NetworkFeature`. */
export interface NetworkCollection {
  type: 'FeatureCollection'
  features: NetworkFeature[]
}

export type RouteBody = Schemas['RouteBody']
/** The body of `/api/channels/compare`. */
export type CompareBody = Schemas['CompareBody']
export type RouteLeg = Schemas['LegView']

/**
 * A route's totals. Hand-written: the document types `RouteView.total` as a bare object and
 * names its fields only in the description.
 */
export interface RouteTotals {
  km: number
  hours: number
  cost_cny: number
  co2_kg: number
  generalized_cny: number
  wait_hours: number
  clearance_hours: number
}

/** A border crossing a route passes. Hand-written: the document types these as bare objects. */
export interface CrossingPassed {
  node: string
  name: string
  name_zh: string
  countries: [string, string]
  way: string
  clearance_hours: number
}

/** A planned route: the generated `RouteView` with the fields the document leaves untyped filled in. */
export type PlannedRoute = Omit<Schemas['RouteView'], 'total' | 'border_crossings'> & {
  total: RouteTotals
  border_crossings: CrossingPassed[]
}

/** `/api/channels/route`: the generated `RoutePlan` with its routes filled in as above. */
export type RouteAnswer = Omit<Schemas['RoutePlan'], 'routes'> & {
  routes: PlannedRoute[]
}

/** `/api/channels/compare`: the best route under two scenarios and their difference. */
export type ScenarioComparison = Schemas['RouteComparison']

// ---------------------------------------------------------------- freight studies (货运通道分析)

export type PlaceNames = Schemas['PlaceName']
export type LinkLoad = Schemas['LinkLoad']
export type NodeLoad = Schemas['NodeLoad']
export type Impact = Schemas['Impact']
/** A study's result: the findings of its kind with `kind`, `places` and `synthetic`. */
export type StudyResult = Schemas['StudyResult']
/** `/api/assign/base` and an `assignment` run: link and node loads. */
export type AssignmentReport = Extract<StudyResult, Schemas['Report']>
/** A `critical` run: the elements ranked by the harm their loss does. */
export type CriticalResult = Extract<StudyResult, Schemas['CriticalRanking']>

/**
 * A project of an appraisal. The generated `ProjectResult` lacks the evaluation figures the
 * server flattens into it (a `serde_json::Value` on the Rust side); they are added here.
 */
export type ProjectResult = Schemas['ProjectResult'] & {
  pv_benefits: number
  pv_capex: number
  npv: number
  bcr: number
}

/** An `appraisal` run: projects ranked by NPV and the best portfolio under the budget. */
export type AppraisalResult = Omit<Extract<StudyResult, Schemas['Appraisal']>, 'projects' | 'portfolio_together'> & {
  projects: ProjectResult[]
  portfolio_together?: ProjectResult | null
}

/** The body of `POST /api/assign/runs`. */
export type StudyRun = Schemas['StudyRequest']

// ---------------------------------------------------------------- development zones
// Development zones.

/** A JSON list of the zone routes (`Items<T>` on the Rust side). */
export interface Items<T> {
  items: T[]
}

export type ZoneLevel = Schemas['ZoneLevel']
export type ZoneRow = Schemas['ZoneRow']
export type FrameworkNode = Schemas['FrameworkNode']
export type FrameworkDoc = Schemas['FrameworkDoc']
export type ScoreColumn = Schemas['Column']
export type RankBand = Schemas['RankBand']
export type Quadrant = Schemas['Quadrant']
export type Placement = Schemas['Placement']
export type Standing = Schemas['Standing']
export type Suggestion = Schemas['Suggestion']
export type ZoneUnit = Schemas['UnitReport']
export type Typology = Schemas['Typology']
export type ZoneAssessment = Schemas['Assessment']
export type ZoneReport = Schemas['ZoneReport']
export type SobolIndex = Schemas['SobolIndex']
export type ZoneSensitivity = Schemas['SensitivityDoc']
export type ZoneDataFlag = Schemas['ValueJump']
export type ZoneDataCheck = Schemas['CheckReport']
/** UI-only: the states a submission goes through (the API sends them as strings). */
export type SubmissionState = 'draft' | 'submitted' | 'approved' | 'returned'
export const SUBMISSION_STATES: readonly SubmissionState[] = ['draft', 'submitted', 'approved', 'returned']
export type SubmissionItem = Schemas['SubmissionItem']
export type SubmissionRow = Schemas['SubmissionRow']
export type SubmissionEvent = Schemas['SubmissionEventRow']
export type Submission = Schemas['Submission']
export type ZoneFormRow = Schemas['FormRow']
export type ZoneForm = Schemas['ZoneForm']

/** UI-only: the query parameters of the assessment, report and sensitivity routes. */
export interface AssessParams {
  year?: number | null
  uncertainty?: number | null
  /** `open:40,quality:30`; absent for the framework's weights. */
  weights?: string | null
  samples?: number | null
}

/** A gap in the document (error details are untyped there): one problem of an uploaded
 * zone form, in the 422 answer's `details.problems`. */
export interface FormProblem {
  sheet: string
  row: number
  column: string
  field: string
  message: string
}

// ---------------------------------------------------------------- investment attraction (招商引资)

export type InvestStage = Schemas['Stage']
/** UI-only: the stages a project moves through, in order (a dropped project leaves them). */
export const INVEST_STAGES: readonly InvestStage[] = ['lead', 'negotiating', 'signed', 'registered', 'construction', 'funds_arrived', 'production']
/** A project as lists show it (`/api/invest/projects`). */
export type InvestProject = Schemas['ProjectItem']
export type InvestProjectList = Schemas['Items_ProjectItem']
/** One project with the day it reached each stage and its timeline. */
export type InvestProjectDetail = Schemas['ProjectDetail']
export type StageReached = Schemas['StageReached']
/** The negative-list answer a project was entered with. */
export type ProjectNegativeCheck = Schemas['NegativeCheck']
/** The body of `POST /api/invest/projects`. */
export type NewInvestProject = Schemas['ProjectRequest']
/** The body of `POST /api/invest/projects/{id}/steps`. */
export type ProjectStepBody = Schemas['ProjectStepRequest']
/** UI-only: the steps a project takes (`action` is a string in the API). */
export type ProjectAction = 'advance' | 'drop' | 'note' | 'problem' | 'to_task' | 'to_appeal'
export type InvestStats = Schemas['InvestStats']
export type InvestFigures = Schemas['Figures']
export type InvestGroup = Schemas['Group']
export type InvestConversion = Schemas['Conversion']
export type InvestStageTime = Schemas['StageTime']
export type IndustryEntry = Schemas['IndustryEntry']
export type IndustryList = Schemas['Items_IndustryEntry']
export type EditionSummary = Schemas['EditionSummary']
export type EditionList = Schemas['Items_EditionSummary']
export type NegativeListEdition = Schemas['NegativeListEdition']
export type NegativeListItem = Schemas['NegativeListItem']
export type NegativeListCheck = Schemas['NegativeListCheck']
export type NegativeListMatch = Schemas['NegativeListMatch']
export type Measure = Schemas['Measure']
export type Verdict = Schemas['Verdict']
export type ImportReport = Schemas['ImportReport']

/** UI-only: the query parameters of `/api/invest/projects` (the list and its Excel export). */
export interface ProjectFilter {
  stage?: string | null
  city?: number | null
  zone?: number | null
}

/** UI-only: the query parameters of `/api/invest/negative-list/check`. */
export interface NegativeCheckQuery {
  edition?: string | null
  industry?: string | null
  text?: string | null
}

/** A gap in the document (error details are untyped there): one problem of an imported
 * project sheet, in the 422 answer's `details.problems`. */
export interface SheetProblem {
  /** 1 is the header row; 0 for the workbook as a whole. */
  row: number
  /** The column's letter; empty for the workbook or a whole row. */
  column: string
  field: string
  message: string
}

// ---------------------------------------------------------------- the monthly bulletin (月度通报)

/** An issued bulletin: a row of `/api/bulletins` and the `result` of the job that issued it. */
export type Bulletin = Schemas['Bulletin']
export type BulletinList = Schemas['Items_Bulletin']
export type BulletinRequest = Schemas['BulletinRequest']
/** UI-only: the languages and formats a bulletin is issued in (plain strings in the API). */
export type BulletinLang = 'zh' | 'en'
export type BulletinFormat = 'docx' | 'pdf'
