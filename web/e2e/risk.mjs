#!/usr/bin/env node
// Browser test of the risk watch: a leader opens 风险预警 from the menu, reads the warning
// cards and the board of readings (labelled synthetic on the demo), filters to tasks and
// appeals, and opens an indicator's definition and rules. The Department of Commerce switches
// to the alert board, evaluates now, and takes one of its alerts from raised to closed
// (acknowledge, handle with a note, close with a reason), after which it leaves the open board.
// The leader then reads the alert board with no action open to them, the forecast bands (a
// series' chart and accuracy), and runs a drill closing the two Hunchun crossings to Russia
// for four weeks, which then shows among the saved drills; an enterprise has no such menu
// entry.
//
// Environment: KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD (see harness.mjs).
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, StepError, check, expectChartDrawn, expectPath, expectText, inputOf, login, logout, openContext, openFromMenu, run, shot, step, tableRows, textOf, tid, visible } from './harness.mjs'

/** Switches the risk page to its alert board and waits for the board. */
async function openAlertBoard(page) {
  await page.locator('#tab-alerts').click()
  await visible(page, 'alert-board', 'the alert board')
  await page.waitForURL((u) => u.searchParams.get('tab') === 'alerts')
}

/** The drawer's state tag must come to show `text`. */
async function expectState(page, text) {
  await expectText(page, 'alert-detail-state', text)
}

/** Chooses the action `kind` in the open drawer, writes `body` (when given) and submits. */
async function act(page, kind, body) {
  await page.locator(tid(`alert-action-${kind}`)).click()
  await visible(page, 'alert-form', `the form of ${kind}`)
  if (body !== undefined) await inputOf(page, 'alert-form-body').fill(body)
  await page.locator(tid('alert-submit')).click()
}

