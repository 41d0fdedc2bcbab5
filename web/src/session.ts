// The signed-in user, the CSRF token (kept in memory only) and the server's meta.
import { reactive, readonly } from 'vue'
import { ApiError, api, setCsrfToken } from './api'
import { resetLookups } from './composables/useLookups'
import type { Me, Meta, Module, Role } from './types'

interface SessionState {
  meta: Meta | null
  user: Me | null
  ready: boolean
}

const state = reactive<SessionState>({ meta: null, user: null, ready: false })

export const session = readonly(state)

let starting: Promise<void> | null = null

/** Restores the session (cookie) and reads the server's meta; runs once at start. */
export function startSession(): Promise<void> {
  starting ??= (async () => {
    const [meta, me] = await Promise.allSettled([api.meta(), api.me()])
    state.meta = meta.status === 'fulfilled' ? meta.value : null
    if (me.status === 'fulfilled') {
      state.user = me.value.user
      setCsrfToken(me.value.csrf_token ?? null)
    } else {
      state.user = null
      setCsrfToken(null)
    }
    state.ready = true
  })()
  return starting
}

export async function login(username: string, password: string): Promise<void> {
  const info = await api.login(username, password)
  resetLookups()
  state.user = info.user
  setCsrfToken(info.csrf_token ?? null)
}

export async function logout(): Promise<void> {
  try {
    await api.logout()
  } catch (e) {
    // The session is dropped locally whatever the server answered.
    if (!(e instanceof ApiError)) throw e
  } finally {
    forget()
  }
}

/** Drops the local session, e.g. after the server answered 401. */
export function forget(): void {
  state.user = null
  resetLookups()
  setCsrfToken(null)
}

export function hasRole(...roles: readonly Role[]): boolean {
  return state.user !== null && roles.includes(state.user.role)
}

export const isDemo = (): boolean => state.meta?.demo === true

function ownsModule(module: Module): boolean {
  const u = state.user
  return u !== null && u.role === 'department' && u.org.modules.includes(module)
}

/** Issues tasks, closes and returns them, decides extensions: admins and the supervision office. */
export const canSuperviseTasks = (): boolean => hasRole('admin') || ownsModule('directives')

/** Accepts, rejects and assigns appeals and runs the roundtable: admins and the intake department. */
export const canIntakeAppeals = (): boolean => hasRole('admin') || ownsModule('appeals')

/** Approves or returns zones' yearly data: admins and the owner of the assessment (`platforms`). */
export const canReviewZoneData = (): boolean => hasRole('admin') || ownsModule('platforms')

/** Staff of an organisation that can lead tasks or answer appeals. */
export const isOrgStaff = (): boolean => hasRole('department', 'local')

/** The caller's organisation id, or null when signed out. */
export const myOrgId = (): number | null => state.user?.org.id ?? null

/**
 * Moves a project of this city, zone and lead organisation through its stages and logs its
 * problems (as the server decides): administrators; the investment department, and any
 * department, city or zone for the projects that are its own. Leaders read only.
 */
export function canEditProject(city: number, zone: number | null | undefined, lead: number): boolean {
  const u = state.user
  if (!u) return false
  if (u.role === 'admin') return true
  const own = [city, zone, lead].includes(u.org.id)
  if (u.role === 'department') return own || ownsModule('invest')
  return u.role === 'local' && own
}
