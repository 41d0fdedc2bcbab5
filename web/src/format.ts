// Display helpers shared by the pages: translated labels, names, times, errors.
import { useI18n } from 'vue-i18n'
import { ApiError } from './api'

interface Named {
  name_zh: string
  name_en: string
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** `2026-11-30 09:05:03` in the browser's time zone; the input as is when it is not a date. */
export function formatTime(value: string | null | undefined): string {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  )
}

const CHINA_TIME = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** `2026-11-30 17:05` on the China clock (the server's calendar), whatever the browser's zone. */
export function formatChinaTime(value: string | null | undefined): string {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  const parts = Object.fromEntries(CHINA_TIME.formatToParts(d).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`
}

/** One-line JSON for tables; empty for null. */
/** Text made safe to put into HTML: chart tooltips are HTML, and names come from data. */
export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
}

/** A chart tooltip of several lines, each escaped. */
export function tipLines(...lines: unknown[]): string {
  return lines.map(escapeHtml).join('<br/>')
}

export function compactJson(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}

export function useFormat() {
  const { t, te, locale } = useI18n()

  const label = (group: string, value: string | null | undefined, fallback = '') => {
    if (value === null || value === undefined || value === '') return fallback
    const key = `${group}.${value}`
    return te(key) ? t(key) : value
  }

  return {
    t,
    locale,
    isZh: () => locale.value === 'zh',
    role: (v: string | null | undefined) => label('roles', v),
    kind: (v: string | null | undefined) => label('kinds', v),
    zoneType: (v: string | null | undefined) => label('zoneTypes', v, t('zoneTypes.none')),
    jobStatus: (v: string | null | undefined) => label('jobStatus', v),
    jobKind: (v: string | null | undefined) => label('jobKinds', v),
    source: (v: string | null | undefined) => label('orgs.sources', v),
    taskState: (v: string | null | undefined) => label('tasks.states', v),
    light: (v: string | null | undefined) => label('tasks.lights', v),
    appealState: (v: string | null | undefined) => label('appeals.states', v),
    taskEvent: (v: string | null | undefined) => label('tasks.events', v),
    appealEvent: (v: string | null | undefined) => label('appeals.events', v),
    alertState: (v: string | null | undefined) => label('risk.alerts.states', v),
    alertEvent: (v: string | null | undefined) => label('risk.alerts.events', v),
    riskLevel: (v: string | null | undefined) => label('risk.levels', v),
    projectStage: (v: string | null | undefined) => label('invest.stages', v),
    projectEvent: (v: string | null | undefined) => label('invest.events', v),
    /** An organisation's name in the interface language (the other one when that one is empty). */
    orgName: (o: Named | null | undefined) => {
      if (!o) return ''
      return locale.value === 'zh' ? o.name_zh || o.name_en : o.name_en || o.name_zh
    },
    /** A list of names: 、 in Chinese, commas in English. */
    join: (items: string[]) => items.join(locale.value === 'zh' ? '、' : ', '),
    /** A shorter name for chart axes: English names lose the province and state prefixes. */
    shortOrgName: (o: Named | null | undefined) => {
      if (!o) return ''
      if (locale.value === 'zh') return o.name_zh || o.name_en
      return (o.name_en || o.name_zh)
        .replace(/^Jilin Provincial /, '')
        .replace(/ of the People's Republic of China$/, '')
        .replace(/^Department of /, 'Dept. of ')
    },
    otherName: (o: Named | null | undefined) => {
      if (!o) return ''
      return locale.value === 'zh' ? o.name_en : o.name_zh
    },
    number: (n: number) => n.toLocaleString(locale.value === 'zh' ? 'zh-CN' : 'en-GB'),
    /** A message for an error, translated where the status says enough by itself. */
    error: (e: unknown) => {
      if (e instanceof ApiError) {
        if (e.status === 0) return t('errors.network')
        if (e.status === 401) return t('errors.sessionExpired')
        if (e.status === 403) return e.code === 'csrf_failed' ? t('errors.csrf') : t('errors.forbidden')
        if (e.status === 404) return t('errors.notFound')
        if (e.status >= 500) return t('errors.generic', { code: e.code })
        return e.message || t('errors.generic', { code: e.code })
      }
      return e instanceof Error ? e.message : String(e)
    },
  }
}
