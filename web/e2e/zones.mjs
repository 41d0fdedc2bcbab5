#!/usr/bin/env node
// Browser test of the development-zone assessment: the Department of Commerce opens the
// ranking, reads one zone's radar chart, moves a weight and sees the ranking recomputed, and
// opens the zone's printable report.
//
// Environment:
//   KAIFANG_URL       base URL of the server (default http://127.0.0.1:8080)
//   CHROMIUM          Chromium executable (default /usr/bin/chromium)
//   SCREENSHOT_DIR    where screenshots go (created; default ./zones-screenshots)
//   KAIFANG_USER      Department of Commerce account (default commerce)
//   KAIFANG_PASSWORD  its password (default kaifang-demo)
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import fs from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'

const BASE = (process.env.KAIFANG_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || 'zones-screenshots')
const USER = process.env.KAIFANG_USER || 'commerce'
const PASSWORD = process.env.KAIFANG_PASSWORD || 'kaifang-demo'
const OVERALL_TIMEOUT_MS = 90_000
const STEP_TIMEOUT_MS = 15_000

const CHARTS = ['chart-zone-radar', 'chart-zone-history', 'chart-zone-pillars', 'chart-zone-typology', 'chart-zone-sensitivity']
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
  page.on('pageerror', (e) => problems.push(`[${label}] page error: ${e.stack ?? e.message}`))
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


/** True when a canvas has pixels that are not background (the chart was drawn). */
async function canvasDrawn(page, testid) {
  const canvas = page.locator(`${tid(testid)} canvas`).first()
  await canvas.waitFor({ state: 'attached' })
  return canvas.evaluate((c) => {
    const ctx = c.getContext('2d')
    if (!ctx || c.width === 0 || c.height === 0) return false
    const { data } = ctx.getImageData(0, 0, c.width, c.height)
    let ink = 0
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]]
      if (a > 0 && !(r > 245 && g > 245 && b > 245)) ink++
    }
    return ink > 500
  })
}

