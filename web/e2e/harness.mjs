// Shared harness of the browser tests in this folder (playwright-core driving headless Chromium).
//
// Environment, read by every test:
//   KAIFANG_URL       base URL of the server (default http://127.0.0.1:8080)
//   CHROMIUM          Chromium executable (default /usr/bin/chromium)
//   SCREENSHOT_DIR    where screenshots go (created; the default is given by each test)
//   KAIFANG_PASSWORD  password of the demo accounts (default kaifang-demo)
//
// A test calls `run(options, body)`. It prints "ok - <step>" per step, and on the first failure
// "not ok - <step>: <reason>"; then "N passed, M failed", and exits 0 or 1. Each step also
// fails when any browser context collected a page error, a console error, a failed request or
// an unexpected HTTP status (see `openContext`).
import fs from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'

export const BASE = (process.env.KAIFANG_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '')
export const PASSWORD = process.env.KAIFANG_PASSWORD || 'kaifang-demo'
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'

export const tid = (id) => `[data-testid="${id}"]`

export class StepError extends Error {}

export function check(cond, message) {
  if (!cond) throw new StepError(message)
}

let browser = null
let passed = 0
let current = 'start'
const problems = []
let watchdog = null
let shots = ''
let stepTimeoutMs = 15_000
let failureShot = null
let lastPage = null

/** Where the screenshot `name` goes. */
function shotPath(name) {
  return path.join(shots, name)
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
  if (failureShot) await lastPage?.screenshot({ path: shotPath(failureShot) }).catch(() => {})
  await finish(1)
}

/** Runs one named step; it fails on a thrown error or on any page problem collected meanwhile. */
export async function step(name, fn) {
  current = name
  await fn()
  if (problems.length) throw new StepError(`page problems:\n  ${problems.join('\n  ')}`)
  passed++
  console.log(`ok - ${name}`)
}

/**
 * Runs a browser test: starts the watchdog, launches Chromium, checks the server answers
 * /api/meta, then runs `body({ meta })` and finishes.
 *
 * Options: `screenshots`, the default screenshot folder; `overallTimeoutMs`, the watchdog;
 * `stepTimeoutMs`, the default timeout of each browser action; `failureShot`, a screenshot
 * taken of the last opened page when the test fails.
 */
export function run(options, body) {
  const { screenshots, overallTimeoutMs, failureShot: onFailure = null } = options
  shots = path.resolve(process.env.SCREENSHOT_DIR || screenshots)
  stepTimeoutMs = options.stepTimeoutMs ?? 15_000
  failureShot = onFailure
  watchdog = setTimeout(() => {
    void fail(`overall timeout of ${overallTimeoutMs / 1000} s exceeded`)
  }, overallTimeoutMs)

  const main = async () => {
    fs.mkdirSync(shots, { recursive: true })
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

    await body({ meta })
    await finish(0)
  }
  main().catch((e) => fail(e instanceof StepError ? e.message : (e?.stack ?? String(e))))
}

/**
 * A browser context whose page errors, console errors and unexpected HTTP failures are
 * collected. Allowed: a 401 on /api/auth/me while `state.signedIn` is false, and a 401 on
 * /api/auth/login while `state.expectLoginFailure` is true.
 */
