// Lists that many pages need and that rarely change: fetched once per page load.
import { computed, ref } from 'vue'
import { api } from '@/api'
import { useFormat } from '@/format'
import type { AppealCategory, Org } from '@/types'

const orgs = ref<Org[]>([])
const categories = ref<AppealCategory[]>([])
let orgsLoading: Promise<void> | null = null
let categoriesLoading: Promise<void> | null = null

/** Forgets the lists (another user may see other organisations). */
export function resetLookups(): void {
  orgs.value = []
  orgsLoading = null
}

export function loadOrgs(): Promise<void> {
  orgsLoading ??= api
    .orgs()
    .then((r) => {
      orgs.value = r.items
    })
    .catch((e) => {
      orgsLoading = null
      throw e
    })
  return orgsLoading
}

export function loadCategories(): Promise<void> {
  categoriesLoading ??= api
    .appealCategories()
    .then((r) => {
      categories.value = r
    })
    .catch((e) => {
      categoriesLoading = null
      throw e
    })
  return categoriesLoading
}

export function useLookups() {
  const f = useFormat()
  /** Organisations that can lead tasks or handle appeals (not enterprises), departments first. */
  const governmentOrgs = computed(() => {
    const rank: Record<string, number> = { department: 0, city: 1, zone: 2 }
    return orgs.value
      .filter((o) => o.kind !== 'enterprise')
      .sort((a, b) => (rank[a.kind] ?? 9) - (rank[b.kind] ?? 9) || a.code.localeCompare(b.code))
  })
  const categoryName = (key: string | null | undefined) => {
    if (!key) return ''
    const c = categories.value.find((x) => x.key === key)
    return c ? f.orgName(c) : key
  }
  return { orgs, categories, governmentOrgs, categoryName }
}
