#!/usr/bin/env node
// Browser test of the freight-flows page against a running server: a leader opens 货运通道分析
// from the menu, sees the utilisation map drawn, the bottleneck table and the synthetic label;
// runs the criticality analysis and sees the ranking and its chart; runs the project appraisal
// and sees the projects, the chosen portfolio and its method; then reads the page in English.
//
// Environment (and KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD: see harness.mjs;
// screenshots default to ./smoke-screenshots):
//   KAIFANG_USER      account to sign in with (default leader)
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, StepError, check, expectChartDrawn, expectPath, expectText, inputOf, login, openContext, openFromMenu, run, shot, step, tableRows, tid } from './harness.mjs'

const USER = process.env.KAIFANG_USER || 'leader'

/** Waits until the rows of table `testid` appear, or the study's error does. */
async function studyRows(page, testid, errorId, what) {
  const error = page.locator(tid(errorId))
  const rows = page.locator(`${tid(testid)} .el-table__body tr`)
  await Promise.race([rows.first().waitFor({ state: 'visible', timeout: 60_000 }), error.waitFor({ state: 'visible', timeout: 60_000 })]).catch(() => {})
  if (await error.isVisible()) throw new StepError(`${what} failed: ${((await error.textContent()) ?? '').trim()}`)
  return tableRows(page, testid)
}

const number = (text) => Number(text.replace(/[^\d.\-−]/g, '').replace('−', '-'))

run({ screenshots: 'smoke-screenshots', overallTimeoutMs: 150_000, stepTimeoutMs: 20_000, failureShot: 'freight-failure.png' }, async () => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh

  await step(`sign in as ${USER} and open 货运通道分析 from the menu`, async () => {
    await page.goto(`${BASE}/login`)
    await login(zh, USER)
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-freight', '/freight', '货运通道分析')
  })

  await step('the demand is labelled synthetic and capacities estimates', async () => {
    await expectText(page, 'freight-synthetic', '合成演示数据')
    await expectText(page, 'freight-synthetic', 'synthetic')
    await expectText(page, 'freight-synthetic', '估算')
  })

  await step('the utilisation map is drawn, with its legend and summary', async () => {
    await expectChartDrawn(page, 'freight-map', { minSize: 200, minPainted: 20_000, minInked: 20_000 })
    await expectText(page, 'freight-legend', '≥ 0.85')
    await expectText(page, 'freight-summary', '相对间隙')
  })

  await step('the bottleneck table lists capacitated elements, busiest first', async () => {
    const rows = await tableRows(page, 'freight-bottlenecks')
    const n = await rows.count()
    check(n >= 5, `the bottleneck table has ${n} row(s)`)
    const utils = []
    for (let i = 0; i < Math.min(n, 6); i++) utils.push(number(((await rows.nth(i).locator('td').nth(2).textContent()) ?? '').trim()))
    for (let i = 1; i < utils.length; i++) check(utils[i - 1] >= utils[i], `utilisation not sorted: ${utils.join(', ')}`)
  })

  await shot(page, 'freight-zh-1366x768.png')

  await step('run the criticality analysis: a progress bar, then the ranking and its chart', async () => {
    await page.locator(tid('critical-run')).click()
    const rows = await studyRows(page, 'critical-ranking', 'critical-error', 'the criticality analysis')
    const n = await rows.count()
    check(n >= 5, `the ranking has ${n} row(s)`)
    const first = ((await rows.first().textContent()) ?? '').trim()
    check(first.length > 3, `the first ranked element has no name: "${first}"`)
    await page.locator(tid('critical-chart')).scrollIntoViewIfNeeded()
    await expectChartDrawn(page, 'critical-chart', { minSize: 50, minPainted: 400 })
  })

  await step('run the project appraisal with a budget: the projects, the chosen portfolio and its method', async () => {
    const budget = inputOf(page, 'appraisal-budget')
    await budget.fill('60')
    await budget.press('Tab')
    await page.locator(tid('appraisal-run')).click()
    const rows = await studyRows(page, 'appraisal-projects', 'appraisal-error', 'the project appraisal')
    const n = await rows.count()
    check(n >= 3, `the project table has ${n} row(s)`)
    await expectText(page, 'appraisal-method', '精确解')
    await expectText(page, 'appraisal-portfolio', '方法')
    const text = ((await page.locator(tid('appraisal-projects')).textContent()) ?? '').trim()
    check(text.includes('estimate'), 'the projects should show their source (estimates)')
    await page.locator(tid('appraisal-chart')).scrollIntoViewIfNeeded()
    await expectChartDrawn(page, 'appraisal-chart', { minSize: 50, minPainted: 400 })
  })

  await shot(page, 'freight-zh-studies-1366x768.png')

  await step('in English the page reads in English; screenshot freight-en-1366x768.png', async () => {
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', 'Freight flows')
    await expectText(page, 'critical-run', 'Run criticality analysis')
    await expectText(page, 'freight-synthetic', 'synthetic')
    await page.evaluate(() => document.querySelector('.el-main')?.scrollTo(0, 0))
    await shot(page, 'freight-en-1366x768.png')
  })
})
