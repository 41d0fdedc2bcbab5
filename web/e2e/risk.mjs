#!/usr/bin/env node
// Browser test of the risk watch: a leader opens 风险预警 from the menu, reads the warning
// cards and the board of readings (labelled synthetic on the demo), filters to tasks and
// appeals, and opens an indicator's definition and rules; an enterprise has no such menu entry.
//
// Environment: KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD (see harness.mjs).
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, check, expectPath, expectText, login, logout, openContext, openFromMenu, run, shot, step, tableRows, textOf, tid } from './harness.mjs'

run({ screenshots: 'risk-screenshots', overallTimeoutMs: 90_000 }, async () => {
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

  await step('an enterprise has no risk watch in its menu', async () => {
    await logout(zh)
    await login(zh, 'faw')
    await expectPath(page, '/')
    await page.locator(tid('nav-overview')).waitFor({ state: 'visible' })
    check((await page.locator(tid('nav-risk')).count()) === 0, 'the enterprise sees the risk menu entry')
  })
})
