// The colours of the national four-level warning scheme (蓝、黄、橙、红), shared by the risk
// watch's boards.
import type { RiskIndicator, RiskLevel } from '@/types'

export const LEVEL_COLOURS: Record<RiskLevel, string> = {
  normal: '#67c23a',
  blue: '#2f6fd6',
  yellow: '#d4a000',
  orange: '#e67e22',
  red: '#d63031',
}

const LEVELS = Object.keys(LEVEL_COLOURS) as RiskLevel[]

/** Whether a level sent by the API as a string is one the UI knows. */
export const isLevel = (s: string): s is RiskLevel => (LEVELS as string[]).includes(s)

/** A level's colour; grey for one the UI does not know. */
export const levelColour = (s: string): string => (isLevel(s) ? LEVEL_COLOURS[s] : '#a3abb8')

/** The style of a solid level tag. */
export const levelTagStyle = (s: string) => ({ background: levelColour(s), borderColor: levelColour(s) })

/** A value with its indicator's unit, as the boards show it. */
export function formatValue(value: number, unit: string, zh: boolean): string {
  const digits = unit === 'HHI' ? 0 : Math.abs(value) < 100 ? 1 : 0
  const n = value.toLocaleString(zh ? 'zh-CN' : 'en-GB', { maximumFractionDigits: digits })
  if (!unit) return n
  return unit === '%' ? `${n}%` : `${n} ${unit}`
}

/** Whether the indicator's risky side is at or below its thresholds (growth, satisfaction). */
export const risksBelow = (i: RiskIndicator | undefined): boolean => i?.direction === 'below'

/**
 * The level an indicator gives a value: the most serious threshold reached from its risky
 * side (`normal` when none is). The thresholds come from the registry, mildest first.
 */
export function levelOf(i: RiskIndicator | undefined, value: number): RiskLevel {
  if (!i || !Number.isFinite(value)) return 'normal'
  let level: RiskLevel = 'normal'
  for (const t of i.thresholds) {
    if (risksBelow(i) ? value <= t.at : value >= t.at) level = t.level
  }
  return level
}
