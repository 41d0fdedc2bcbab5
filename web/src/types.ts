// Shapes of the JSON documents exchanged with the Kaifang API.

export type Role = 'admin' | 'leader' | 'department' | 'local' | 'enterprise'
export const ROLES: readonly Role[] = ['admin', 'leader', 'department', 'local', 'enterprise']

export type OrgKind = 'department' | 'city' | 'zone' | 'enterprise'
export const ORG_KINDS: readonly OrgKind[] = ['department', 'city', 'zone', 'enterprise']

export type ZoneType = 'etdz' | 'hitech' | 'bonded' | 'border' | 'newarea' | 'pilot'
export const ZONE_TYPES: readonly ZoneType[] = ['etdz', 'hitech', 'bonded', 'border', 'newarea', 'pilot']

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface Meta {
  name: string
  version: string
  demo: boolean
}

export interface Org {
  id: number
  code: string
  kind: OrgKind
  name_zh: string
  name_en: string
  region_code: string | null
  zone_type: ZoneType | null
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
