import type { Light } from '@/types'

/** Traffic-light colours of the charts (strong, for bars). */
export const LIGHT_COLOURS: Record<Light, string> = {
  green: '#2e9e56',
  yellow: '#f0a431',
  red: '#d9432f',
  grey: '#a3abb8',
}
