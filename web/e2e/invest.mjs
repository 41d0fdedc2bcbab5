#!/usr/bin/env node
// Browser test of the investment page (招商项目): the Department of Commerce, which owns the
// investment module, opens it from the menu and reads the pipeline (figures with YoY, the
// synthetic label, the stage funnel and the charts by city and country); lists the projects,
// filters them to those signed, opens one and advances it step by step (registered, under
// construction, funds arrived with the amount), and logs a problem it cannot make a task of;
// enters a new project, which the negative list's check marks prohibited at once; then checks
// a described activity against the national negative list (rare earth mining: prohibited,
// item 5 quoted) and reads the page in English.
//
// Environment: KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD (see harness.mjs).
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, check, expectChartDrawn, expectPath, expectText, inputOf, login, openFromMenu, openContext, run, shot, step, tableRows, textOf, tid, visible } from './harness.mjs'

const CHARTS = ['invest-chart-stages', 'invest-chart-month', 'invest-chart-city', 'invest-chart-country']

/** Switches the page to the tab `name` and waits for its board `board`. */
async function openTab(page, name, board) {
  await page.locator(`#tab-${name}`).click()
  await visible(page, board, `the ${name} tab`)
}

/** Picks the option `label` of the select `testid`. */
async function choose(page, testid, label) {
  await page.locator(tid(testid)).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click()
}

/** Advances the open project one stage (the form proposes the next), filling `arrived` when given. */
async function advance(page, expected, arrived) {
  await page.locator(tid('project-action-advance')).click()
  await visible(page, 'project-form-step', 'the advance form')
  await expectText(page, 'project-form-to', expected)
  if (arrived !== undefined) await inputOf(page, 'project-form-arrived').fill(arrived)
  await page.locator(tid('project-submit')).click()
  await expectText(page, 'project-detail-stage', expected)
  await page.locator(tid('project-form-step')).waitFor({ state: 'detached' })
}