run({ screenshots: 'risk-screenshots', overallTimeoutMs: 220_000 }, async () => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh

  await step('sign in as leader and open the risk watch from the menu', async () => {
    await page.goto(`${BASE}/login`)
    await login(zh, 'leader')
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-risk', '/risk', '风险预警')
  })

  let all = 0
  await step('the cards count the warnings and the board lists every reading, labelled synthetic', async () => {
    await expectText(page, 'risk-synthetic', '合成演示数据')
    for (const level of ['red', 'orange', 'yellow', 'blue']) {
      const v = await textOf(page, `card-${level}-value`)
      check(/^\d+$/.test(v), `card ${level} shows "${v}"`)
    }
    const rows = await tableRows(page, 'risk-table')
    all = await rows.count()
    check(all >= 10, `the board has ${all} rows`)
    await expectText(page, 'risk-level-trade.partner_hhi', '')
    await shot(page, 'risk-zh-1366x768.png')
  })

  await step('filtering to tasks and appeals leaves only their readings', async () => {
    await page.locator(`${tid('risk-source')} label`).filter({ hasText: '督办与诉求' }).click()
    await page.waitForTimeout(300)
    const n = await page.locator(`${tid('risk-table')} .el-table__body tr.el-table__row`).count()
    check(n > 0 && n < all, `${n} of ${all} rows after the filter`)
    check((await page.locator(`${tid('risk-table')} [data-testid^="risk-level-trade."]`).count()) === 0, 'trade readings still shown')
  })

  await step("a reading opens to its definition and its levels' rules", async () => {
    await page.locator(`${tid('risk-table')} .el-table__expand-icon`).first().click()
    const details = page.locator(`${tid('risk-table')} .risk__details`).first()
    await details.waitFor({ state: 'visible' })
    const text = (await details.textContent()) ?? ''
    check(text.includes('定义') && text.includes('分级规则') && /[≥≤]/.test(text), `details show "${text.slice(0, 120)}"`)
  })

  let alertId = 0
  await step('the Department of Commerce opens the alert board and evaluates now: synthetic alerts appear', async () => {
    await logout(zh)
    await login(zh, 'commerce')
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-risk', '/risk', '风险预警')
    await openAlertBoard(page)
    await visible(page, 'alert-evaluate', 'the evaluate-now button')
    await page.locator(tid('alert-evaluate')).click()
    await page.locator('.el-message--success').filter({ hasText: '评估完成' }).waitFor({ state: 'visible' })
    await page.locator(`${tid('alert-table')} ${tid('alert-synthetic')}`).first().waitFor({ state: 'visible' })
    const rows = await tableRows(page, 'alert-table')
    const n = await rows.count()
    check(n >= 1, `the board lists ${n} alerts`)
    const yellow = Number(await textOf(page, 'card-alerts-yellow-value'))
    check(yellow >= 1, `the yellow card counts ${yellow}`)
  })

  await step("one of the department's alerts opens with its rules, and is acknowledged", async () => {
    const row = page.locator(`${tid('alert-table')} .el-table__body tr`).filter({ hasText: '商务厅' }).first()
    await row.waitFor({ state: 'visible' })
    const open = row.locator('[data-testid^="alert-open-"]')
    alertId = Number(((await open.getAttribute('data-testid')) ?? '').replace('alert-open-', ''))
    check(alertId > 0, 'the row names no alert')
    await open.click()
    await visible(page, 'alert-drawer', 'the alert drawer')
    await expectText(page, 'alert-detail-owner', '吉林省商务厅')
    await expectState(page, '待确认')
    const def = (await page.locator(tid('alert-detail-indicator')).textContent()) ?? ''
    check(def.includes('定义') && def.includes('分级规则') && /[≥≤]/.test(def), `the indicator shows "${def.slice(0, 120)}"`)
    check(await page.locator(tid('alert-action-close')).isDisabled(), 'close is enabled before handling')
    await act(page, 'acknowledge')
    await expectState(page, '已确认')
    check(await page.locator(tid('alert-action-acknowledge')).isDisabled(), 'acknowledge is still enabled')
  })

  await step('handled with a note, then closed with a reason (asked for when missing)', async () => {
    await act(page, 'handle', '已约谈主要出口企业，研究分散市场的措施')
    await expectState(page, '处置中')
    await page.locator(tid('alert-action-close')).click()
    await page.locator(tid('alert-submit')).click()
    await expectText(page, 'alert-form-error', '请填写办结理由')
    await inputOf(page, 'alert-form-body').fill('风险已化解，后续按月跟踪')
    await page.locator(tid('alert-submit')).click()
    await expectState(page, '已办结')
    for (const k of ['acknowledge', 'handle', 'note', 'close', 'dismiss']) {
      check(await page.locator(tid(`alert-action-${k}`)).isDisabled(), `${k} is enabled on a closed alert`)
    }
  })

  await step('the timeline shows each step, and the alert left the open board', async () => {
    const events = page.locator(`${tid('alert-drawer')} ${tid('timeline-event')}`)
    const kinds = await events.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))
    for (const k of ['raised', 'acknowledge', 'handle', 'close']) check(kinds.includes(k), `the timeline lacks ${k}: ${kinds.join(', ')}`)
    const text = (await page.locator(tid('alert-drawer')).locator(tid('timeline')).textContent()) ?? ''
    for (const w of ['发出预警', '确认', '处置中', '研究分散市场', '风险已化解']) check(text.includes(w), `the timeline lacks "${w}"`)
    await page.locator('.el-drawer__body').evaluate((el) => el.scrollTo(0, 0))
    await shot(page, 'risk-alert-drawer-zh-1366x768.png', { settleMs: 400 })
    await page.keyboard.press('Escape')
    await page.locator(tid('alert-drawer')).waitFor({ state: 'hidden' })
    await page.locator(tid(`alert-open-${alertId}`)).waitFor({ state: 'detached' })
    await shot(page, 'risk-alerts-zh-1366x768.png')
    // Where the alert's notification leads: the board with its drawer open.
    await page.goto(`${BASE}/risk/alerts/${alertId}`)
    await visible(page, 'alert-drawer', 'the alert drawer opened by its link')
    await page.keyboard.press('Escape')
    await page.locator(tid('alert-drawer')).waitFor({ state: 'hidden' })
    await page.locator(`${tid('alert-scope')} label`).filter({ hasText: '全部' }).click()
    await expectText(page, `alert-state-${alertId}`, '已办结')
  })

  await step('a leader reads the alert board: no evaluate button, no action open', async () => {
    await logout(zh)
    await login(zh, 'leader')
    await expectPath(page, '/')
    await page.goto(`${BASE}/risk?tab=alerts`)
    await visible(page, 'alert-board', 'the alert board')
    await tableRows(page, 'alert-table')
    await page.locator(`${tid('alert-table')} [data-testid^="alert-open-"]`).first().waitFor({ state: 'visible' })
    check((await page.locator(tid('alert-evaluate')).count()) === 0, 'the leader sees the evaluate button')
    await page.locator(`${tid('alert-table')} [data-testid^="alert-open-"]`).first().click()
    await visible(page, 'alert-read-only', 'the read-only hint')
    const buttons = page.locator(`${tid('alert-drawer')} [data-testid^="alert-action-"]`)
    const n = await buttons.count()
    check(n >= 5, `${n} action buttons shown`)
    for (let i = 0; i < n; i++) check(await buttons.nth(i).isDisabled(), `${await buttons.nth(i).textContent()} is enabled for the leader`)
    await page.keyboard.press('Escape')
    await page.locator(tid('alert-drawer')).waitFor({ state: 'hidden' })
  })

  await step("a reading's kept history is drawn against its thresholds", async () => {
    await page.goto(`${BASE}/risk`)
    await tableRows(page, 'risk-table')
    await page.locator(`${tid('risk-table')} .el-table__expand-icon`).first().click()
    const history = page.locator(`${tid('risk-table')} ${tid('risk-history')}`).first()
    await history.waitFor({ state: 'visible' })
    await history.locator('canvas').first().waitFor({ state: 'visible', timeout: 10_000 })
    await page.goto(`${BASE}/risk?tab=alerts`)
    await tableRows(page, 'alert-table')
  })

  await step('the alert board in English', async () => {
    await page.locator(tid('lang-switch')).click()
    await page.locator('#tab-alerts').filter({ hasText: 'Alerts' }).waitFor({ state: 'visible' })
    const head = (await page.locator(`${tid('alert-table')} .el-table__header`).textContent()) ?? ''
    check(head.includes('Value / threshold') && head.includes('Owner'), `the table header reads "${head}"`)
    await shot(page, 'risk-alerts-en-1366x768.png')
    await page.locator(tid('lang-switch')).click()
    await page.locator('#tab-alerts').filter({ hasText: '预警' }).waitFor({ state: 'visible' })
  })

  await step('the forecast bands: every series against its band, labelled synthetic, with its level', async () => {
    await page.locator('#tab-forecasts').click()
    await visible(page, 'forecast-board', 'the forecast board')
    await page.waitForURL((u) => u.searchParams.get('tab') === 'forecasts')
    const rows = await tableRows(page, 'forecast-table')
    const n = await rows.count()
    check(n >= 3, `the forecast table has ${n} rows`)
    const synthetic = await page.locator(`${tid('forecast-table')} ${tid('forecast-synthetic')}`).count()
    check(synthetic >= 3, `${synthetic} rows carry the synthetic tag`)
    // Each deviation's level follows the registry's thresholds: yellow 0.65, orange 1, red 2.
    const expected = (d) => (d >= 2 ? '红色' : d >= 1 ? '橙色' : d >= 0.65 ? '黄色' : '正常')
    const deadline = Date.now() + 10_000
    let wrong = []
    do {
      const cells = await page.locator(`${tid('forecast-table')} .forecasts__dev`).evaluateAll((els) => els.map((e) => e.textContent ?? ''))
      wrong = cells.filter((c) => {
        const d = Number((c.match(/[\d.]+/) ?? ['NaN'])[0])
        return !c.includes(expected(d))
      })
      if (!wrong.length) break
      await page.waitForTimeout(250)
    } while (Date.now() < deadline)
    check(!wrong.length, `levels do not follow the thresholds: ${wrong.join('; ')}`)
  })

  await step("the total's chart: history, forecast and bands drawn, with its accuracy", async () => {
    await page.locator(tid('forecast-open-total')).click()
    await visible(page, 'forecast-drawer', 'the forecast drawer')
    await expectChartDrawn(page, 'forecast-chart', { minSize: 200, settleMs: 300, minInked: 5000 })
    await expectText(page, 'forecast-accuracy', 'MASE')
    const mase = await textOf(page, 'forecast-mase')
    check(/^\d+\.\d\d$/.test(mase), `MASE reads "${mase}"`)
    await expectText(page, 'forecast-summary', '亿元')
    await shot(page, 'risk-forecast-zh-1366x768.png', { settleMs: 600 })
    await page.keyboard.press('Escape')
    await page.locator(tid('forecast-drawer')).waitFor({ state: 'hidden' })
  })

  await step('a drill closes the two Hunchun crossings to Russia for 4 weeks: whose trade it hits', async () => {
    await page.locator('#tab-drills').click()
    await visible(page, 'drill-board', 'the drill board')
    await page.waitForURL((u) => u.searchParams.get('tab') === 'drills')
    check(await page.locator(tid('drill-run')).isDisabled(), 'run is enabled with nothing to close')
    for (const [typed, name] of [
      ['珲春铁路', '珲春铁路口岸'],
      ['长岭子', '珲春公路口岸(长岭子)'],
    ]) {
      await page.locator(tid('drill-close')).click()
      await page.keyboard.type(typed)
      await page.locator('.el-select-dropdown__item:visible', { hasText: name }).first().click()
      await page.keyboard.press('Escape')
    }
    await expectText(page, 'drill-close', '珲春铁路口岸')
    await inputOf(page, 'drill-weeks').fill('4')
    await inputOf(page, 'drill-weeks').press('Tab')
    await page.locator(tid('drill-run')).click()
    try {
      await page.locator(tid('drill-result')).waitFor({ state: 'visible', timeout: 90_000 })
    } catch {
      throw new StepError(`no drill result: ${await textOf(page, 'drill-error').catch(() => 'no error shown')}`)
    }
    await expectText(page, 'drill-closed', '珲春铁路口岸')
    await expectText(page, 'drill-closed', '4 周')
    await visible(page, 'drill-synthetic', 'the synthetic tag')
    const teu = await textOf(page, 'card-drill-teu-affected-value')
    check(/^[\d,]+$/.test(teu) && Number(teu.replace(/,/g, '')) > 0, `the TEU affected card shows "${teu}"`)
    const rows = await tableRows(page, 'drill-enterprises')
    check((await rows.count()) >= 1, 'the enterprise table is empty')
    await tableRows(page, 'drill-flows')
    const via = (await page.locator(`${tid('drill-flows')} ${tid('drill-via')}`).first().textContent()) ?? ''
    check(via.includes('→') && via.replace(/[—→\s]/g, '').length > 0, `the alternative reads "${via}"`)
    await expectChartDrawn(page, 'drill-map', { minSize: 200, minInked: 5000 })
    await page.locator(tid('drill-result')).evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await shot(page, 'risk-drill-zh-1366x768.png')
  })

  await step('the saved drills list shows the drill, with its headline figures', async () => {
    const rows = await tableRows(page, 'drill-saved')
    const text = (await rows.first().textContent()) ?? ''
    check(text.includes('珲春铁路口岸') && text.includes('珲春公路口岸(长岭子)'), `the newest saved drill reads "${text}"`)
    check(text.includes('合成数据'), 'the saved drill is not labelled synthetic')
  })

  await step('an enterprise has no risk watch in its menu', async () => {
    await logout(zh)
    await login(zh, 'faw')
    await expectPath(page, '/')
    await page.locator(tid('nav-overview')).waitFor({ state: 'visible' })
    check((await page.locator(tid('nav-risk')).count()) === 0, 'the enterprise sees the risk menu entry')
  })
})
