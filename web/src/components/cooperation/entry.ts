// How a port's status, as the channels network records it (`open`, `closed`, `planned:…`,
// `seasonal:5-10`), is shown: a tag type, a colour for the map, and the words.
export type PortState = 'open' | 'seasonal' | 'planned' | 'closed' | 'other'

export function portState(status: string): PortState {
  const head = status.split(':')[0]
  return head === 'open' || head === 'seasonal' || head === 'planned' || head === 'closed' ? head : 'other'
}

/** Open green, seasonal amber, closed red, as a reader expects of a crossing. */
export const PORT_TAGS: Record<PortState, 'success' | 'warning' | 'danger' | 'info' | 'primary'> = {
  open: 'success',
  seasonal: 'warning',
  planned: 'primary',
  closed: 'danger',
  other: 'info',
}

export const PORT_COLOURS: Record<PortState, string> = {
  open: '#3f9c35',
  seasonal: '#e6a23c',
  planned: '#409eff',
  closed: '#d63031',
  other: '#8792a2',
}

/** What follows the colon: the months of a seasonal port (`5-10`), the note of a planned one. */
export const portDetail = (status: string): string => status.split(':').slice(1).join(':').trim()

/**
 * A policy's day as `YYYY-MM-DD`. The document declares a string, but the server currently
 * writes these days as `[year, day of the year]` (the date library's compact form), so both
 * are read; anything else is shown as it came.
 */
export function day(v: unknown): string {
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n))) {
    const d = new Date(Date.UTC(v[0] as number, 0, v[1] as number))
    return d.toISOString().slice(0, 10)
  }
  return String(v ?? '')
}
