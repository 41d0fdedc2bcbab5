#!/usr/bin/env node
// Browser test of enterprise appeals and the directives boards against a running server.
//
// An enterprise files an appeal; the Department of Commerce accepts it, assigns it to itself
// and answers it; the enterprise sees the answer and rates it. Then a provincial leader opens
// the tasks board and the leaders' summary, whose chart must be drawn.
//
// Environment (and KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD: see harness.mjs;
// screenshots default to ./appeal-screenshots):
//   KAIFANG_ENTERPRISE_USER, KAIFANG_INTAKE_USER, KAIFANG_LEADER_USER
//                     the accounts used (default faw, commerce, leader)
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, StepError, check, expectChartDrawn, expectPath, expectText, inputOf, login,
  logout, openFromMenu, openContext, run, shot, step, textOf, tableRows, tid, visible } from './harness.mjs'

const ENTERPRISE = process.env.KAIFANG_ENTERPRISE_USER || 'faw'
const INTAKE = process.env.KAIFANG_INTAKE_USER || 'commerce'
const LEADER = process.env.KAIFANG_LEADER_USER || 'leader'
const INTAKE_ORG_CODE = 'jl-doc'
const INTAKE_ORG_NAME = '吉林省商务厅'

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
const TITLE = `图们江出海物流通道集装箱运力不足（测试 ${stamp}）`
const DESCRIPTION = '我公司经珲春口岸出口的整车零部件，近期集装箱班列运力紧张，等待时间超过两周，希望协调增加班列。'
const ANSWER = `已协调铁路部门自下月起每周增开两列集装箱班列（答复 ${stamp}）。`

/** Fills a text field, whether the test id sits on the input itself or on its wrapper. */
async function fill(page, testid, value) {
  await inputOf(page, testid).fill(value)
}

/** Opens the login page and signs in; the user menu must then be shown. */
async function signIn(ctx, username) {
  await ctx.page.goto(`${BASE}/login`)
  await expectPath(ctx.page, '/login')
  await login(ctx, username)
  await visible(ctx.page, 'user-menu', 'the user menu after signing in')
}

/** Opens the appeal with the test's title from the appeals list. */
async function openAppealFromList(page) {
  await openFromMenu(page, 'nav-appeals', '/appeals', '企业诉求')
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

run({ screenshots: 'appeal-screenshots', overallTimeoutMs: 150_000 }, async () => {
  const ctx = await openContext('zh', 'zh-CN')
  const { page } = ctx
  let appealPath = ''

  await step(`${ENTERPRISE} (enterprise) files an appeal about logistics`, async () => {
    await signIn(ctx, ENTERPRISE)
    check((await page.locator(tid('nav-tasks')).count()) === 0, 'an enterprise should not see the tasks board')
    await openFromMenu(page, 'nav-appeals', '/appeals', '企业诉求')
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
    await signIn(ctx, INTAKE)
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
    await signIn(ctx, ENTERPRISE)
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
    await signIn(ctx, LEADER)
    await openFromMenu(page, 'nav-tasks', '/tasks', '督查督办')
    await tableRows(page, 'tasks-table')
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
    await openFromMenu(page, 'nav-task-summary', '/tasks/summary', '领导看板')
    await visible(page, 'card-total-value', 'the total card')
    const total = Number(((await textOf(page, 'card-total-value')) || '').replace(/[^\d]/g, ''))
    check(total > 0, `the total card should show a number > 0, shows "${await textOf(page, 'card-total-value')}"`)
    await expectChartDrawn(page, 'chart-task-lights', { minSize: 100, settleMs: 900, minShare: 0.01 })
    await shot(page, 'summary-zh.png')
    await logout(ctx)
  })

  await step('duban (supervision office) records a meeting with a directive', async () => {
    await signIn(ctx, 'duban')
    await openFromMenu(page, 'nav-tasks', '/tasks')
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
})
