// What the investment boards share: the stages' order and colours, amounts in the units
// departments report them in, the China calendar day, and the lists that rarely change
// (industries, negative-list editions), fetched once per page load.
import { ref } from 'vue'
import { api } from '@/api'
import { INVEST_STAGES, type EditionSummary, type IndustryEntry, type InvestStage, type NegativeListEdition, type Org } from '@/types'

export const STAGE_COLOURS: Record<InvestStage, string> = {
  lead: '#a3abb8',
  negotiating: '#3aa3d9',
  signed: '#2f6fde',
  registered: '#7c5cd6',
  construction: '#f0a431',
  funds_arrived: '#17a58f',
  production: '#2e9e56',
  dropped: '#d9432f',
}

export const isStage = (s: string): s is InvestStage => s in STAGE_COLOURS

export const stageColour = (s: string): string => (isStage(s) ? STAGE_COLOURS[s] : '#a3abb8')

/** The style of a solid stage tag. */
export const stageTagStyle = (s: string) => ({ background: stageColour(s), borderColor: stageColour(s), color: '#fff' })

/** A stage's place among the forward stages; -1 for a dropped project. */
export const stageRank = (s: string): number => (INVEST_STAGES as readonly string[]).indexOf(s)

/** The stage after `s`, or null at the end or for a dropped project. */
export function nextStage(s: string): InvestStage | null {
  const r = stageRank(s)
  return r < 0 ? null : (INVEST_STAGES[r + 1] ?? null)
}

/** Whether moving from `from` to `to` passes the arrival of funds (the amount is then needed). */
export const reachesFunds = (from: string, to: string): boolean =>
  stageRank(from) < stageRank('funds_arrived') && stageRank(to) >= stageRank('funds_arrived')

export const VERDICT_TYPES: Record<string, 'danger' | 'warning' | 'success'> = {
  prohibited: 'danger',
  restricted: 'warning',
  not_listed: 'success',
}

/** Today on the China clock (the server's calendar) as `YYYY-MM-DD`, whatever the browser's zone. */
export function chinaToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}

/** A date picker's day as `YYYY-MM-DD` (the picker hands local midnights). */
export function dayOf(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/**
 * Figures in 万元 shown in the unit a reader expects: 亿元 in Chinese, millions of yuan in
 * English (1 万 = 10 000, so 100 万 make a million).
 */
export function moneyScale(zh: boolean): number {
  return zh ? 10_000 : 100
}

export function money(wan: number, zh: boolean, digits = 2): string {
  const v = wan / moneyScale(zh)
  return v.toLocaleString(zh ? 'zh-CN' : 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** A project's amount in its own currency: `17,143 万美元`, `USD 171.43 m`. */
export function projectAmount(wan: number | null | undefined, currency: string, zh: boolean): string {
  if (wan === null || wan === undefined) return '—'
  const usd = currency.toUpperCase() === 'USD'
  if (zh) return `${wan.toLocaleString('zh-CN', { maximumFractionDigits: 2 })} ${usd ? '万美元' : '万元'}`
  return `${usd ? 'USD' : 'CNY'} ${(wan / 100).toLocaleString('en-GB', { maximumFractionDigits: 2 })} m`
}

/** A year-on-year change: `+12.3%`; a dash when the year before had nothing to compare. */
export function yoyText(v: number | null | undefined, zh: boolean): string {
  if (v === null || v === undefined) return '—'
  const s = v.toLocaleString(zh ? 'zh-CN' : 'en-GB', { maximumFractionDigits: 1, signDisplay: 'exceptZero' })
  return `${s}%`
}

/** A city's name without its government's title: `长春市`, `Changchun`. */
export function placeName(zhName: string, enName: string, zh: boolean): string {
  return zh ? zhName.replace(/人民政府$/, '') : enName.replace(/ (Municipal )?People's Government$/, '')
}

const regionNames: Partial<Record<'zh' | 'en', Intl.DisplayNames>> = {}

/** A country's or region's name from its ISO code, in the interface language. */
export function countryName(code: string, zh: boolean): string {
  const lang = zh ? 'zh' : 'en'
  try {
    regionNames[lang] ??= new Intl.DisplayNames([zh ? 'zh-CN' : 'en-GB'], { type: 'region' })
    return regionNames[lang].of(code) ?? code
  } catch {
    return code
  }
}

/** Whether zone `zone` lies in city `city` by region code (a prefix once the zeros are dropped). */
export function zoneInCity(zone: Org, city: Org): boolean {
  if (!zone.region_code || !city.region_code) return true
  const prefix = city.region_code.replace(/(00)+$/, '')
  return zone.region_code.startsWith(prefix)
}

const industries = ref<IndustryEntry[]>([])
let industriesLoading: Promise<void> | null = null

/** Fetches GB/T 4754-2017's sections and divisions (and the groups and classes the list names). */
export function loadIndustries(): Promise<void> {
  industriesLoading ??= api
    .investIndustries()
    .then((r) => {
      industries.value = r.items
    })
    .catch((e) => {
      industriesLoading = null
      throw e
    })
  return industriesLoading
}

export const useIndustries = () => industries

/** The section letter a code belongs to, if the table knows it or its division. */
export function sectionOf(code: string, list: IndustryEntry[]): string | null {
  if (/^[A-T]$/.test(code)) return code
  const hit = list.find((e) => e.code === code) ?? list.find((e) => e.code === code.slice(0, 2))
  return hit?.section ?? null
}

/** Whether a project's industry lies within the chosen code (a section letter or a digit prefix). */
export function industryWithin(code: string, chosen: string, list: IndustryEntry[]): boolean {
  if (/^[A-T]$/.test(chosen)) return sectionOf(code, list) === chosen
  return code.startsWith(chosen)
}

const editions = ref<EditionSummary[]>([])
let editionsLoading: Promise<void> | null = null
const editionItems = new Map<string, Promise<NegativeListEdition>>()

/** Fetches the editions of the negative list, the one in force first. */
export function loadEditions(): Promise<void> {
  editionsLoading ??= api
    .investEditions()
    .then((r) => {
      editions.value = r.items
    })
    .catch((e) => {
      editionsLoading = null
      throw e
    })
  return editionsLoading
}

export const useEditions = () => editions

/** One edition with its items; asked for once. */
export function loadEdition(id: string): Promise<NegativeListEdition> {
  let p = editionItems.get(id)
  if (!p) {
    p = api.investEdition(id)
    p.catch(() => editionItems.delete(id))
    editionItems.set(id, p)
  }
  return p
}
