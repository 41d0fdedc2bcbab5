import { createApp } from 'vue'
import 'element-plus/dist/index.css'
import './styles.css'
import App from './App.vue'
import { setUnauthorizedHandler } from './api'
import { i18n } from './i18n'
import { router } from './router'
import { forget, session } from './session'

// A request answered 401 while signed in: the session ended on the server.
setUnauthorizedHandler(() => {
  if (!session.user) return
  forget()
  const current = router.currentRoute.value
  if (!current.meta.public) {
    void router.replace({ name: 'login', query: { redirect: current.fullPath, expired: '1' } })
  }
})

createApp(App).use(i18n).use(router).mount('#app')