run({ screenshots: 'invest-screenshots', overallTimeoutMs: 200_000, stepTimeoutMs: 20_000 }, async () => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh

  await step('the Department of Commerce opens 招商项目 from the menu', async () => {
    await page.goto(`${BASE}/login`)
    await login(zh, 'commerce')
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-invest', '/invest', '招商项目')
    await visible(page, 'pipeline-board', 'the pipeline')
  })

  await step('the pipeline: figures with YoY, labelled synthetic, the funnel and the charts drawn', async () => {
    await expectText(page, 'invest-synthetic', '合成演示数据')
    for (const name of ['signed', 'arrived', 'conversion', 'foreign']) {
      const v = await textOf(page, `card-invest-${name}-value`)
      check(/^[\d.,]+%?$/.test(v), `card ${name} shows "${v}"`)
    }
    const signed = (await page.locator(tid('card-invest-signed')).textContent()) ?? ''
    check(signed.includes('亿元') && signed.includes('同比'), `the signed card reads "${signed}"`)
    for (const id of CHARTS) await expectChartDrawn(page, id, { minSize: 100, minInked: 1500 })
    const rows = await tableRows(page, 'pipeline-stages')
    check((await rows.count()) === 7, 'the stage table should list the seven stages')
    await shot(page, 'invest-pipeline-zh-1366x768.png')
  })

  let id = 0
  await step('the project list: every demo project, labelled synthetic; filtered to the signed ones', async () => {
    await openTab(page, 'projects', 'project-board')
    await page.waitForURL((u) => u.searchParams.get('tab') === 'projects')
    await tableRows(page, 'project-table')
    await expectText(page, 'project-count', '41')
    check((await page.locator(`${tid('project-table')} ${tid('project-synthetic')}`).count()) > 0, 'no row carries the synthetic tag')
    await shot(page, 'invest-projects-zh-1366x768.png')
    const filtered = page.waitForResponse((r) => r.url().includes('/api/invest/projects?stage=signed'))
    await choose(page, 'project-stage-filter', '签约')
    await filtered
    await tableRows(page, 'project-table')
    const stages = await page.locator(`${tid('project-table')} [data-testid^="project-stage-"]`).evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()))
    check(stages.length > 0 && stages.every((s) => s === '签约'), `stages after the filter: ${stages.join(', ')}`)
    const open = page.locator(`${tid('project-table')} [data-testid^="project-open-"]`).first()
    id = Number(((await open.getAttribute('data-testid')) ?? '').replace('project-open-', ''))
    check(id > 0, 'the row names no project')
    await open.click()
    await visible(page, 'project-drawer', 'the project drawer')
    await page.waitForURL((u) => u.searchParams.get('project') === String(id))
    await expectText(page, 'project-detail-stage', '签约')
    await visible(page, 'project-negative-verdict', 'the negative-list check')
    const signedOn = (await page.locator(tid('project-step-signed')).textContent()) ?? ''
    check(/\d{4}-\d\d-\d\d/.test(signedOn), `the signed step shows no date: "${signedOn}"`)
  })

  await step('advanced step by step: registered, under construction, funds arrived with the amount', async () => {
    await advance(page, '注册')
    await advance(page, '开工建设')
    // The funds need their amount: asked for when missing.
    await page.locator(tid('project-action-advance')).click()
    await expectText(page, 'project-form-to', '资金到位')
    await page.locator(tid('project-submit')).click()
    await expectText(page, 'project-form-error', '到位资金')
    await inputOf(page, 'project-form-arrived').fill('1200')
    await page.locator(tid('project-submit')).click()
    await expectText(page, 'project-detail-stage', '资金到位')
    await expectText(page, 'project-detail-arrived', '1,200')
    const reached = (await page.locator(tid('project-step-funds_arrived')).textContent()) ?? ''
    check(/\d{4}-\d\d-\d\d/.test(reached), `the funds-arrived step shows no date: "${reached}"`)
    const kinds = await page.locator(`${tid('project-drawer')} ${tid('timeline-event')}`).evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))
    check(kinds.filter((k) => k === 'advance').length >= 3, `the timeline lacks the three steps: ${kinds.join(', ')}`)
    const text = (await page.locator(tid('project-drawer')).locator(tid('timeline')).textContent()) ?? ''
    for (const w of ['签约 → 注册', '注册 → 开工建设', '开工建设 → 资金到位']) check(text.includes(w), `the timeline lacks "${w}"`)
  })

  await step('a problem is logged; the department may not make a task of it', async () => {
    await page.locator(tid('project-action-problem')).click()
    await inputOf(page, 'project-form-body').fill('用地指标尚未落实，影响二期开工')
    await page.locator(tid('project-submit')).click()
    await expectText(page, 'project-problems', '用地指标尚未落实')
    check(await page.locator(tid('project-problem-to-task')).first().isDisabled(), 'the department may make a task')
    await page.locator('.el-drawer__body').evaluate((el) => el.scrollTo(0, 0))
    await shot(page, 'invest-project-drawer-zh-1366x768.png', { settleMs: 400 })
    await page.keyboard.press('Escape')
    await page.locator(tid('project-drawer')).waitFor({ state: 'hidden' })
    // It left the signed projects.
    await page.locator(tid(`project-open-${id}`)).waitFor({ state: 'detached' })
  })

  await step('a new project is entered and checked against the negative list at once', async () => {
    await page.locator(tid('project-new')).click()
    await visible(page, 'project-form', 'the new-project form')
    await inputOf(page, 'project-form-name').fill('稀土开采及选矿项目（测试）')
    await inputOf(page, 'project-form-investor').fill('某外国矿业公司（测试）')
    await page.locator(tid('project-form-country')).click()
    await page.keyboard.type('DE')
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'DE' }).first().click()
    await page.locator(tid('project-form-industry')).click()
    await page.keyboard.type('0932')
    await page.locator('.el-select-dropdown__item:visible', { hasText: '0932' }).first().click()
    await inputOf(page, 'project-form-amount').fill('5000')
    await choose(page, 'project-form-city', '珲春市')
    await expectText(page, 'project-form-lead', '吉林省商务厅')
    await page.locator(tid('project-form-submit')).click()
    await visible(page, 'project-drawer', 'the new project')
    await expectText(page, 'project-detail-stage', '线索')
    await expectText(page, 'project-negative-verdict', '禁止')
    await visible(page, 'project-negative-item-5', 'item 5 in the check')
    await page.keyboard.press('Escape')
    await page.locator(tid('project-drawer')).waitFor({ state: 'hidden' })
  })

  await step('the negative list: rare earth mining is prohibited, item 5 quoted with its measure', async () => {
    await openTab(page, 'negative', 'negative-board')
    const rows = await tableRows(page, 'neg-items')
    check((await rows.count()) === 29, `the 2024 national list shows ${await rows.count()} items`)
    await inputOf(page, 'neg-text').fill('外资企业拟在珲春投资建设稀土开采及选矿项目')
    await page.locator(tid('neg-check')).click()
    await expectText(page, 'neg-verdict', '禁止')
    await visible(page, 'neg-match-5', 'item 5')
    const quoted = (await page.locator(tid('neg-match-5')).textContent()) ?? ''
    check(quoted.includes('禁止投资稀土') && quoted.includes('稀土开采'), `item 5 reads "${quoted.slice(0, 120)}"`)
    await shot(page, 'invest-negative-zh-1366x768.png')
  })

  await step('the page in English', async () => {
    await page.locator(tid('lang-switch')).click()
    await page.locator('#tab-negative').filter({ hasText: 'Negative list' }).waitFor({ state: 'visible' })
    await expectText(page, 'neg-verdict', 'Prohibited')
    await shot(page, 'invest-negative-en-1366x768.png')
    await openTab(page, 'pipeline', 'pipeline-board')
    await expectText(page, 'card-invest-signed', 'CNY m')
    for (const id of CHARTS) await expectChartDrawn(page, id, { minSize: 100, minInked: 1500 })
    // The Chinese shot shows the cards; this one the charts by city and country.
    await page.locator(tid('invest-chart-city')).evaluate((el) => el.scrollIntoView({ block: 'center' }))
    await shot(page, 'invest-pipeline-en-1366x768.png')
    await openTab(page, 'projects', 'project-board')
    await tableRows(page, 'project-table')
    const head = (await page.locator(`${tid('project-table')} .el-table__header`).textContent()) ?? ''
    check(head.includes('Investor') && head.includes('Negative list'), `the table header reads "${head}"`)
    await shot(page, 'invest-projects-en-1366x768.png')
  })
})
