#!/usr/bin/env node
// Browser smoke test of the Kaifang web UI against a running server.
//
// Environment:
//   KAIFANG_URL       base URL of the server (default http://127.0.0.1:8080)
//   CHROMIUM          Chromium executable (default /usr/bin/chromium)
//   SCREENSHOT_DIR    where screenshots go (created; default ./smoke-screenshots)
//   KAIFANG_USER      administrator account (default admin)
//   KAIFANG_PASSWORD  its password, also used for the enterprise account (default kaifang-demo)
//   KAIFANG_ENTERPRISE_USER  enterprise account (default faw)
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import fs from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'

const BASE = (process.env.KAIFANG_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || 'smoke-screenshots')
const USER = process.env.KAIFANG_USER || 'admin'
const PASSWORD = process.env.KAIFANG_PASSWORD || 'kaifang-demo'
const ENTERPRISE_USER = process.env.KAIFANG_ENTERPRISE_USER || 'faw'
const OVERALL_TIMEOUT_MS = 60_000
const STEP_TIMEOUT_MS = 15_000

const CHARTS = ['chart-orgs-by-kind', 'chart-zones-by-type', 'chart-users-by-role', 'chart-audit-by-day']
const tid = (id) => `[data-testid="${id}"]`

let browser = null
let passed = 0
let current = 'start'
const problems = []

class StepError extends Error {}
function check(cond, message) {
  if (!cond) throw new StepError(message)
}

async function finish(code) {
  clearTimeout(watchdog)
  try {
    await browser?.close()
  } catch {
    // already gone
  }
  console.log(`${passed} passed, ${code === 0 ? 0 : 1} failed`)
  process.exit(code)
}

async function fail(message) {
  console.log(`not ok - ${current}: ${message}`)
  await finish(1)
}

const watchdog = setTimeout(() => {
  void fail(`overall timeout of ${OVERALL_TIMEOUT_MS / 1000} s exceeded`)
}, OVERALL_TIMEOUT_MS)

async function step(name, fn) {
  current = name
  await fn()
  if (problems.length) throw new StepError(`page problems:\n  ${problems.join('\n  ')}`)
  passed++
  console.log(`ok - ${name}`)
}

/** A browser context whose page errors, console errors and unexpected HTTP failures are collected. */
async function openContext(label, locale) {
  const context = await browser.newContext({ locale, viewport: { width: 1366, height: 768 }, acceptDownloads: false })
  context.setDefaultTimeout(STEP_TIMEOUT_MS)
  const state = { signedIn: false, expectLoginFailure: false }
  const page = await context.newPage()
  page.on('pageerror', (e) => problems.push(`[${label}] page error: ${e.message}`))
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const text = msg.text()
    // HTTP failures are judged by status below; Chromium also logs each one to the console.
    if (text.startsWith('Failed to load resource')) return
    problems.push(`[${label}] console error: ${text}`)
  })
  page.on('requestfailed', (req) => {
    const why = req.failure()?.errorText ?? 'failed'
    if (why.includes('ERR_ABORTED')) return // navigation or reload cut a request short
    problems.push(`[${label}] request failed: ${req.method()} ${req.url()} (${why})`)
  })
  page.on('response', (res) => {
    const status = res.status()
    if (status < 400) return
    const url = new URL(res.url())
    const method = res.request().method()
    if (status === 401 && url.pathname === '/api/auth/me' && !state.signedIn) return
    if (status === 401 && url.pathname === '/api/auth/login' && state.expectLoginFailure) return
    problems.push(`[${label}] HTTP ${status}: ${method} ${url.pathname}${url.search}`)
  })
  return { context, page, state }
}

async function textOf(page, testid) {
  return ((await page.locator(tid(testid)).first().textContent()) ?? '').trim()
}

async function expectText(page, testid, expected) {
  try {
    await page.locator(tid(testid)).first().filter({ hasText: expected }).waitFor({ state: 'visible' })
  } catch {
    throw new StepError(`${testid} should show "${expected}", shows "${await textOf(page, testid).catch(() => '?')}"`)
  }
}

async function expectPath(page, pathname) {
  try {
    await page.waitForURL((u) => u.pathname === pathname)
  } catch {
    throw new StepError(`expected to be on ${pathname}, am on ${page.url()}`)
  }
}

async function login(page, state, username, password) {
  await page.locator(tid('login-username')).fill(username)
  await page.locator(tid('login-password')).fill(password)
  state.signedIn = true
  await page.locator(tid('login-submit')).click()
  const error = page.locator(tid('login-error'))
  await Promise.race([
    page.waitForURL((u) => u.pathname !== '/login'),
    error.waitFor({ state: 'visible' }),
  ]).catch(() => {})
  if (await error.isVisible()) {
    state.signedIn = false
    throw new StepError(`signing in as ${username} failed: ${((await error.textContent()) ?? '').trim()}`)
  }
}

async function chartSizes(page) {
  const sizes = {}
  for (const id of CHARTS) {
    const canvas = page.locator(`${tid(id)} canvas`).first()
    try {
      await canvas.waitFor({ state: 'attached' })
    } catch {
      throw new StepError(`${id} has no canvas`)
    }
    const box = await canvas.boundingBox()
    check(box && box.width > 0 && box.height > 0, `${id} canvas has no size (${JSON.stringify(box)})`)
    sizes[id] = box
  }
  return sizes
}

