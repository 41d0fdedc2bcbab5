import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { i18n } from './i18n'
import { hasRole, session, startSession } from './session'
import type { Role } from './types'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean
    /** Roles allowed; any signed-in user when absent. */
    roles?: readonly Role[]
    /** i18n key of the page title. */
    title?: string
  }
}

/** Everyone in government; enterprises see only their own appeals. */
const GOVERNMENT: readonly Role[] = ['admin', 'leader', 'department', 'local']
/** The provincial level: those who read the whole province. */
const PROVINCIAL: readonly Role[] = ['admin', 'leader', 'department']

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    {
      path: '/login',
      name: 'login',
      component: () => import('./pages/LoginPage.vue'),
      meta: { public: true, title: 'login.title' },
    },
    {
      path: '/',
      component: () => import('./layouts/AppShell.vue'),
      children: [
        {
          path: '',
          name: 'overview',
          component: () => import('./pages/OverviewPage.vue'),
          meta: { title: 'overview.title' },
        },
        {
          path: 'bulletins',
          name: 'bulletins',
          component: () => import('./pages/BulletinsPage.vue'),
          meta: { title: 'bulletin.title', roles: PROVINCIAL },
        },
        {
          path: 'organisations',
          name: 'organisations',
          component: () => import('./pages/OrganisationsPage.vue'),
          meta: { title: 'orgs.title' },
        },
        {
          path: 'users',
          name: 'users',
          component: () => import('./pages/UsersPage.vue'),
          meta: { title: 'users.title', roles: ['admin'] },
        },
        {
          path: 'audit',
          name: 'audit',
          component: () => import('./pages/AuditPage.vue'),
          meta: { title: 'audit.title', roles: ['admin', 'leader'] },
        },
        {
          path: 'tasks',
          name: 'tasks',
          component: () => import('./pages/TasksPage.vue'),
          meta: { title: 'tasks.title', roles: GOVERNMENT },
        },
        {
          path: 'tasks/summary',
          name: 'task-summary',
          component: () => import('./pages/TaskSummaryPage.vue'),
          meta: { title: 'summary.title', roles: GOVERNMENT },
        },
        {
          path: 'tasks/:id(\\d+)',
          name: 'task',
          component: () => import('./pages/TaskDetailPage.vue'),
          props: (route) => ({ id: Number(route.params.id) }),
          meta: { title: 'tasks.title', roles: GOVERNMENT },
        },
        {
          path: 'appeals',
          name: 'appeals',
          component: () => import('./pages/AppealsPage.vue'),
          meta: { title: 'appeals.title' },
        },
        {
          path: 'appeals/stats',
          name: 'appeal-stats',
          component: () => import('./pages/AppealStatsPage.vue'),
          meta: { title: 'appealStats.title', roles: GOVERNMENT },
        },
        {
          path: 'appeals/:id(\\d+)',
          name: 'appeal',
          component: () => import('./pages/AppealDetailPage.vue'),
          props: (route) => ({ id: Number(route.params.id) }),
          meta: { title: 'appeals.title' },
        },
        {
          path: 'roundtables',
          name: 'roundtables',
          component: () => import('./pages/RoundtablesPage.vue'),
          meta: { title: 'roundtables.title', roles: GOVERNMENT },
        },
        {
          path: 'channels',
          name: 'channels',
          component: () => import('./pages/ChannelsPage.vue'),
          meta: { title: 'channels.title' },
        },
        {
          path: 'freight',
          name: 'freight',
          component: () => import('./pages/FreightPage.vue'),
          meta: { title: 'freight.title', roles: GOVERNMENT },
        },
        {
          path: 'zones',
          name: 'zones',
          component: () => import('./pages/ZonesPage.vue'),
          meta: { title: 'zones.title', roles: GOVERNMENT },
        },
        {
          path: 'zones/data',
          name: 'zone-data',
          component: () => import('./pages/ZoneDataPage.vue'),
          meta: { title: 'zoneData.title', roles: GOVERNMENT },
        },
        {
          path: 'zones/:code/report',
          name: 'zone-report',
          component: () => import('./pages/ZoneReportPage.vue'),
          props: (route) => ({ code: String(route.params.code) }),
          meta: { title: 'zones.report.title', roles: GOVERNMENT },
        },
        {
          path: 'trade',
          name: 'trade',
          component: () => import('./pages/TradePage.vue'),
          meta: { title: 'trade.title', roles: GOVERNMENT },
        },
        {
          path: 'risk',
          name: 'risk',
          component: () => import('./pages/RiskPage.vue'),
          meta: { title: 'risk.title', roles: GOVERNMENT },
        },
        {
          // Where an alert's notification leads: the alert board with that alert's drawer open.
          path: 'risk/alerts/:id(\\d+)',
          redirect: (to) => ({ name: 'risk', query: { tab: 'alerts', alert: String(to.params.id) } }),
        },
        {
          path: 'invest',
          name: 'invest',
          component: () => import('./pages/InvestPage.vue'),
          meta: { title: 'invest.title', roles: GOVERNMENT },
        },
        {
          // The link notifications of a project carry: its drawer on the project list.
          path: 'invest/projects/:id(\\d+)',
          name: 'invest-project',
          redirect: (to) => ({ name: 'invest', query: { tab: 'projects', project: String(to.params.id) } }),
        },
        {
          path: 'cooperation',
          name: 'cooperation',
          component: () => import('./pages/CooperationPage.vue'),
          meta: { title: 'coop.title', roles: GOVERNMENT },
        },
        {
          path: 'jobs',
          name: 'jobs',
          component: () => import('./pages/JobsPage.vue'),
          meta: { title: 'jobs.title' },
        },
        {
          path: ':pathMatch(.*)*',
          name: 'not-found',
          component: () => import('./pages/NotFoundPage.vue'),
          meta: { title: 'notFound.title' },
        },
      ],
    },
  ],
})

/** Only same-site paths are accepted as a place to return to after signing in. */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/login')
    ? value
    : '/'
}

router.beforeEach(async (to) => {
  await startSession()
  if (to.meta.public) {
    if (to.name === 'login' && session.user) return safeRedirect(to.query.redirect)
    return true
  }
  if (!session.user) {
    return to.fullPath === '/' ? { name: 'login' } : { name: 'login', query: { redirect: to.fullPath } }
  }
  if (to.meta.roles && !hasRole(...to.meta.roles)) return { name: 'overview' }
  return true
})

export function updateDocumentTitle(route: RouteLocationNormalized = router.currentRoute.value): void {
  const { t } = i18n.global
  const app = t('app.name')
  const key = route.meta.title
  document.title = key ? `${t(key as 'app.name')} · ${app}` : app
}

router.afterEach((to) => updateDocumentTitle(to))
