#!/usr/bin/env node
// Browser test of enterprise appeals and the directives boards against a running server.
//
// An enterprise files an appeal; the Department of Commerce accepts it, assigns it to itself
// and answers it; the enterprise sees the answer and rates it. Then a provincial leader opens
// the tasks board and the leaders' summary, whose chart must be drawn.
//
// Environment:
//   KAIFANG_URL       base URL of the server (default http://127.0.0.1:8080)
//   CHROMIUM          Chromium executable (default /usr/bin/chromium)
//   SCREENSHOT_DIR    where screenshots go (created; default ./appeal-screenshots)
//   KAIFANG_PASSWORD  password of the demo accounts (default kaifang-demo)
//   KAIFANG_ENTERPRISE_USER, KAIFANG_INTAKE_USER, KAIFANG_LEADER_USER
//                     the accounts used (default faw, commerce, leader)
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import fs from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'

const BASE = (process.env.KAIFANG_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || 'appeal-screenshots')
const PASSWORD = process.env.KAIFANG_PASSWORD || 'kaifang-demo'
const ENTERPRISE = process.env.KAIFANG_ENTERPRISE_USER || 'faw'
const INTAKE = process.env.KAIFANG_INTAKE_USER || 'commerce'
const LEADER = process.env.KAIFANG_LEADER_USER || 'leader'
const INTAKE_ORG_CODE = 'jl-doc'
const INTAKE_ORG_NAME = '吉林省商务厅'
const OVERALL_TIMEOUT_MS = 150_000
const STEP_TIMEOUT_MS = 15_000

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
const TITLE = `图们江出海物流通道集装箱运力不足（测试 ${stamp}）`
const DESCRIPTION = '我公司经珲春口岸出口的整车零部件，近期集装箱班列运力紧张，等待时间超过两周，希望协调增加班列。'
const ANSWER = `已协调铁路部门自下月起每周增开两列集装箱班列（答复 ${stamp}）。`

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

/** One browser context per test run; page errors and unexpected HTTP failures are collected. */
async function openContext(label, locale) {
  const context = await browser.newContext({ locale, viewport: { width: 1366, height: 768 }, acceptDownloads: false })
  context.setDefaultTimeout(STEP_TIMEOUT_MS)
  const state = { signedIn: false }
  const page = await context.newPage()
  page.on('pageerror', (e) => problems.push(`[${label}] page error: ${e.message}`))
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const text = msg.text()
    if (text.startsWith('Failed to load resource')) return
    problems.push(`[${label}] console error: ${text}`)
  })
  page.on('requestfailed', (req) => {
    const why = req.failure()?.errorText ?? 'failed'
    if (why.includes('ERR_ABORTED')) return
    problems.push(`[${label}] request failed: ${req.method()} ${req.url()} (${why})`)
  })
  page.on('response', (res) => {
    const status = res.status()
    if (status < 400) return
    const url = new URL(res.url())
    if (status === 401 && url.pathname === '/api/auth/me' && !state.signedIn) return
    problems.push(`[${label}] HTTP ${status}: ${res.request().method()} ${url.pathname}${url.search}`)
  })
  return { context, page, state }
}

