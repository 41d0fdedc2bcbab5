import { onBeforeUnmount, ref, type Ref } from 'vue'

/** True on wall displays (1800 px wide and more), where text and charts are drawn larger. */
export function useWideScreen(query = '(min-width: 1800px)'): Ref<boolean> {
  const mql = window.matchMedia(query)
  const wide = ref(mql.matches)
  const update = (e: MediaQueryListEvent) => {
    wide.value = e.matches
  }
  mql.addEventListener('change', update)
  onBeforeUnmount(() => mql.removeEventListener('change', update))
  return wide
}
