// The names behind the codes the cockpit sends: risk indicators (with their unit) and
// organisations. Fetched once per page load, when a card needs them; until then, or when the
// fetch fails, the code is shown as it is.
import { ref } from 'vue'
import { api } from '@/api'
import { loadOrgs, useLookups } from '@/composables/useLookups'
import type { RiskIndicator } from '@/types'

const indicators = ref<Map<string, RiskIndicator>>(new Map())
let indicatorsLoading: Promise<void> | null = null

/** Loads the risk indicators' registry (only for those who may read the risk watch). */
export function loadIndicators(): Promise<void> {
  indicatorsLoading ??= api
    .riskIndicators()
    .then((r) => {
      indicators.value = new Map(r.indicators.map((i) => [i.id, i]))
    })
    .catch(() => {
      indicatorsLoading = null
    })
  return indicatorsLoading
}

/** Loads the organisations, for the lead organisations' codes. */
export function loadOrgNames(): Promise<void> {
  return loadOrgs().catch(() => {})
}

export interface Names {
  /** An indicator's name in the reader's language and its unit; none when unknown. */
  indicator: (id: string) => { name: string; unit: string } | null
  /** An organisation's name by its code; the code itself when unknown. */
  org: (code: string) => string
}

export function useNames(zh: () => boolean): Names {
  const { orgs } = useLookups()
  return {
    indicator: (id) => {
      const i = indicators.value.get(id)
      if (!i) return null
      return { name: zh() ? i.name_zh || i.name_en : i.name_en || i.name_zh, unit: i.unit }
    },
    org: (code) => {
      const o = orgs.value.find((x) => x.code === code)
      if (!o) return code
      return shortName(zh() ? o.name_zh || o.name_en : o.name_en || o.name_zh, zh())
    },
  }
}

/** An organisation's name without the province's or the state's prefix, for narrow places. */
export function shortName(name: string, zh: boolean): string {
  if (zh) return name.replace(/^吉林省(?!人民政府)/, '').replace(/^中华人民共和国/, '')
  return name
    .replace(/^Jilin Provincial /, '')
    .replace(/ of the People's Republic of China$/, '')
    .replace(/^Department of /, 'Dept. of ')
}
