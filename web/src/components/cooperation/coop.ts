// Vocabulary and small helpers of the cooperation page, shared by its boards.
import { useI18n } from 'vue-i18n'
import { ApiError } from '@/api'
import { ISO_NUMERIC } from '@/charts/iso'
import { useFormat } from '@/format'
import { hasRole, session } from '@/session'

/** UI-only: the kinds of partner in the order the legend and filters list them (a string in the API). */
export const PARTNER_KINDS = [
  'liaison_office',
  'chamber',
  'organisation',
  'friendly_province',
  'friendly_city',
  'counterpart',
  'regional',
  'exchange_platform',
] as const
export const PARTNER_STATUSES = ['planned', 'active', 'suspended', 'ended'] as const
export const EXCHANGE_KINDS = ['economic', 'technology', 'education', 'culture', 'tourism', 'fair'] as const
export const DIRECTIONS = ['inbound', 'outbound', 'hosted'] as const

/** Distinct hues per kind, told apart on the map and in the table. */
export const KIND_COLOURS: Readonly<Record<string, string>> = {
  liaison_office: '#c23a2b',
  chamber: '#e6862a',
  organisation: '#8a6d3b',
  friendly_province: '#2f6fde',
  friendly_city: '#3aa3d9',
  counterpart: '#17a58f',
  regional: '#7c5cd6',
  exchange_platform: '#d4418e',
}
export const kindColour = (kind: string): string => KIND_COLOURS[kind] ?? '#8792a2'

export const STATUS_TAGS: Readonly<Record<string, 'success' | 'info' | 'warning' | 'danger' | 'primary'>> = {
  planned: 'primary',
  active: 'success',
  suspended: 'warning',
  ended: 'info',
}

/** Where the lines of the network start: Changchun, the provincial capital. */
export const CHANGCHUN: [number, number] = [125.32, 43.82]

/** Countries a user may pick, beyond those already in the registry. */
export const KNOWN_COUNTRIES: readonly string[] = Object.keys(ISO_NUMERIC)

const regionNames: Partial<Record<'zh' | 'en', Intl.DisplayNames>> = {}

/** A country's name from its ISO code, in the interface language; the code when unknown. */
export function countryName(code: string, zh: boolean): string {
  const lang = zh ? 'zh' : 'en'
  try {
    regionNames[lang] ??= new Intl.DisplayNames([zh ? 'zh-CN' : 'en-GB'], { type: 'region' })
    return regionNames[lang].of(code) ?? code
  } catch {
    return code
  }
}

/** The day in China (the server's calendar), `YYYY-MM-DD`. */
export function chinaToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}

/** Keeps the cooperation registry and imports arrivals: administrators and the owner of the investment module (Commerce). */
export function canKeepRegistry(): boolean {
  const u = session.user
  if (!u) return false
  return u.role === 'admin' || (u.role === 'department' && u.org.modules.includes('invest'))
}

/** Records exchanges: administrators, and departments and cities for those they lead. */
export const canRecordExchanges = (): boolean => hasRole('admin', 'department', 'local')

/** The display helpers of the page, with the cooperation vocabulary and errors that keep the server's reason. */
export function useCoopFormat() {
  const f = useFormat()
  const { t } = f
  const { te } = useI18n()
  const label = (group: string, v: string | null | undefined) => {
    if (!v) return ''
    const key = `coop.${group}.${v}`
    return te(key) ? t(key) : v
  }
  const num = (n: number | null | undefined, digits = 0) =>
    n === null || n === undefined || !Number.isFinite(n)
      ? t('common.none')
      : n.toLocaleString(f.isZh() ? 'zh-CN' : 'en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits })
  return {
    ...f,
    num,
    partnerKind: (v: string) => label('kinds', v),
    partnerStatus: (v: string) => label('statuses', v),
    exchangeKind: (v: string) => label('exchangeKinds', v),
    direction: (v: string) => label('directions', v),
    stage: (v: string) => label('stages', v),
    visaKind: (v: string) => label('entry.visaKinds', v),
    mode: (v: string) => label('entry.modes', v),
    /** A country by code: 国内 for China, `ZZ` as the other markets. */
    country: (code: string | null | undefined) => {
      if (!code) return t('common.none')
      if (code === 'CN') return t('coop.domestic')
      if (code === 'ZZ') return t('coop.otherMarkets')
      return countryName(code, f.isZh())
    },
    partnerName: (p: { name_zh: string; name_en: string }) => (f.isZh() ? p.name_zh || p.name_en : p.name_en || p.name_zh),
    /** A project amount kept in ten thousands of its currency: 万元 in Chinese, millions in English. */
    amount: (amount: number, currency: string) => {
      const unit = currency === 'USD' ? 'USD' : 'CNY'
      return f.isZh() ? t(`coop.amount.${unit}`, { n: num(amount, 0) }) : t(`coop.amount.${unit}`, { n: num(amount / 100, 1) })
    },
    /** Dates of an exchange: one day, or first to last. */
    dates: (from: string, to: string) => (from === to ? from : `${from} – ${to}`),
    /** The message for an error; a refusal keeps the server's reason. */
    error: (e: unknown) => {
      if (e instanceof ApiError && e.status === 403 && e.code !== 'csrf_failed') return t('coop.forbidden', { message: e.message })
      return f.error(e)
    },
  }
}