export async function openContext(label, locale) {
  const context = await browser.newContext({ locale, viewport: { width: 1366, height: 768 }, acceptDownloads: false })
  context.setDefaultTimeout(stepTimeoutMs)
  const state = { signedIn: false, expectLoginFailure: false }
  const page = await context.newPage()
  lastPage = page
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

export async function textOf(page, testid) {
  return ((await page.locator(tid(testid)).first().textContent()) ?? '').trim()
}

export async function expectText(page, testid, expected) {
  try {
    await page.locator(tid(testid)).first().filter({ hasText: expected }).waitFor({ state: 'visible' })
  } catch {
    throw new StepError(`${testid} should show "${expected}", shows "${await textOf(page, testid).catch(() => '?')}"`)
  }
}

/** Waits for a path: a string to match exactly, or a RegExp; `what` names it in the error. */
export async function expectPath(page, test, what) {
  try {
    await page.waitForURL((u) => (typeof test === 'string' ? u.pathname === test : test.test(u.pathname)))
  } catch {
    throw new StepError(`expected to be on ${what ?? test}, am on ${page.url()}`)
  }
}

export async function visible(page, testid, what) {
  try {
    await page.locator(tid(testid)).first().waitFor({ state: 'visible' })
  } catch {
    throw new StepError(`${what ?? testid} did not appear`)
  }
}

/** The text field of a form control, whether the test id sits on the input itself or on its wrapper. */
export function inputOf(page, testid) {
  const t = tid(testid)
  return page.locator(`input${t}, textarea${t}, ${t} input, ${t} textarea`).first()
}

/** Signs in on the login form already shown; fails with the form's error if there is one. */
export async function login(ctx, username, password = PASSWORD) {
  const { page, state } = ctx
  await page.locator(tid('login-username')).fill(username)
  await page.locator(tid('login-password')).fill(password)
  state.signedIn = true
  await page.locator(tid('login-submit')).click()
  const error = page.locator(tid('login-error'))
  await Promise.race([page.waitForURL((u) => u.pathname !== '/login'), error.waitFor({ state: 'visible' })]).catch(() => {})
  if (await error.isVisible()) {
    state.signedIn = false
    throw new StepError(`signing in as ${username} failed: ${((await error.textContent()) ?? '').trim()}`)
  }
}

/** Signs out from the user menu and waits for the login page. */
export async function logout(ctx) {
  const { page, state } = ctx
  await page.locator(tid('user-menu')).click()
  await page.locator(tid('logout')).click()
  await expectPath(page, '/login')
  state.signedIn = false
}

/** Follows the menu entry `nav` to `pathname`, whose page title must then show `title` (when given). */
export async function openFromMenu(page, nav, pathname, title) {
  await page.locator(tid(nav)).click()
  await expectPath(page, pathname)
  if (title !== undefined) await expectText(page, 'page-title', title)
}

/** The body rows of the table `testid`; the first must become visible. */
export async function tableRows(page, testid) {
  const rows = page.locator(`${tid(testid)} .el-table__body tr`)
  try {
    await rows.first().waitFor({ state: 'visible' })
  } catch {
    throw new StepError(`${testid} has no rows`)
  }
  return rows
}

/** Waits for the chart animations to settle, then takes the screenshot `name`. */
export async function shot(page, name, { settleMs = 900, fullPage = false } = {}) {
  if (settleMs > 0) await page.waitForTimeout(settleMs)
  await page.screenshot({ path: shotPath(name), fullPage })
}

/** The box of the first canvas under `testid`, which must exist and be larger than `minSize` both ways. */
export async function canvasBox(page, testid, minSize = 0) {
  const canvas = page.locator(`${tid(testid)} canvas`).first()
  try {
    await canvas.waitFor({ state: 'attached' })
  } catch {
    throw new StepError(`${testid} has no canvas`)
  }
  const box = await canvas.boundingBox()
  check(box && box.width > minSize && box.height > minSize, `${testid} canvas is too small (${JSON.stringify(box)})`)
  return box
}

/** The boxes of the charts `ids` by test id; each must have a canvas with a size. */
export async function chartSizes(page, ids) {
  const sizes = {}
  for (const id of ids) sizes[id] = await canvasBox(page, id)
  return sizes
}

/**
 * The chart under `testid` is drawn: its canvas is larger than `minSize` both ways and, after
 * `settleMs`, more than `minShare` of its pixels are painted (any opacity), more than
 * `minPainted` pixels are painted and more than `minInked` are painted and not near-white.
 * Charts animate in and their data arrive late, so the pixels are read again until they pass
 * or `waitMs` has gone by. Returns the canvas box.
 */
export async function expectChartDrawn(page, testid, { minSize = 0, settleMs = 0, minShare = 0, minPainted = 0, minInked = 0, waitMs = 10_000 } = {}) {
  const box = await canvasBox(page, testid, minSize)
  if (settleMs > 0) await page.waitForTimeout(settleMs)
  const deadline = Date.now() + waitMs
  let counts
  for (;;) {
    counts = await page
      .locator(`${tid(testid)} canvas`)
      .first()
      .evaluate((c) => {
        const ctx = c.getContext('2d')
        if (!ctx || c.width === 0 || c.height === 0) return null
        const { data } = ctx.getImageData(0, 0, c.width, c.height)
        let painted = 0
        let inked = 0
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue
          painted++
          if (!(data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) inked++
        }
        return { painted, inked, share: painted / (c.width * c.height) }
      })
    check(counts, `${testid} canvas cannot be read`)
    const passes = counts.share > minShare && counts.painted > minPainted && counts.inked > minInked
    if (passes || Date.now() > deadline) break
    await page.waitForTimeout(250)
  }
  check(
    counts.share > minShare && counts.painted > minPainted && counts.inked > minInked,
    `${testid} canvas looks blank (${counts.painted} painted, ${counts.inked} inked, ${(counts.share * 100).toFixed(2)}% painted)`,
  )
  return box
}