async function rankingCodes(page) {
  return page.locator(`${tid('zones-table')} .el-table__body [data-testid^="zone-row-"]`).evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-testid').replace('zone-row-', '')),
  )
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

  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh
  let before = []

  await step(`sign in as ${USER} and open the zones page from the menu`, async () => {
    await page.goto(`${BASE}/login`)
    await login(page, zh.state, USER, PASSWORD)
    await expectPath(page, '/')
    await page.locator(tid('nav-zones')).click()
    await expectPath(page, '/zones')
    await expectText(page, 'page-title', '开发区考核')
  })

  await step('the ranking has at least 10 zones with rank intervals, labelled synthetic', async () => {
    await expectText(page, 'zones-synthetic', '合成演示数据')
    const rows = page.locator(`${tid('zones-table')} .el-table__body tr`)
    await rows.nth(9).waitFor({ state: 'visible' })
    const n = await rows.count()
    check(n >= 10, `the ranking has ${n} rows`)
    const ranks = await page.locator(`${tid('zones-table')} ${tid('zone-rank')}`).allTextContents()
    check(ranks[0].trim() === '1', `the first rank is "${ranks[0]}"`)
    const nums = ranks.map((r) => Number(r.trim()))
    check(nums.every((r, i) => i === 0 || r >= nums[i - 1]), `ranks not sorted: ${nums.join(',')}`)
    check((await page.locator(`${tid('zones-table')} ${tid('zone-interval')}`).count()) >= 10, 'rank intervals missing')
    before = await rankingCodes(page)
  })

  await step('the radar chart of the selected zone and the other charts are drawn', async () => {
    await chartSizes(page)
    await page.waitForTimeout(700)
    check(await canvasDrawn(page, 'chart-zone-radar'), 'the radar canvas is blank')
    check(await canvasDrawn(page, 'chart-zone-sensitivity'), 'the sensitivity canvas is blank')
    check(await canvasDrawn(page, 'chart-zone-typology'), 'the typology canvas is blank')
    check(await canvasDrawn(page, 'chart-zone-history'), 'the rank-history canvas is blank')
    check((await textOf(page, 'zones-selected-name')).length > 0, 'no zone selected')
    check((await textOf(page, 'zones-suggestions')).length > 10, 'no suggestions')
  })

  await step('select the 7th zone by clicking its row', async () => {
    const seventh = before[6]
    await page.locator(tid(`zone-row-${seventh}`)).click()
    await expectText(page, 'zones-selected-rank', '第 7 位')
  })

  await step('screenshot zones-zh-1366x768.png', async () => {
    await shot(page, 'zones-zh-1366x768.png')
    // The charts below the ranking: the shell scrolls its main area, not the window.
    await page.locator('.shell__main').evaluate((el) => el.scrollTo(0, el.scrollHeight))
    await shot(page, 'zones-zh-charts-1366x768.png')
    await page.locator('.shell__main').evaluate((el) => el.scrollTo(0, 0))
  })

  await step('the page in English; screenshot zones-en-1366x768.png; back to Chinese', async () => {
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', 'Development zones')
    await expectText(page, 'zones-synthetic', 'Synthetic demo data')
    await expectText(page, 'zones-selected-rank', 'Rank 7 of')
    await shot(page, 'zones-en-1366x768.png')
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', '开发区考核')
  })

  await step('weight only green development: the ranking is recomputed with the new weights', async () => {
    const answered = page.waitForResponse(
      (r) => r.url().includes('/api/zones/assessment') && r.url().includes('weights=') && r.status() === 200,
    )
    for (const code of ['open', 'quality', 'innov', 'coord']) {
      const handle = page.locator(`${tid(`weight-slider-${code}`)} .el-slider__button-wrapper`)
      await handle.focus()
      await page.keyboard.press('Home')
      await expectText(page, `weight-value-${code}`, '0')
    }
    await answered
    await page.locator(tid('zones-whatif')).waitFor({ state: 'visible' })
    await page.waitForFunction(
      ([sel, old]) => {
        const codes = [...document.querySelectorAll(sel)].map((e) => e.getAttribute('data-testid'))
        return codes.length > 0 && codes.join() !== old
      },
      [`${tid('zones-table')} .el-table__body [data-testid^="zone-row-"]`, before.map((c) => `zone-row-${c}`).join()],
    )
    const after = await rankingCodes(page)
    check(after.length === before.length, `the ranking lost rows (${before.length} -> ${after.length})`)
    check(after.join() !== before.join(), 'the ranking did not change with other weights')
    const whatif = await textOf(page, 'zones-whatif')
    check(whatif.includes('第 7 位'), `the what-if line should compare with rank 7: "${whatif}"`)
  })

  await step('reset the weights: the original ranking returns', async () => {
    await page.locator(tid('weights-reset')).click()
    await page.waitForFunction(
      ([sel, old]) => [...document.querySelectorAll(sel)].map((e) => e.getAttribute('data-testid')).join() === old,
      [`${tid('zones-table')} .el-table__body [data-testid^="zone-row-"]`, before.map((c) => `zone-row-${c}`).join()],
    )
  })

  await step('check a filled yearly form: valid, with jumps against last year flagged', async () => {
    const fw = await (await page.request.get(`${BASE}/api/zones/framework`)).json()
    let csv = 'uCode,Time,iCode,Value,Unit\n'
    for (const n of fw.nodes.filter((x) => x.level === 1)) {
      const min = n.min ?? 0
      const v = n.max !== null && n.max < min + 1 ? (min + n.max) / 2 : min + 1
      csv += `hc-bezc,2026,${n.code},${v},${n.unit ?? ''}\n`
    }
    await page.locator(tid('zones-check-open')).click()
    await page.locator(tid('zones-check-file')).setInputFiles({ name: 'hc-2026.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await expectText(page, 'zones-check-result', '格式正确')
    check((await textOf(page, 'zones-check-result')).includes('请核实'), 'no jumps flagged')
    await page.keyboard.press('Escape')
  })

  await step("open the 7th zone's printable report", async () => {
    await page.locator(tid('zone-report-link')).click()
    await expectPath(page, `/zones/${before[6]}/report`)
    await page.locator(tid('zone-report-rank')).waitFor({ state: 'visible' })
    await expectText(page, 'zone-report-rank', '第 7 位')
    await expectText(page, 'zone-report-synthetic', '合成演示数据')
    check((await textOf(page, 'zone-report-suggestions')).length > 20, 'the report has no suggestions')
    await page.waitForTimeout(300)
    check(await canvasDrawn(page, 'chart-report-radar'), 'the report radar is blank')
    await shot(page, 'zone-report-zh.png')
    await page.emulateMedia({ media: 'print' })
    check(!(await page.locator('.shell__aside').isVisible()), 'the menu should not print')
    await page.screenshot({ path: path.join(SHOTS, 'zone-report-print-zh.png'), fullPage: true })
    await page.emulateMedia({ media: 'screen' })
  })

  await finish(0)
}

main().catch((e) => fail(e instanceof StepError ? e.message : (e?.stack ?? String(e))))
