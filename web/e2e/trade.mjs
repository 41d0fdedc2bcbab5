#!/usr/bin/env node
// Browser test of the foreign-trade page against a running server with the demo data: the
// Department of Commerce signs in, opens 对外贸易, sees the KPI cards with figures, the trend
// and the world map drawn, the synthetic label, and drills down by clicking a partner.
//
// Environment:
//   KAIFANG_URL       base URL of the server (default http://127.0.0.1:8080)
//   CHROMIUM          Chromium executable (default /usr/bin/chromium)
//   SCREENSHOT_DIR    where screenshots go (created; default ./smoke-screenshots)
//   KAIFANG_PASSWORD  password of the demo account `commerce` (default kaifang-demo)
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import fs from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'

const BASE = (process.env.KAIFANG_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || 'smoke-screenshots')
const PASSWORD = process.env.KAIFANG_PASSWORD || 'kaifang-demo'
const OVERALL_TIMEOUT_MS = 90_000
const STEP_TIMEOUT_MS = 20_000

const CHARTS = ['chart-trade-trend', 'chart-trade-map', 'chart-trade-partners', 'chart-trade-products', 'chart-trade-cities', 'chart-trade-modes']
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

/** Does the canvas under `testid` have size and any non-blank pixel? */
async function drawn(page, testid) {
  const canvas = page.locator(`${tid(testid)} canvas`).first()
  try {
    await canvas.waitFor({ state: 'attached' })
  } catch {
    throw new StepError(`${testid} has no canvas`)
  }
  const box = await canvas.boundingBox()
  check(box && box.width > 50 && box.height > 50, `${testid} canvas has no size (${JSON.stringify(box)})`)
  const inked = await canvas.evaluate((c) => {
    const ctx = c.getContext('2d')
    if (!ctx) return 0
    const { data } = ctx.getImageData(0, 0, c.width, c.height)
    let n = 0
    for (let i = 3; i < data.length; i += 16) if (data[i] > 0) n++
    return n
  })
  check(inked > 100, `${testid} canvas is blank`)
  return box
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true })
  current = 'launch Chromium'
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 768 }, acceptDownloads: false })
  context.setDefaultTimeout(STEP_TIMEOUT_MS)
  const page = await context.newPage()
  let signedIn = false
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('console', (msg) => {
    if (msg.type() !== 'error' || msg.text().startsWith('Failed to load resource')) return
    problems.push(`console error: ${msg.text()}`)
  })
  page.on('response', (res) => {
    const url = new URL(res.url())
    if (res.status() < 400 || (res.status() === 401 && url.pathname === '/api/auth/me' && !signedIn)) return
    problems.push(`HTTP ${res.status()}: ${res.request().method()} ${url.pathname}${url.search}`)
  })

  await step('commerce signs in and opens 对外贸易 from the menu', async () => {
    await page.goto(`${BASE}/login`)
    await page.locator(tid('login-username')).fill('commerce')
    await page.locator(tid('login-password')).fill(PASSWORD)
    signedIn = true
    await page.locator(tid('login-submit')).click()
    await page.waitForURL((u) => u.pathname === '/')
    await page.getByRole('menuitem', { name: '对外贸易' }).click()
    await page.waitForURL((u) => u.pathname === '/trade')
    await page.locator(tid('page-title')).filter({ hasText: '对外贸易' }).waitFor()
  })

  await step('KPI cards show figures with YoY; the data are labelled synthetic', async () => {
    for (const name of ['month', 'ytd', 'exports', 'imports']) {
      const value = page.locator(tid(`card-trade-${name}-value`))
      await value.waitFor({ state: 'visible' })
      const text = ((await value.textContent()) ?? '').trim()
      const n = Number(text.replace(/[^\d.]/g, ''))
      const card = ((await page.locator(tid(`card-trade-${name}`)).textContent()) ?? '').trim()
      check(n > 0 && card.includes('亿元'), `card ${name} should show an amount in 亿元, shows "${card}"`)
    }
    const hint = ((await page.locator(tid('card-trade-ytd')).textContent()) ?? '').trim()
    check(/同比 [+-]\d/.test(hint), `the YTD card should show YoY, shows "${hint}"`)
    const label = ((await page.locator(tid('trade-synthetic')).textContent()) ?? '').trim()
    check(label.includes('合成演示数据'), `synthetic label: "${label}"`)
  })

  await step('trend, map, partners, products, cities and trade modes are drawn', async () => {
    for (const id of CHARTS) await drawn(page, id)
    const rows = await page.locator(`${tid('trade-partner-table')} tbody tr`).count()
    check(rows >= 10, `partner table has ${rows} rows`)
    const firms = await page.locator(`${tid('trade-enterprise-table')} tbody tr`).count()
    check(firms >= 10, `enterprise table has ${firms} rows`)
  })

  await page.waitForTimeout(900) // let the chart animations settle
  await page.screenshot({ path: path.join(SHOTS, 'trade-zh-1366x768.png') })
  await page.locator(tid('chart-trade-cities')).scrollIntoViewIfNeeded()
  await page.waitForTimeout(500)
  await page.screenshot({ path: path.join(SHOTS, 'trade-zh-products-1366x768.png') })
  await page.locator(tid('page-title')).scrollIntoViewIfNeeded()

  await step('clicking a partner drills down: the city breakdown is of that partner', async () => {
    const first = page.locator(`${tid('trade-partner-table')} tbody tr`).first()
    const partner = ((await first.locator('td').nth(1).textContent()) ?? '').trim()
    const before = await page.evaluate(() => performance.getEntriesByType('resource').length)
    const cityReq = page.waitForResponse((r) => r.url().includes('by=city') && r.url().includes('partner='))
    await first.click()
    const res = await cityReq
    check(res.ok(), `sliced city breakdown answered ${res.status()}`)
    const body = await res.json()
    check(body.slice.conds.length === 1 && body.rows.length > 0, `sliced breakdown: ${JSON.stringify(body).slice(0, 200)}`)
    const tag = ((await page.locator(tid('trade-drill-tag')).textContent()) ?? '').trim()
    check(tag.includes(partner), `drill tag "${tag}" should name ${partner}`)
    check((await page.evaluate(() => performance.getEntriesByType('resource').length)) > before, 'no requests after the click')
    await drawn(page, 'chart-trade-cities')
    await page.locator(tid('page-title')).scrollIntoViewIfNeeded()
    await page.waitForTimeout(900)
    await page.screenshot({ path: path.join(SHOTS, 'trade-zh-drill-1366x768.png') })
    await page.locator(`${tid('trade-drill-tag')} .el-tag__close`).click()
    await page.locator(tid('trade-drill')).waitFor({ state: 'detached' })
  })

  await step('the enterprise search narrows the table', async () => {
    const name = ((await page.locator(`${tid('trade-enterprise-table')} tbody tr`).nth(2).locator('td').nth(1).textContent()) ?? '').trim()
    const resp = page.waitForResponse((r) => r.url().includes('by=enterprise') && r.url().includes('q='))
    // The test id sits on the input itself or on its wrapper, depending on the component.
    const t = tid('trade-enterprise-search')
    await page.locator(`input${t}, ${t} input`).first().fill(name)
    await resp
    await page.waitForTimeout(300)
    const rows = await page.locator(`${tid('trade-enterprise-table')} tbody tr`).count()
    check(rows === 1, `searching "${name}" should leave one row, leaves ${rows}`)
  })

  await finish(0)
}

main().catch((e) => fail(e instanceof StepError ? e.message : (e?.stack ?? String(e))))