/** Fills a text field, whether the test id sits on the input itself or on its wrapper. */
async function fill(page, testid, value) {
  const t = tid(testid)
  await page.locator(`input${t}, textarea${t}, ${t} input, ${t} textarea`).first().fill(value)
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

async function expectPath(page, test, what) {
  try {
    await page.waitForURL((u) => (typeof test === 'string' ? u.pathname === test : test.test(u.pathname)))
  } catch {
    throw new StepError(`expected to be on ${what ?? test}, am on ${page.url()}`)
  }
}

async function visible(page, testid, what) {
  try {
    await page.locator(tid(testid)).first().waitFor({ state: 'visible' })
  } catch {
    throw new StepError(`${what ?? testid} did not appear`)
  }
}

async function login(ctx, username) {
  const { page, state } = ctx
  await page.goto(`${BASE}/login`)
  await expectPath(page, '/login')
  await page.locator(tid('login-username')).fill(username)
  await page.locator(tid('login-password')).fill(PASSWORD)
  state.signedIn = true
  await page.locator(tid('login-submit')).click()
  const error = page.locator(tid('login-error'))
  await Promise.race([page.waitForURL((u) => u.pathname !== '/login'), error.waitFor({ state: 'visible' })]).catch(() => {})
  if (await error.isVisible()) {
    state.signedIn = false
    throw new StepError(`signing in as ${username} failed: ${((await error.textContent()) ?? '').trim()}`)
  }
  await visible(page, 'user-menu', 'the user menu after signing in')
}

async function logout(ctx) {
  const { page, state } = ctx
  await page.locator(tid('user-menu')).click()
  await page.locator(tid('logout')).click()
  await expectPath(page, '/login')
  state.signedIn = false
}

/** Opens the appeal with the test's title from the appeals list. */
async function openAppealFromList(page) {
  await page.locator(tid('nav-appeals')).click()
  await expectPath(page, '/appeals')
  await expectText(page, 'page-title', '企业诉求')
  const link = page.locator(tid('appeal-link'), { hasText: TITLE })
  try {
    await link.first().waitFor({ state: 'visible' })
  } catch {
    throw new StepError(`the appeal "${TITLE}" is not in the list`)
  }
  await link.first().click()
  await expectPath(page, /^\/appeals\/\d+$/, '/appeals/<id>')
  await expectText(page, 'page-title', TITLE)
}

async function expectState(page, zh, key) {
  await expectText(page, 'appeal-state', zh)
  const state = await page.locator(tid('appeal-state')).first().getAttribute('data-state')
  check(state === key, `appeal-state should be ${key}, is ${state}`)
}

async function act(page, kind) {
  const button = page.locator(tid(`appeal-kind-${kind}`))
  try {
    await button.waitFor({ state: 'visible' })
  } catch {
    throw new StepError(`the action "${kind}" is not offered`)
  }
  await button.click()
}

async function submitAction(page) {
  const before = (await page.locator(tid('timeline-event')).count()) || 0
  await page.locator(tid('appeal-action-submit')).click()
  const error = page.locator(tid('appeal-action-error'))
  try {
    await Promise.race([
      page.waitForFunction(
        ([sel, n]) => document.querySelectorAll(sel).length > n,
        [tid('timeline-event'), before],
      ),
      error.waitFor({ state: 'visible' }).then(async () => {
        throw new StepError(`the action failed: ${((await error.textContent()) ?? '').trim()}`)
      }),
    ])
  } catch (e) {
    if (e instanceof StepError) throw e
    throw new StepError('no new event appeared in the timeline after submitting')
  }
}

async function shot(page, name) {
  await page.waitForTimeout(900) // let animations settle
  await page.screenshot({ path: path.join(SHOTS, name) })
}

/** The chart's canvas has a size and something drawn on it (not all one colour). */
async function expectChartDrawn(page, testid) {
  const canvas = page.locator(`${tid(testid)} canvas`).first()
  try {
    await canvas.waitFor({ state: 'attached' })
  } catch {
    throw new StepError(`${testid} has no canvas`)
  }
  const box = await canvas.boundingBox()
  check(box && box.width > 100 && box.height > 100, `${testid} canvas is too small (${JSON.stringify(box)})`)
  await page.waitForTimeout(900)
  const painted = await canvas.evaluate((c) => {
    const ctx = c.getContext('2d')
    if (!ctx) return -1
    const { data } = ctx.getImageData(0, 0, c.width, c.height)
    let n = 0
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++
    return n / (c.width * c.height)
  })
  check(painted > 0.01, `${testid} canvas looks empty (${(painted * 100).toFixed(2)}% painted)`)
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true })
  current = 'launch Chromium'
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })

  current = 'read /api/meta'
  const metaRes = await fetch(`${BASE}/api/meta`).catch((e) => {
    throw new StepError(`cannot reach ${BASE} (${e.cause?.code ?? e.message}); is the server running and KAIFANG_URL right?`)
  })
  check(metaRes.ok, `GET /api/meta answered ${metaRes.status}`)

  const ctx = await openContext('zh', 'zh-CN')
  const { page } = ctx
  let appealPath = ''

  await step(`${ENTERPRISE} (enterprise) files an appeal about logistics`, async () => {
    await login(ctx, ENTERPRISE)
    check((await page.locator(tid('nav-tasks')).count()) === 0, 'an enterprise should not see the tasks board')
    await page.locator(tid('nav-appeals')).click()
    await expectPath(page, '/appeals')
    await expectText(page, 'page-title', '企业诉求')
    await page.locator(tid('appeal-new')).click()
    await visible(page, 'appeal-form', 'the appeal form')
    await page.locator(tid('appeal-form-category')).click()
    await page.locator(tid('appeal-category-logistics')).click()
    await fill(page, 'appeal-form-title', TITLE)
    await fill(page, 'appeal-form-description', DESCRIPTION)
    await page.locator(tid('appeal-form-submit')).click()
    const formError = page.locator(tid('appeal-form-error'))
    await Promise.race([page.waitForURL((u) => /^\/appeals\/\d+$/.test(u.pathname)), formError.waitFor({ state: 'visible' })]).catch(() => {})
    if (await formError.isVisible()) throw new StepError(`filing failed: ${((await formError.textContent()) ?? '').trim()}`)
    await expectPath(page, /^\/appeals\/\d+$/, '/appeals/<id>')
    appealPath = new URL(page.url()).pathname
    await expectText(page, 'page-title', TITLE)
    await expectState(page, '待受理', 'filed')
    await expectText(page, 'appeal-description', DESCRIPTION.slice(0, 20))
    await expectText(page, 'timeline', '提交诉求')
    await logout(ctx)
  })

  await step(`${INTAKE} (Department of Commerce) accepts it, assigning it to ${INTAKE_ORG_NAME}`, async () => {
    await login(ctx, INTAKE)
    await openAppealFromList(page)
    check(new URL(page.url()).pathname === appealPath, `opened ${page.url()}, expected ${appealPath}`)
    await expectState(page, '待受理', 'filed')
    await act(page, 'accept')
    await page.locator(tid('appeal-assign-org')).click()
    await page.keyboard.type(INTAKE_ORG_NAME)
    const option = page.locator(tid(`appeal-org-option-${INTAKE_ORG_CODE}`))
    try {
      await option.waitFor({ state: 'visible' })
    } catch {
      throw new StepError(`${INTAKE_ORG_NAME} is not offered in the assign-to picker`)
    }
    await option.click()
    await submitAction(page)
    await expectState(page, '办理中', 'assigned')
    await expectText(page, 'appeal-assigned', INTAKE_ORG_NAME)
  })

  await step(`${INTAKE} answers it`, async () => {
    await act(page, 'answer')
    await fill(page, 'appeal-action-body', ANSWER)
    await submitAction(page)
    await expectState(page, '已答复', 'answered')
    await expectText(page, 'appeal-answer', ANSWER)
    await logout(ctx)
  })

  await step(`${ENTERPRISE} sees the answer and rates it 5`, async () => {
    await login(ctx, ENTERPRISE)
    await openAppealFromList(page)
    await expectState(page, '已答复', 'answered')
    await expectText(page, 'appeal-answer', ANSWER)
    await act(page, 'rate')
    const stars = page.locator(`${tid('appeal-rate-score')} .el-rate__item`)
    check((await stars.count()) === 5, `the rating should have 5 stars, has ${await stars.count()}`)
    await stars.nth(4).click()
    await submitAction(page)
    await expectState(page, '已评价', 'rated')
    await visible(page, 'appeal-score', 'the score under the answer')
    await expectText(page, 'timeline', '评价')
    // The rating survives a reload (it was stored, not only shown).
    await page.reload()
    await expectState(page, '已评价', 'rated')
    await expectText(page, 'appeal-answer', ANSWER)
    await visible(page, 'appeal-score', 'the score after a reload')
    await shot(page, 'appeal-detail-zh.png')
    await logout(ctx)
  })

  await step(`${LEADER} (provincial leader) opens the tasks board`, async () => {
    await login(ctx, LEADER)
    await page.locator(tid('nav-tasks')).click()
    await expectPath(page, '/tasks')
    await expectText(page, 'page-title', '督查督办')
    const rows = page.locator(`${tid('tasks-table')} .el-table__body tr`)
    try {
      await rows.first().waitFor({ state: 'visible' })
    } catch {
      throw new StepError('tasks-table has no rows')
    }
    check((await page.locator(`${tid('tasks-table')} [data-light]`).count()) > 0, 'no traffic-light tags in the table')
    check((await page.locator(tid('task-new')).count()) === 0, 'a leader should not be offered to issue tasks')
    await shot(page, 'tasks-board-zh.png')
  })

  await step(`${LEADER} opens a task: quote, timeline, no actions`, async () => {
    await page.locator(tid('task-link')).first().click()
    await expectPath(page, /^\/tasks\/\d+$/, '/tasks/<id>')
    await visible(page, 'task-quote', 'the directive quote')
    await visible(page, 'timeline-event', 'a timeline event')
    check((await page.locator(tid('task-action-submit')).count()) === 0, 'a leader should have no task actions')
  })

  await step(`${LEADER} opens the leaders' summary: cards and a drawn chart`, async () => {
    await page.locator(tid('nav-task-summary')).click()
    await expectPath(page, '/tasks/summary')
    await expectText(page, 'page-title', '领导看板')
    await visible(page, 'card-total-value', 'the total card')
    const total = Number(((await textOf(page, 'card-total-value')) || '').replace(/[^\d]/g, ''))
    check(total > 0, `the total card should show a number > 0, shows "${await textOf(page, 'card-total-value')}"`)
    await expectChartDrawn(page, 'chart-task-lights')
    await shot(page, 'summary-zh.png')
    await logout(ctx)
  })

  await step('duban (supervision office) records a meeting with a directive', async () => {
    await login(ctx, 'duban')
    await page.locator(tid('nav-tasks')).click()
    await expectPath(page, '/tasks')
    await page.locator(tid('meeting-new')).click()
    const meeting = `测试会议 ${stamp}`
    await fill(page, 'meeting-title', meeting)
    const dialog = page.locator(tid('meeting-dialog'))
    await dialog.locator('.el-date-editor input').first().fill('2026-11-30')
    await dialog.locator('.el-date-editor input').first().press('Enter')
    await dialog.getByPlaceholder('会议纪要、通报或报道的出处').fill('测试用会议纪要')
    await dialog.getByPlaceholder('批示事项').fill('加快口岸建设')
    await dialog.getByPlaceholder('原文（引自会议纪要或讲话）').fill('要加快口岸基础设施建设。')
    await page.locator(tid('meeting-submit')).click()
    await page.locator('.el-message--success').first().waitFor({ state: 'visible' })
    // The new directive can now be picked when issuing a task.
    await page.locator(tid('task-new')).click()
    const picker = page.locator('.el-dialog').last()
    await picker.locator('.el-select').first().click()
    try {
      await page.locator('.el-select-group__title', { hasText: meeting }).first().waitFor({ state: 'visible' })
    } catch {
      throw new StepError(`the directive picker does not list the new meeting "${meeting}"`)
    }
    await page.keyboard.press('Escape') // closes the drop-down
    await picker.getByRole('button', { name: '取消' }).click()
    await picker.waitFor({ state: 'hidden' })
    await logout(ctx)
  })

  await finish(0)
}

main().catch((e) => fail(e instanceof StepError ? e.message : (e?.stack ?? String(e))))
