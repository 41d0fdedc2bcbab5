import { createI18n } from 'vue-i18n'
import zh, { type Messages } from './zh'
import en from './en'

export type Lang = 'zh' | 'en'
export const LANG_KEY = 'kaifang.lang'

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(LANG_KEY)
    if (saved === 'zh' || saved === 'en') return saved
  } catch {
    // storage may be unavailable (privacy mode); fall back to the browser language
  }
  return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

export const i18n = createI18n<[Messages], Lang, false>({
  legacy: false,
  locale: initialLang(),
  fallbackLocale: 'en',
  messages: { zh, en },
  missingWarn: false,
  fallbackWarn: false,
})

function applyHtmlLang(lang: Lang): void {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'
}
applyHtmlLang(i18n.global.locale.value)

export function currentLang(): Lang {
  return i18n.global.locale.value
}

export function setLang(lang: Lang): void {
  i18n.global.locale.value = lang
  applyHtmlLang(lang)
  try {
    localStorage.setItem(LANG_KEY, lang)
  } catch {
    // not persisted; the choice still holds for this page
  }
}
