#!/usr/bin/env node
// Browser test of the foreign-trade page against a running server with the demo data: the
// Department of Commerce signs in, opens 对外贸易, sees the KPI cards with figures, the trend
// and the world map drawn, the synthetic label, drills down by clicking a partner, and switches
// the product chart to end use with its source.
//
// Environment: KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD (of the demo account
// `commerce`): see harness.mjs; screenshots default to ./smoke-screenshots.
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, check, expectChartDrawn, expectPath, expectText, inputOf,
  login, openContext, run, shot, step, tid } from './harness.mjs'

const CHARTS = ['chart-trade-trend', 'chart-trade-map', 'chart-trade-partners', 'chart-trade-products', 'chart-trade-cities', 'chart-trade-modes']

/** The canvas under `testid` is larger than 50 px both ways and more than 400 of its pixels are painted. */
const drawn = (page, testid) => expectChartDrawn(page, testid, { minSize: 50, minPainted: 400 })

run({ screenshots: 'smoke-screenshots', overallTimeoutMs: 90_000, stepTimeoutMs: 20_000 }, async () => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh

  await step('commerce signs in and opens 对外贸易 from the menu', async () => {
    await page.goto(`${BASE}/login`)
    await login(zh, 'commerce')
    await expectPath(page, '/')
    await page.getByRole('menuitem', { name: '对外贸易' }).click()
    await expectPath(page, '/trade')
    await expectText(page, 'page-title', '对外贸易')
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

  await shot(page, 'trade-zh-1366x768.png')
  await page.locator(tid('chart-trade-cities')).scrollIntoViewIfNeeded()
  await shot(page, 'trade-zh-products-1366x768.png', { settleMs: 500 })
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
    await shot(page, 'trade-zh-drill-1366x768.png')
    await page.locator(`${tid('trade-drill-tag')} .el-tag__close`).click()
    await page.locator(tid('trade-drill')).waitFor({ state: 'detached' })
  })

  await step('the product chart switches to end use (UN BEC) and shows its source', async () => {
    const view = page.locator(tid('trade-product-view'))
    const resp = page.waitForResponse((r) => r.url().includes('by=bec'))
    await view.getByText('最终用途（BEC）', { exact: true }).click()
    const res = await resp
    check(res.ok(), `end-use breakdown answered ${res.status()}`)
    const body = await res.json()
    check(body.rows.some((r) => r.key === 'intermediate'), `end-use rows: ${JSON.stringify(body.rows).slice(0, 200)}`)
    await drawn(page, 'chart-trade-end-use')
    const source = ((await page.locator(tid('trade-end-use-source')).textContent()) ?? '').trim()
    check(source.startsWith('来源') && source.includes('BEC Rev.4'), `source line: "${source}"`)
    await page.locator(tid('chart-trade-end-use')).scrollIntoViewIfNeeded()
    await shot(page, 'trade-zh-end-use-1366x768.png', { settleMs: 500 })
    await view.getByText('HS', { exact: true }).click()
    await drawn(page, 'chart-trade-products')
    await page.locator(tid('page-title')).scrollIntoViewIfNeeded()
  })

  await step('the enterprise search narrows the table', async () => {
    const name = ((await page.locator(`${tid('trade-enterprise-table')} tbody tr`).nth(2).locator('td').nth(1).textContent()) ?? '').trim()
    const resp = page.waitForResponse((r) => r.url().includes('by=enterprise') && r.url().includes('q='))
    await inputOf(page, 'trade-enterprise-search').fill(name)
    await resp
    await page.waitForTimeout(300)
    const rows = await page.locator(`${tid('trade-enterprise-table')} tbody tr`).count()
    check(rows === 1, `searching "${name}" should leave one row, leaves ${rows}`)
  })
})