async function shot(page, name) {
  await page.waitForTimeout(900) // let chart animations settle
  await page.screenshot({ path: path.join(SHOTS, name) })
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true })
  current = 'launch Chromium'
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })

  current = 'read /api/meta'
  const metaRes = await fetch(`${BASE}/api/meta`).catch((e) => {
    throw new StepError(`cannot reach ${BASE} (${e.cause?.code ?? e.message}); is the server running and KAIFANG_URL right?`)
  })
  check(metaRes.ok, `GET /api/meta answered ${metaRes.status}`)
  const meta = await metaRes.json()

  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh
  let sizes1366 = null

  await step('zh-CN visitor lands on /login in Chinese; a wrong password shows an error', async () => {
    await page.goto(`${BASE}/`)
    await expectPath(page, '/login')
    await expectText(page, 'page-title', '登录')
    check((await page.getAttribute('html', 'lang')) === 'zh-CN', 'html lang should be zh-CN')
    await expectText(page, 'login-submit', '登录')
    zh.state.expectLoginFailure = true
    await page.locator(tid('login-username')).fill(USER)
    await page.locator(tid('login-password')).fill(`${PASSWORD}-wrong`)
    await page.locator(tid('login-submit')).click()
    try {
      await page.locator(tid('login-error')).waitFor({ state: 'visible' })
    } catch {
      throw new StepError('login-error did not appear after a wrong password')
    }
    check((await textOf(page, 'login-error')).length > 0, 'login-error is empty')
    await expectPath(page, '/login')
  })

  await step('sign in: overview with banner, title, four charts and figures', async () => {
    await login(page, zh.state, USER, PASSWORD)
    zh.state.expectLoginFailure = false
    await expectPath(page, '/')
    await expectText(page, 'page-title', '概览')
    const banner = page.locator(tid('demo-banner'))
    if (meta.demo) {
      check(await banner.isVisible(), 'demo-banner should be visible (meta.demo is true)')
      check((await banner.textContent()).includes('演示数据'), 'demo-banner should be in Chinese')
    } else {
      check((await banner.count()) === 0, 'demo-banner should be absent (meta.demo is false)')
    }
    await page.locator(tid('overview-cards')).waitFor({ state: 'visible' })
    sizes1366 = await chartSizes(page)
    const value = page.locator(tid('card-organisations-value'))
    await value.waitFor({ state: 'visible' })
    const n = Number(((await value.textContent()) ?? '').replace(/[^\d]/g, ''))
    check(n > 0, `organisations card should show a number > 0, shows "${await value.textContent()}"`)
  })

  await step('screenshot overview-zh-1366x768.png', async () => {
    await shot(page, 'overview-zh-1366x768.png')
  })

  await step('switch to English; the choice survives a reload', async () => {
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', 'Overview')
    await expectText(page, 'nav-overview', 'Overview')
    await expectText(page, 'nav-organisations', 'Organisations')
    check((await page.getAttribute('html', 'lang')) === 'en', 'html lang should be en')
    await page.reload()
    await expectPath(page, '/')
    await expectText(page, 'page-title', 'Overview')
    await expectText(page, 'nav-jobs', 'Jobs')
    if (meta.demo) await expectText(page, 'demo-banner', 'Demo data')
    await chartSizes(page)
    await shot(page, 'overview-en-1366x768.png')
  })

  await step('wall display 1920x1080: charts grow; screenshot', async () => {
    await page.setViewportSize({ width: 1920, height: 1080 })
    await page.waitForTimeout(400)
    const wide = await chartSizes(page)
    for (const id of CHARTS) {
      check(wide[id].width > sizes1366[id].width, `${id} did not grow with the window (${sizes1366[id].width} -> ${wide[id].width})`)
    }
    await shot(page, 'overview-en-1920x1080.png')
  })

  await step('organisations page lists organisations', async () => {
    await page.setViewportSize({ width: 1366, height: 768 })
    await page.locator(tid('nav-organisations')).click()
    await expectPath(page, '/organisations')
    await expectText(page, 'page-title', 'Organisations')
    const rows = page.locator(`${tid('orgs-table')} .el-table__body tr`)
    try {
      await rows.first().waitFor({ state: 'visible' })
    } catch {
      throw new StepError('orgs-table has no rows')
    }
    check((await rows.count()) > 0, 'orgs-table has no rows')
    await shot(page, 'organisations-en-1366x768.png')
  })

  const en = await openContext('en', 'en-US')
  await step(`en-US visitor sees English; ${ENTERPRISE_USER} (enterprise) sees no Users or Audit`, async () => {
    await en.page.goto(`${BASE}/login`)
    await expectText(en.page, 'page-title', 'Sign in')
    check((await en.page.getAttribute('html', 'lang')) === 'en', 'html lang should be en')
    await login(en.page, en.state, ENTERPRISE_USER, PASSWORD)
    await expectPath(en.page, '/')
    await expectText(en.page, 'page-title', 'Overview')
    await en.page.locator(tid('nav-organisations')).waitFor({ state: 'visible' })
    await en.page.locator(tid('nav-jobs')).waitFor({ state: 'visible' })
    check((await en.page.locator(tid('nav-users')).count()) === 0, 'enterprise user should not see nav-users')
    check((await en.page.locator(tid('nav-audit')).count()) === 0, 'enterprise user should not see nav-audit')
  })

  await step('sign out returns to /login and the session is gone', async () => {
    for (const { page: p, state } of [en, zh]) {
      await p.locator(tid('user-menu')).click()
      await p.locator(tid('logout')).click()
      await expectPath(p, '/login')
      state.signedIn = false
      await p.goto(`${BASE}/jobs`)
      await expectPath(p, '/login')
      check(new URL(p.url()).searchParams.get('redirect') === '/jobs', 'login should remember where to return')
    }
  })

  await finish(0)
}

main().catch((e) => fail(e instanceof StepError ? e.message : (e?.stack ?? String(e))))
